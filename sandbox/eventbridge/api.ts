/**
 * The local EventBridge endpoint: PutEvents over the AWS JSON 1.1 protocol (`POST /`, `X-Amz-Target:
 * AWSEvents.PutEvents`, `Content-Type: application/x-amz-json-1.1`), onto the local default bus. The service reaches
 * it through the SDK's EventBridge client and AWS_ENDPOINT_URL_EVENTBRIDGE; the AWS CLI reaches it with
 * `--endpoint-url`. Other actions answer UnknownOperationException: the rules come from serverless.yml, not PutRule.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalEventBus } from './bus';
import { putEvents, PutEventsRequestError } from './put-events';

const TARGET = 'AWSEvents.PutEvents';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** Far above what ten entries of 256 KB can be: a bigger body is not a PutEvents request. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface LocalEventBridgeApi {
  endpoint: string;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID() });
  response.end(text);
}

/** The SDK and the CLI read `__type` to name the error; a 400 is not retried. */
const sendError = (response: ServerResponse, type: string, message: string, status = 400) => send(response, status, { __type: type, message });

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(request: IncomingMessage, response: ServerResponse, bus: LocalEventBus, where: { region: string; account: string }, log: (line: string) => void): Promise<void> {
  const target = request.headers['x-amz-target'];
  if (request.method !== 'POST' || target !== TARGET) {
    request.resume();
    return sendError(response, 'UnknownOperationException', `The local EventBridge serves ${TARGET} only, not ${String(target ?? `${request.method} ${request.url}`)}`);
  }
  const text = await readBody(request);
  if (text === undefined) return sendError(response, 'ValidationException', 'The request is too large.');
  let body: unknown;
  try {
    body = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
  } catch {
    return sendError(response, 'SerializationException', 'The request body is not valid JSON.');
  }
  try {
    const result = putEvents(bus, body, where);
    if (result.FailedEntryCount > 0) log(`eventbridge     PutEvents: ${result.FailedEntryCount} of ${result.Entries.length} entries refused`);
    send(response, 200, result);
  } catch (error) {
    if (error instanceof PutEventsRequestError) return sendError(response, error.type, error.message);
    log(`eventbridge     PutEvents failed: ${error instanceof Error ? error.message : String(error)}`);
    sendError(response, 'InternalException', 'The local EventBridge endpoint failed to process the request', 500);
  }
}

export async function startLocalEventBridgeApi(options: { bus: LocalEventBus; region: string; account: string; log: (line: string) => void; port?: number }): Promise<LocalEventBridgeApi> {
  const where = { region: options.region, account: options.account };
  const server = createServer((request, response) => {
    void handle(request, response, options.bus, where, options.log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}
