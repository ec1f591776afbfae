/**
 * The local stand-in for Lambda's Invoke API (REST-JSON, `POST /2015-03-31/functions/{name}/invocations`), enough for
 * what the service does with it: an asynchronous invoke (`X-Amz-Invocation-Type: Event`) is answered 202 at once and
 * runs the function in this process afterwards, as Lambda would queue it; a synchronous one answers with its result.
 * The service reaches it through the real SDK client and AWS_ENDPOINT_URL_LAMBDA, like every other stand-in.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type LocalFunction = (payload: unknown) => Promise<unknown>;

export interface LocalLambda {
  endpoint: string;
  /** Resolves when every asynchronous invocation started so far has finished (tests wait on it before closing). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(body === undefined ? '' : JSON.stringify(body));
}

/** `name`, `name:alias` or a full function ARN: the function's name. */
function functionNameOf(raw: string): string {
  const name = decodeURIComponent(raw);
  const arn = /^arn:[^:]+:lambda:[^:]+:\d+:function:([^:]+)/.exec(name);
  return arn ? arn[1]! : name.split(':')[0]!;
}

export async function startLocalLambda(options: { functions: Record<string, LocalFunction>; onEvent?: (line: string) => void }): Promise<LocalLambda> {
  const pending = new Set<Promise<void>>();
  const log = options.onEvent ?? (() => undefined);

  const server = createServer((request, response) => {
    void (async () => {
      const match = INVOKE_PATH.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
      if (request.method !== 'POST' || !match) return sendJson(response, 404, { message: 'Unknown operation' }, { 'x-amzn-errortype': 'UnknownOperationException' });
      const name = functionNameOf(match[1]!);
      const fn = options.functions[name];
      if (!fn) return sendJson(response, 404, { message: `Function not found: ${name}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
      const body = await readBody(request);
      let payload: unknown;
      try {
        payload = body ? (JSON.parse(body) as unknown) : {};
      } catch {
        return sendJson(response, 400, { message: 'Could not parse request body into json' }, { 'x-amzn-errortype': 'InvalidRequestContentException' });
      }

      if ((request.headers['x-amz-invocation-type'] ?? 'RequestResponse') === 'Event') {
        sendJson(response, 202, undefined);
        const run = fn(payload).then(
          () => log(`lambda          ${name} finished`),
          (error: unknown) => log(`lambda          ${name} failed: ${String(error)}`),
        );
        pending.add(run);
        void run.finally(() => pending.delete(run));
        return;
      }
      try {
        sendJson(response, 200, (await fn(payload)) ?? null);
      } catch (error) {
        const e = error as Error;
        sendJson(response, 200, { errorType: e.name, errorMessage: e.message }, { 'x-amz-function-error': 'Unhandled' });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
