import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpEvent, HttpResult } from '../../src/handlers/http/middleware';
import type { ApiKeyAuthorizerContext } from '../../src/handlers/http/principal';
import { lambdaContext } from '../../sandbox/http-api';

/**
 * An API Gateway HTTP API (payload v2) event, as the authorizer would pass it on: by default our API-key
 * authorizer's context for `principal` (an operator key with `operator`); `iamArn` for a SigV4 caller on the IAM
 * API; `authorizer` for any other context (a refusal, say); `principal: null` for no authorizer context at all.
 */
export function httpEvent(options: {
  method?: string;
  path?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  principal?: string | null;
  operator?: boolean;
  iamArn?: string;
  authorizer?: ApiKeyAuthorizerContext;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
}): HttpEvent {
  const principal = options.principal === undefined ? 'alice' : options.principal;
  const authorizer = options.iamArn
    ? { iam: { userArn: options.iamArn } }
    : options.authorizer
      ? { lambda: options.authorizer }
      : principal
        ? { lambda: { principal, role: options.operator ? 'operator' : 'user' } }
        : undefined;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return {
    version: '2.0',
    routeKey: `${options.method ?? 'GET'} ${options.path ?? '/'}`,
    rawPath: options.path ?? '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    queryStringParameters: options.query,
    pathParameters: options.pathParameters,
    requestContext: {
      requestId: 'req-1',
      http: { method: options.method ?? 'GET', path: options.path ?? '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      ...(authorizer ? { authorizer } : {}),
    } as APIGatewayProxyEventV2['requestContext'],
    body,
    isBase64Encoded: false,
  };
}

export async function invoke(handler: (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>, event: HttpEvent) {
  const result = await handler(event, lambdaContext('test'));
  // Every answer is JSON but the console's page (text/html).
  const json = result.body && !String(result.headers?.['content-type'] ?? '').startsWith('text/html');
  return { ...result, json: json ? (JSON.parse(result.body!) as Record<string, unknown>) : undefined };
}
