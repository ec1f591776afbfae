import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StepFunctionsApiError } from './errors';

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

export interface JsonRpcServer {
  endpoint: string;
  close(): Promise<void>;
}

type Actions = Record<string, (body: unknown) => unknown>;
type ReportFailure = (action: string, error: unknown) => void;

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(text);
}

/** The SDK reads `__type` to pick the exception class; 400 keeps it from retrying a client error. */
function sendError(response: ServerResponse, type: string, message: string, status = 400): void {
  send(response, status, { __type: type, message });
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() === '' ? {} : (JSON.parse(text) as unknown);
}

async function handle(request: IncomingMessage, response: ServerResponse, actions: Actions, reportFailure: ReportFailure): Promise<void> {
  const target = request.headers['x-amz-target'];
  const action = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
  if (request.method !== 'POST' || !run) {
    request.resume();
    return sendError(response, 'UnknownOperationException', `Unknown operation: ${String(target ?? `${request.method} ${request.url}`)}`);
  }
  let body: unknown;
  try {
    body = await readBody(request);
  } catch {
    return sendError(response, 'SerializationException', 'Request body is not valid JSON');
  }
  try {
    send(response, 200, await run(body));
  } catch (error) {
    if (error instanceof StepFunctionsApiError) return sendError(response, error.type, error.message);
    reportFailure(action, error);
    // Internals stay in the local console; the caller gets a plain service error it may retry.
    sendError(response, 'InternalFailure', 'The local Step Functions endpoint failed to process the request', 500);
  }
}

/** Serves the AWS JSON 1.0 protocol: `POST /` with the action in `X-Amz-Target`. */
export async function listen(host: string, port: number, actions: Actions, reportFailure: ReportFailure): Promise<JsonRpcServer> {
  const server: Server = createServer((request, response) => {
    void handle(request, response, actions, reportFailure);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    endpoint: `http://${hostInUrl}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}
