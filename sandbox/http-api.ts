/**
 * The local stand-in for API Gateway's HTTP API: turns a request on loopback into the same payload-v2 event API
 * Gateway sends, runs the authorizer for routes that have one (its context lands in requestContext.authorizer.lambda,
 * as API Gateway puts a simple-response authorizer's context), calls the route's handler, writes its result back.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { ApiKeyAuthorizerContext } from '../src/handlers/http/principal';
import type { HttpRoute, RouteHandler } from '../src/handlers/http/routes';

/** API Gateway's own payload limit; the handlers enforce their smaller one. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

interface CompiledRoute {
  method: string;
  pattern: RegExp;
  names: string[];
  routeKey: string;
  handler: RouteHandler;
  authorized: boolean;
}

function compile(route: HttpRoute, handler: RouteHandler): CompiledRoute {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}/?$`,
  );
  return { method: route.method, pattern, names, routeKey: `${route.method} ${route.path}`, handler, authorized: route.auth === 'caller' };
}

export function lambdaContext(functionName: string, timeoutMs = 29_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * The body, or undefined when it is over the limit. An oversize body is still read to its end (and dropped): answering
 * before the client has finished sending would leave the rest of it on the connection, where it would be read as the
 * next request, or reset the connection under the client's next request on it.
 */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk as Buffer);
    else chunks.length = 0;
  }
  return size > MAX_PAYLOAD_BYTES ? undefined : Buffer.concat(chunks);
}

function send(response: ServerResponse, statusCode: number, headers: Record<string, string | number | boolean>, body: string): void {
  response.writeHead(statusCode, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])));
  response.end(body);
}

export interface LocalHttpApi {
  url: string;
  close(): Promise<void>;
}

export interface LocalHttpApiOptions {
  port: number;
  host?: string;
  routes: { route: HttpRoute; handler: RouteHandler }[];
  /**
   * The authorizer of routes that have one (`auth: 'caller'`): its context is what the handler reads the caller from;
   * undefined → no authorizer context at all (the handler answers 401).
   */
  authorize: (headers: Record<string, string>) => Promise<ApiKeyAuthorizerContext | undefined>;
}

export async function startLocalHttpApi(options: LocalHttpApiOptions): Promise<LocalHttpApi> {
  const routes = options.routes.map(({ route, handler }) => compile(route, handler));
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const method = request.method ?? 'GET';
      const matches = routes.filter((route) => route.pattern.test(url.pathname));
      const route = matches.find((candidate) => candidate.method === method);
      if (!route) {
        const status = matches.length > 0 ? 405 : 404;
        send(response, status, { 'content-type': 'application/problem+json' }, JSON.stringify({ type: 'about:blank', title: status === 404 ? 'Not Found' : 'Method Not Allowed', status }));
        return;
      }
      const body = await readBody(request);
      if (body === undefined) {
        // The client sent far more than any route takes: answer, then close rather than keep the connection for more.
        send(response, 413, { 'content-type': 'application/problem+json', connection: 'close' }, JSON.stringify({ type: 'about:blank', title: 'Request Entity Too Large', status: 413 }));
        return;
      }
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')]));
      const match = route.pattern.exec(url.pathname)!;
      const pathParameters = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
      let authorizer: ApiKeyAuthorizerContext | undefined;
      try {
        authorizer = route.authorized ? await options.authorize(headers) : undefined;
      } catch {
        // What API Gateway does when its authorizer fails.
        send(response, 500, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Internal Server Error' }));
        return;
      }
      const event: APIGatewayProxyEventV2 = {
        version: '2.0',
        routeKey: route.routeKey,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
        pathParameters: route.names.length > 0 ? pathParameters : undefined,
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          domainName: headers.host ?? 'localhost',
          domainPrefix: 'local',
          http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
          requestId: randomUUID(),
          routeKey: route.routeKey,
          stage: '$default',
          time: new Date().toISOString(),
          timeEpoch: Date.now(),
          ...(authorizer ? { authorizer: { lambda: authorizer } } : {}),
        } as APIGatewayProxyEventV2['requestContext'],
        body: body.length > 0 ? body.toString('utf8') : undefined,
        isBase64Encoded: false,
      };
      try {
        const result = await route.handler(event, lambdaContext(route.routeKey.replace(/\W+/g, '-')));
        send(response, result.statusCode ?? 200, result.headers ?? {}, result.body ?? '');
      } catch {
        send(response, 502, { 'content-type': 'application/problem+json' }, JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502 }));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
