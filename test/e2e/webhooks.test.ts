/**
 * Webhooks end to end on the local cloud, over HTTP: the real create and deliver-webhook workflows, the real sender,
 * and a receiver on loopback that verifies every request with the official standardwebhooks library. The local
 * cloud scales the retry schedule by WEBHOOK_RETRY_TIME_SCALE (0.001), so retries come seconds apart. Nothing
 * leaves 127.0.0.1.
 */
import { httpRoutes } from '../../src/handlers/http/routes';
import { lambdaContext } from '../../sandbox/http-api';
import { startLocalCloud, type LocalCloud } from '../../sandbox/local-cloud';
import { logger } from '../../src/logger';
import { httpEvent } from '../support/http';
import { eventually, startWebhookReceiver, type Answer, type ReceivedWebhook } from '../support/webhook-receiver';

let cloud: LocalCloud;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
const consoleLines: string[] = [];

// How the receiver answers, by cluster name; anything else gets 200.
const scripts: Record<string, (n: number) => ReturnType<Answer>> = {
  flaky: (n) => (n === 1 ? 500 : 200),
  busy: (n) => (n <= 3 ? { status: 503, headers: { 'retry-after': '1' } } : 200),
  gone: () => 410,
};

beforeAll(async () => {
  receiver = await startWebhookReceiver({ answer: (webhook, n) => scripts[webhook.payload.data.cluster.name]?.(n) ?? 200 });
  cloud = await startLocalCloud({ timeScale: 0.1, log: (line) => consoleLines.push(line) });
});

afterAll(async () => {
  await cloud.stepFunctions.idle();
  await cloud.close();
  await receiver.close();
});

interface Response {
  status: number;
  text: string;
  body: Record<string, any> | undefined;
  headers: Headers;
}

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${cloud.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: text ? (JSON.parse(text) as Record<string, any>) : undefined, headers: response.headers };
}

/** Creates a cluster with a webhook to the receiver; returns its id and the secret the 202 showed. */
async function createHooked(name: string, extra: Record<string, unknown> = {}) {
  const created = await api('POST', '/clusters', { name, workers: 1, webhook: { url: receiver.url }, ...extra });
  expect(created.status).toBe(202);
  const id = created.body!.id as string;
  const secret = created.body!.webhookSecret as string;
  expect(secret).toMatch(/^whsec_/);
  receiver.expectSecret(id, secret);
  return { id, secret };
}

const receivedFor = (id: string) => receiver.received.filter((w) => w.payload.data.cluster.id === id);

async function webhooksFor(id: string, count: number): Promise<ReceivedWebhook[]> {
  return eventually(async () => receivedFor(id), (received) => received.length >= count);
}

async function deliveriesOf(id: string, until: (deliveries: Record<string, any>[]) => boolean) {
  const page = await eventually(
    () => api('GET', `/clusters/${id}/deliveries`),
    (response) => response.status === 200 && until(response.body!.items as Record<string, any>[]),
  );
  return page.body!.items as Record<string, any>[];
}

const header = (webhook: ReceivedWebhook, name: string) => String(webhook.headers[name]);

describe('webhooks on the local cloud', () => {
  it('a loopback receiver verifying with the official library gets cluster.ready, and the log shows it delivered', async () => {
    const { id } = await createHooked('hooked');

    const [webhook] = await webhooksFor(id, 1);

    expect(receiver.rejected).toEqual([]);
    expect(webhook!.payload).toMatchObject({ type: 'cluster.ready', data: { cluster: { id, name: 'hooked', status: 'READY' } } });
    // The version READY was written at: created (1), the stack claimed before CreateStack (2), its id recorded (3), READY (4).
    expect(header(webhook!, 'webhook-id')).toBe(`msg_${id}_cluster_ready_v4`);
    expect(header(webhook!, 'webhook-signature')).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(header(webhook!, 'content-type')).toBe('application/json');
    const [delivery] = await deliveriesOf(id, (items) => items[0]?.status === 'delivered');
    expect(delivery).toMatchObject({ event: 'cluster.ready', webhookId: header(webhook!, 'webhook-id'), round: 1, body: webhook!.body });
    expect(delivery!.attempts).toEqual([expect.objectContaining({ round: 1, attempt: 1, statusCode: 200, outcome: 'delivered', durationMs: expect.any(Number) })]);
    const events = (await api('GET', `/clusters/${id}/events`)).body!.items as { type: string }[];
    expect(events.map((e) => e.type)).toContain('webhook.delivered');
  });

  it('the same event retried after a 500 keeps its webhook-id and body; only the timestamp moves', async () => {
    const { id } = await createHooked('flaky');

    const [failed, retried] = await webhooksFor(id, 2);

    expect([failed!.answered, retried!.answered]).toEqual([500, 200]);
    expect(header(retried!, 'webhook-id')).toBe(header(failed!, 'webhook-id'));
    expect(retried!.body).toBe(failed!.body);
    expect(Number(header(retried!, 'webhook-timestamp'))).toBeGreaterThanOrEqual(Number(header(failed!, 'webhook-timestamp')));
    const [delivery] = await deliveriesOf(id, (items) => items[0]?.status === 'delivered');
    expect(delivery!.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 200]);
  });

  it('a receiver answering 503 three times, then 200, gets the event on the fourth attempt; the log shows all four', async () => {
    const { id } = await createHooked('busy');

    const received = await webhooksFor(id, 4);

    expect(received.map((w) => w.answered)).toEqual([503, 503, 503, 200]);
    expect(new Set(received.map((w) => header(w, 'webhook-id'))).size).toBe(1);
    const [delivery] = await deliveriesOf(id, (items) => items[0]?.status === 'delivered');
    expect(delivery!.attempts.map((a: { attempt: number; statusCode: number }) => [a.attempt, a.statusCode])).toEqual([[1, 503], [2, 503], [3, 503], [4, 200]]);
    for (const attempt of delivery!.attempts.slice(0, 3)) {
      expect(attempt).toMatchObject({ outcome: 'retryable', errorClass: 'http_status', retryAfterSeconds: 1, nextAttemptAt: expect.any(String), waitSeconds: expect.any(Number) });
    }
    const cluster = (await api('GET', `/clusters/${id}`)).body!;
    expect(cluster.status).toBe('READY');
  });

  it('redelivery sends the same webhook-id and body again with a new timestamp, and logs a second round', async () => {
    const { id } = await createHooked('again');
    const [first] = await webhooksFor(id, 1);
    const [delivery] = await deliveriesOf(id, (items) => items[0]?.status === 'delivered');
    // webhook-timestamp counts whole seconds: let one pass, so "new" is visible.
    await eventually(async () => Math.floor(Date.now() / 1000), (now) => now > Number(header(first!, 'webhook-timestamp')));

    const redelivered = await api('POST', `/clusters/${id}/deliveries/${delivery!.id as string}/redeliver`);

    expect(redelivered.status).toBe(202);
    expect(redelivered.body).toMatchObject({ id: delivery!.id, round: 2, status: 'pending' });
    const [, second] = await webhooksFor(id, 2);
    expect(receiver.rejected).toEqual([]);
    expect(header(second!, 'webhook-id')).toBe(header(first!, 'webhook-id'));
    expect(second!.body).toBe(first!.body);
    expect(Number(header(second!, 'webhook-timestamp'))).toBeGreaterThan(Number(header(first!, 'webhook-timestamp')));
    const [after] = await deliveriesOf(id, (items) => items[0]?.round === 2 && items[0]?.status === 'delivered');
    expect(after!.attempts.map((a: { round: number; attempt: number }) => [a.round, a.attempt])).toEqual([[1, 1], [2, 1]]);
  });

  it('410 Gone disables the endpoint for the cluster (shown on it), never retries, and leaves the status alone', async () => {
    const { id } = await createHooked('gone');

    await webhooksFor(id, 1);
    const [delivery] = await deliveriesOf(id, (items) => items[0]?.status === 'failed');
    expect(delivery!.attempts).toHaveLength(1);
    const cluster = await eventually(() => api('GET', `/clusters/${id}`), (r) => r.body?.webhook?.disabledAt !== undefined);
    expect(cluster.body).toMatchObject({ status: 'READY', webhook: { url: receiver.url, disabledReason: expect.stringMatching(/410 Gone/) } });
    const events = (await api('GET', `/clusters/${id}/events`)).body!.items as { type: string }[];
    expect(events.map((e) => e.type)).toContain('webhook.disabled');
    const refused = await api('POST', `/clusters/${id}/deliveries/${delivery!.id as string}/redeliver`);
    expect(refused.status).toBe(409);
    expect(receivedFor(id)).toHaveLength(1);
  });

  it("another owner's deliveries are a 404, as the cluster is, and cannot be redelivered", async () => {
    const { id } = await createHooked('private');
    const [delivery] = await deliveriesOf(id, (items) => items[0]?.status === 'delivered');
    // The local front makes every request as one principal; the same route handlers, on the same stores, as another.
    const asMallory = async (method: 'GET' | 'POST', path: string, pathParameters: Record<string, string>) => {
      const route = httpRoutes.find((candidate) => candidate.method === method && candidate.path === path)!;
      return route.build(cloud.deps)(httpEvent({ method, path, pathParameters, principal: 'mallory' }), lambdaContext('test'));
    };

    expect((await asMallory('GET', '/clusters/{id}/deliveries', { id })).statusCode).toBe(404);
    expect((await asMallory('POST', '/clusters/{id}/deliveries/{deliveryId}/redeliver', { id, deliveryId: delivery!.id as string })).statusCode).toBe(404);
    expect((await asMallory('GET', '/clusters/{id}', { id })).statusCode).toBe(404);
    expect(receivedFor(id)).toHaveLength(1);
    expect((await deliveriesOf(id, () => true))[0]!.round).toBe(1);
  });

  it('the secret appears in no response after the 202 and in no log line, through a whole create, retry and redelivery', async () => {
    const captured: string[] = [];
    const write = (chunk: unknown) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return true;
    };
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(write as typeof process.stdout.write);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(write as typeof process.stderr.write);
    logger.setLogLevel('DEBUG');
    const linesBefore = consoleLines.length;
    const responses: string[] = [];
    let secret: string;
    let id: string;
    try {
      ({ id, secret } = await createHooked('flaky'));
      await webhooksFor(id, 2);
      const [delivery] = await deliveriesOf(id, (items) => items[0]?.status === 'delivered');
      responses.push((await api('POST', `/clusters/${id}/deliveries/${delivery!.id as string}/redeliver`)).text);
      await webhooksFor(id, 3);
      await deliveriesOf(id, (items) => items[0]?.round === 2 && items[0]?.status === 'delivered');
      await cloud.stepFunctions.idle();
      for (const path of [`/clusters/${id}`, '/clusters?limit=100', `/clusters/${id}/deliveries`, `/clusters/${id}/events?limit=100`, `/clusters/${id}/nodes`]) {
        const response = await api('GET', path);
        expect(response.status).toBe(200);
        responses.push(response.text);
      }
    } finally {
      logger.setLogLevel('SILENT');
      stdout.mockRestore();
      stderr.mockRestore();
    }

    const logs = [...captured, ...consoleLines.slice(linesBefore)].join('\n');
    // The capture works: the lifecycle and the deliveries were logged (or this test could not fail).
    expect(logs).toContain('webhook attempt finished');
    expect(logs).toContain(id);
    const key = secret.slice('whsec_'.length);
    for (const text of [logs, ...responses]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(key);
    }
    expect(responses.join('\n')).not.toMatch(/whsec_/);
  });
});
