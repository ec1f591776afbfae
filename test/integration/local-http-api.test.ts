import { Agent, request } from 'node:http';
import type { HttpRoute } from '../../src/handlers/http/routes';
import { startLocalHttpApi, type LocalHttpApi } from '../../sandbox/http-api';

/** API Gateway's payload limit, which the local front enforces (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html). */
const LIMIT = 10 * 1024 * 1024;

const echoRoute: HttpRoute = {
  method: 'POST',
  path: '/echo',
  functionName: 'echo',
  build: () => async () => ({ statusCode: 200, body: 'ok' }),
  auth: 'slack-signature',
};

let api: LocalHttpApi;
let agent: Agent;
beforeAll(async () => {
  api = await startLocalHttpApi({
    port: 0,
    routes: [{ route: echoRoute, handler: async (event) => ({ statusCode: 200, body: String(event.body?.length ?? 0) }) }],
    authorize: async () => undefined,
  });
});
beforeEach(() => {
  // One socket, kept alive: the second request goes over the connection the first one used, if it is still open.
  agent = new Agent({ keepAlive: true, maxSockets: 1 });
});
afterEach(() => agent.destroy());
afterAll(() => api.close());

const post = (body: Buffer): Promise<{ status: number; body: string; connection: string | undefined }> =>
  new Promise((resolve, reject) => {
    const outgoing = request(`${api.url}/echo`, { method: 'POST', agent, headers: { 'content-length': body.length } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), connection: response.headers.connection }),
      );
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.setTimeout(20_000, () => outgoing.destroy(new Error('request timed out')));
    outgoing.end(body);
  });

describe('local HTTP front: oversize bodies', () => {
  it('answers 413 to a body over the limit and serves the next request of the same keep-alive client', async () => {
    // Well over the limit, so that much of it is still unread when the limit is crossed.
    const tooLarge = await post(Buffer.alloc(LIMIT + 1024 * 1024, 'a'));
    const next = await post(Buffer.from('{"name":"after"}'));

    expect(tooLarge.status).toBe(413);
    expect(tooLarge.connection).toBe('close');
    expect(JSON.parse(tooLarge.body)).toMatchObject({ status: 413, title: 'Request Entity Too Large' });
    expect(next).toMatchObject({ status: 200, body: '16' });
  });

  it('takes a body of exactly the limit', async () => {
    const atLimit = await post(Buffer.alloc(LIMIT, 'a'));

    expect(atLimit).toMatchObject({ status: 200, body: String(LIMIT) });
  });
});
