import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  payload: { type: string; data: { cluster: { id: string; name: string; status: string; statusReason: string | null; outputs: Record<string, string> } } };
  /** The status this receiver answered with. */
  answered: number;
}

/** What to answer a verified webhook; `n` counts the verified webhooks received for the same cluster, from 1. */
export type Answer = (webhook: Omit<ReceivedWebhook, 'answered'>, n: number) => number | { status: number; headers?: Record<string, string> };

/**
 * A webhook receiver on loopback that verifies every delivery with the official Standard Webhooks library, and
 * answers 200 unless `answer` says otherwise. `received` holds every verified request, whatever it was answered.
 */
export async function startWebhookReceiver(options: { answer?: Answer } = {}) {
  const received: ReceivedWebhook[] = [];
  const secrets = new Map<string, string>();
  const rejected: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const clusterId = (JSON.parse(body) as ReceivedWebhook['payload']).data.cluster.id;
      const secret = secrets.get(clusterId);
      try {
        if (!secret) throw new Error(`no secret registered for ${clusterId}`);
        const payload = new Webhook(secret).verify(body, request.headers as Record<string, string>) as ReceivedWebhook['payload'];
        const webhook = { headers: request.headers, body, payload };
        const n = received.filter((earlier) => earlier.payload.data.cluster.id === clusterId).length + 1;
        const answer = options.answer?.(webhook, n) ?? 200;
        const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
        received.push({ ...webhook, answered: status });
        response.writeHead(status, headers).end();
      } catch (error) {
        rejected.push(String(error));
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/swarm`,
    received,
    rejected,
    expectSecret: (clusterId: string, secret: string) => secrets.set(clusterId, secret),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls `read` until `done` holds or the deadline passes; fails with the last value seen. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, deadlineMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${deadlineMs} ms; last value: ${JSON.stringify(last).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    last = await read();
  }
  return last;
}
