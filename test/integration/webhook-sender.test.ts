/**
 * The sender against real sockets, all on 127.0.0.1. Names are resolved by stubs, never by DNS, and every stub
 * answer that the guard must refuse points at this machine, so even a broken guard could not send traffic off it.
 */
import type * as dns from 'node:dns';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { buildGuardedConnector, ForbiddenAddressError, type ResolveAll } from '../../src/adapters/webhooks/address-guard';
import {
  buildWebhookSender,
  InvalidWebhookRequestError,
  newWebhookSecret,
  type WebhookSendRequest,
} from '../../src/adapters/webhooks/sender';
import { buildWebhookPayload } from '../../src/domain/webhook';

jest.setTimeout(15_000);

interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  port: number;
  url(path?: string): string;
  requests: ReceivedRequest[];
  connections: number;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, received: ReceivedRequest) => void;

const receivers: Receiver[] = [];

async function startReceiver(handler: Handler): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(received);
      handler(req, res, received);
    });
  });
  const receiver: Receiver = {
    port: 0,
    url: (path = '/hook') => `http://127.0.0.1:${receiver.port}${path}`,
    requests,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', () => {
    receiver.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receivers.push(receiver);
  return receiver;
}

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

function answer(status: number, headers: Record<string, string> = {}, body = ''): Handler {
  return (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };
}

function stubLookup(...answers: string[][]): jest.MockedFunction<ResolveAll> {
  let call = 0;
  return jest.fn<void, Parameters<ResolveAll>>((_hostname, _options, callback) => {
    const addresses = answers[Math.min(call, answers.length - 1)] ?? [];
    call += 1;
    const results: dns.LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    setImmediate(() => callback(null, results));
  });
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const secret = newWebhookSecret();
const body = JSON.stringify(
  buildWebhookPayload(
    'cluster.ready',
    { id: 'c-01jz0000000000000000000000', name: 'ci', status: 'READY', statusReason: '', outputs: { VPCID: 'vpc-1' }, version: 3 },
    new Date('2026-01-02T03:04:05.000Z'),
  ),
);

function event(url: string, overrides: Partial<WebhookSendRequest> = {}): WebhookSendRequest {
  return { url, secret, messageId: 'msg_01jz0000000000000000000000', eventType: 'cluster.ready', body, ...overrides };
}

const local = () => buildWebhookSender({ allowLoopbackHttp: true, timeoutMs: 2000 });

describe('webhook sender, delivering', () => {
  it('delivers a 2xx with headers that verify with the official Standard Webhooks library', async () => {
    // Prepare
    const receiver = await startReceiver(answer(204));

    // Act
    const attempt = await local()(event(receiver.url()));

    // Assess
    expect(attempt).toMatchObject({ outcome: 'delivered', statusCode: 204 });
    expect(attempt.errorClass).toBeUndefined();
    const [received] = receiver.requests;
    expect(received?.method).toBe('POST');
    expect(received?.headers['content-type']).toBe('application/json');
    expect(received?.headers['user-agent']).toMatch(/^swarm-provisioner-webhooks/);
    expect(received?.body).toBe(body);
    const verified = new Webhook(secret).verify(received?.body ?? '', received?.headers as Record<string, string>);
    expect(verified).toMatchObject({ type: 'cluster.ready', data: { cluster: { version: 3 } } });
  });

  it('keeps webhook-id across a retry after a 500, with a fresh timestamp per attempt', async () => {
    // Prepare
    const statuses = [500, 200];
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(statuses.shift() ?? 200);
      res.end();
    });
    const send = local();
    const firstAt = new Date(Date.now() - 90_000);

    // Act
    const first = await send(event(receiver.url(), { now: firstAt }));
    const second = await send(event(receiver.url()));

    // Assess
    expect(first).toMatchObject({ outcome: 'retryable', statusCode: 500, errorClass: 'http_status', attemptedAt: firstAt.toISOString() });
    expect(first.retryAfterSeconds).toBeUndefined();
    expect(second).toMatchObject({ outcome: 'delivered', statusCode: 200 });
    const [one, two] = receiver.requests;
    expect(one?.headers['webhook-id']).toBe('msg_01jz0000000000000000000000');
    expect(two?.headers['webhook-id']).toBe(one?.headers['webhook-id']);
    expect(one?.headers['webhook-timestamp']).toBe(String(Math.floor(firstAt.getTime() / 1000)));
    expect(Number(two?.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(Number(one?.headers['webhook-timestamp']) + 89);
    expect(two?.headers['webhook-signature']).not.toBe(one?.headers['webhook-signature']);
    for (const received of [one, two]) {
      expect(() => new Webhook(secret).verify(received?.body ?? '', received?.headers as Record<string, string>)).not.toThrow();
    }
  });

  it.each([
    [503, '120', 120],
    [429, '30', 30],
    [502, '5', 5],
    [504, '7', 7],
  ])('reports Retry-After from a %p', async (status, retryAfter, expected) => {
    // Prepare
    const receiver = await startReceiver(answer(status, { 'retry-after': retryAfter }));

    // Act
    const attempt = await local()(event(receiver.url()));

    // Assess
    expect(attempt).toMatchObject({ outcome: 'retryable', statusCode: status, errorClass: 'http_status', retryAfterSeconds: expected });
  });

  it('reads a Retry-After given as an HTTP date relative to the attempt time', async () => {
    // Prepare
    const now = new Date();
    const retryAt = new Date(Math.ceil(now.getTime() / 1000) * 1000 + 600_000).toUTCString();
    const receiver = await startReceiver(answer(503, { 'retry-after': retryAt }));

    // Act
    const attempt = await local()(event(receiver.url(), { now }));

    // Assess
    expect(attempt.retryAfterSeconds).toBeGreaterThanOrEqual(600);
    expect(attempt.retryAfterSeconds).toBeLessThanOrEqual(601);
  });

  it('ignores Retry-After on statuses that do not honour it', async () => {
    // Prepare
    const receiver = await startReceiver(answer(500, { 'retry-after': '120' }));

    // Act
    const attempt = await local()(event(receiver.url()));

    // Assess
    expect(attempt).toMatchObject({ outcome: 'retryable', statusCode: 500 });
    expect(attempt.retryAfterSeconds).toBeUndefined();
  });

  it('reports 410 as gone', async () => {
    // Prepare
    const receiver = await startReceiver(answer(410));

    // Act
    const attempt = await local()(event(receiver.url()));

    // Assess
    expect(attempt).toMatchObject({ outcome: 'gone', statusCode: 410 });
  });

  it.each([301, 302, 307, 308])('does not follow a %p redirect and counts it as a retryable failure', async (status) => {
    // Prepare
    const receiver = await startReceiver((req, res) => {
      if (req.url === '/moved') {
        res.writeHead(200);
        res.end();
        return;
      }
      res.writeHead(status, { location: '/moved' });
      res.end();
    });

    // Act
    const attempt = await local()(event(receiver.url('/hook')));

    // Assess
    expect(attempt).toMatchObject({ outcome: 'retryable', statusCode: status, errorClass: 'redirect' });
    expect(receiver.requests.map((r) => r.url)).toEqual(['/hook']);
  });
});

describe('webhook sender, bounded', () => {
  it('times out a receiver that never answers, within the bound', async () => {
    // Prepare
    const receiver = await startReceiver(() => undefined);
    const send = buildWebhookSender({ allowLoopbackHttp: true, timeoutMs: 300 });

    // Act
    const attempt = await withDeadline(send(event(receiver.url())), 5000, 'the attempt');

    // Assess
    expect(attempt).toMatchObject({ outcome: 'retryable', errorClass: 'timeout' });
    expect(attempt.statusCode).toBeUndefined();
    expect(attempt.durationMs).toBeGreaterThanOrEqual(250);
    expect(attempt.durationMs).toBeLessThan(2000);
  });

  it('times out a name whose resolution never answers', async () => {
    // Prepare
    const hang: ResolveAll = () => undefined;
    const send = buildWebhookSender({ allowLoopbackHttp: true, timeoutMs: 300, lookup: hang });

    // Act
    const attempt = await withDeadline(send(event('http://receiver.localhost:9/hook')), 5000, 'the attempt');

    // Assess
    expect(attempt).toMatchObject({ outcome: 'retryable', errorClass: 'timeout' });
    expect(attempt.durationMs).toBeLessThan(2000);
  });

  it('counts a 2xx whose body never ends as delivered, within the bound', async () => {
    // Prepare
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('ok');
    });
    const send = buildWebhookSender({ allowLoopbackHttp: true, timeoutMs: 300 });

    // Act
    const attempt = await withDeadline(send(event(receiver.url())), 5000, 'the attempt');

    // Assess
    expect(attempt).toMatchObject({ outcome: 'delivered', statusCode: 200 });
    expect(attempt.durationMs).toBeLessThan(2000);
  });

  it('stops reading an endless body after maxResponseBytes and drops the connection', async () => {
    // Prepare
    let written = 0;
    let closed!: () => void;
    const receiverClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(200);
      let open = true;
      res.on('close', () => {
        open = false;
        closed();
      });
      const pump = () => {
        while (open) {
          written += chunk.length;
          if (!res.write(chunk)) return;
        }
      };
      res.on('drain', pump);
      pump();
    });
    const send = buildWebhookSender({ allowLoopbackHttp: true, timeoutMs: 5000, maxResponseBytes: 4096 });

    // Act
    const attempt = await withDeadline(send(event(receiver.url())), 8000, 'the attempt');
    await withDeadline(receiverClosed, 3000, 'the receiver seeing the connection close');

    // Assess
    expect(attempt).toMatchObject({ outcome: 'delivered', statusCode: 200 });
    expect(attempt.durationMs).toBeLessThan(2000);
    // Kernel socket buffers absorb a few MiB at most; reading until the deadline would have pulled gigabytes.
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses to be built with a timeout above 15 s', () => {
    // Act / Assess
    expect(() => buildWebhookSender({ allowLoopbackHttp: false, timeoutMs: 15_001 })).toThrow(RangeError);
    expect(() => buildWebhookSender({ allowLoopbackHttp: false, timeoutMs: 15_000 })).not.toThrow();
  });
});

describe('webhook sender, network failures', () => {
  it('reports a closed port as connection_refused', async () => {
    // Prepare
    const receiver = await startReceiver(answer(200));
    const url = receiver.url();
    await receiver.close();

    // Act
    const attempt = await local()(event(url));

    // Assess
    expect(attempt).toMatchObject({ outcome: 'retryable', errorClass: 'connection_refused' });
  });

  it('reports a name that does not resolve as dns', async () => {
    // Prepare
    const notFound: ResolveAll = (hostname, _options, callback) =>
      setImmediate(() => callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []));
    const send = buildWebhookSender({ allowLoopbackHttp: false, timeoutMs: 2000, lookup: notFound });

    // Act
    const attempt = await send(event('https://hooks.example.com/hook'));

    // Assess
    expect(attempt).toMatchObject({ outcome: 'retryable', errorClass: 'dns' });
  });

  it('reports a TLS handshake failure as tls', async () => {
    // Prepare: an https URL aimed at a plain-http receiver.
    const receiver = await startReceiver(answer(200));

    // Act
    const attempt = await local()(event(`https://127.0.0.1:${receiver.port}/hook`));

    // Assess
    expect(attempt).toMatchObject({ outcome: 'retryable', errorClass: 'tls' });
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('webhook sender, SSRF', () => {
  // Literal addresses are refused by the URL policy before any socket exists. The port is the receiver's, and
  // allowed, so the address is the only reason left to refuse.
  it.each([
    ['loopback', (port: number) => `https://127.0.0.1:${port}/`],
    ['loopback, decimal', (port: number) => `https://2130706433:${port}/`],
    ['loopback, hex', (port: number) => `https://0x7f.1:${port}/`],
    ['loopback, octal', (port: number) => `https://0177.0.0.1:${port}/`],
    ['loopback, short', (port: number) => `https://127.1:${port}/`],
    ['loopback, IPv6', (port: number) => `https://[::1]:${port}/`],
    ['loopback, IPv4-mapped', (port: number) => `https://[::ffff:127.0.0.1]:${port}/`],
    ['loopback, IPv4-compatible', (port: number) => `https://[::127.0.0.1]:${port}/`],
    ['unspecified', (port: number) => `https://0.0.0.0:${port}/`],
    ['unspecified, decimal', (port: number) => `https://0:${port}/`],
    ['metadata', (port: number) => `https://169.254.169.254:${port}/latest/meta-data/`],
    ['metadata, decimal', (port: number) => `https://2852039166:${port}/`],
    ['metadata, IPv6', (port: number) => `https://[fd00:ec2::254]:${port}/`],
    ['private', (port: number) => `https://10.0.0.1:${port}/`],
    ['private, NAT64', (port: number) => `https://[64:ff9b::10.0.0.1]:${port}/`],
    ['carrier-grade NAT', (port: number) => `https://100.64.0.1:${port}/`],
    ['link-local IPv6', (port: number) => `https://[fe80::1]:${port}/`],
    ['unique-local', (port: number) => `https://[fc00::1]:${port}/`],
    ['multicast', (port: number) => `https://224.0.0.1:${port}/`],
  ])('refuses the literal %s address without connecting', async (_label, urlFor) => {
    // Prepare
    const receiver = await startReceiver(answer(200));
    const send = buildWebhookSender({ allowLoopbackHttp: false, timeoutMs: 1000, allowedPorts: [receiver.port] });

    // Act
    const attempt = await send(event(urlFor(receiver.port)));

    // Assess
    expect(attempt).toMatchObject({ outcome: 'refused', errorClass: 'forbidden_url' });
    expect(attempt.detail).toMatch(/^The webhook URL's host is refused: /);
    expect(receiver.connections).toBe(0);
  });

  it.each([
    ['a loopback address', ['127.0.0.1']],
    ['another loopback address', ['127.0.0.2']],
    ['the IPv6 loopback', ['::1']],
    ['an IPv4-mapped loopback', ['::ffff:127.0.0.1']],
    ['the unspecified address', ['0.0.0.0']],
    ['a list ending in loopback', ['::1', '127.0.0.1']],
  ])('refuses a name that resolves to %s, without connecting', async (_label, addresses) => {
    // Prepare
    const receiver = await startReceiver(answer(200));
    const lookup = stubLookup(addresses);
    const send = buildWebhookSender({ allowLoopbackHttp: false, timeoutMs: 1000, allowedPorts: [receiver.port], lookup });

    // Act
    const attempt = await send(event(`https://hooks.example.com:${receiver.port}/hook`));

    // Assess
    expect(attempt).toMatchObject({ outcome: 'refused', errorClass: 'forbidden_address' });
    expect(attempt.detail).toMatch(/loopback|unspecified/);
    expect(lookup).toHaveBeenCalled();
    expect(lookup.mock.calls[0]?.[0]).toBe('hooks.example.com');
    expect(receiver.connections).toBe(0);
  });

  it('refuses plain http to 127.0.0.1 when loopback is not allowed', async () => {
    // Prepare
    const receiver = await startReceiver(answer(200));
    const send = buildWebhookSender({ allowLoopbackHttp: false, timeoutMs: 1000 });

    // Act
    const attempt = await send(event(receiver.url()));

    // Assess
    expect(attempt).toMatchObject({ outcome: 'refused', errorClass: 'forbidden_url', detail: 'The webhook URL must use https.' });
    expect(receiver.connections).toBe(0);
  });

  it('resolves once per attempt, at connect time, so a name that rebinds is caught on the attempt it rebinds', async () => {
    // Prepare: the name answers loopback (allowed in local mode), then a public address (never allowed over http).
    const receiver = await startReceiver(answer(200));
    const lookup = stubLookup(['127.0.0.1'], ['198.51.100.7']);
    const send = buildWebhookSender({ allowLoopbackHttp: true, timeoutMs: 1000, lookup });
    const url = `http://receiver.localhost:${receiver.port}/hook`;

    // Act
    const first = await send(event(url));
    // Give a pooled keep-alive socket time to go back to the pool, where the second attempt would pick it up.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await send(event(url));

    // Assess
    expect(first).toMatchObject({ outcome: 'delivered', statusCode: 200 });
    expect(second).toMatchObject({ outcome: 'refused', errorClass: 'forbidden_address' });
    expect(second.detail).toMatch(/198\.51\.100\.7 is not a loopback address/);
    expect(lookup).toHaveBeenCalledTimes(2);
    expect(receiver.connections).toBe(1);
  });

  it('refuses a literal address at connect time too, for callers that skip the URL policy', async () => {
    // Prepare
    const receiver = await startReceiver(answer(200));
    const connect = buildGuardedConnector({ resolve: stubLookup(['8.8.8.8']), allowLoopbackHttp: false, connectTimeoutMs: 1000 });

    // Act
    const error = await new Promise<Error | null>((resolve) => {
      connect({ hostname: '127.0.0.1', protocol: 'https:', port: String(receiver.port) }, (err, socket) => {
        socket?.destroy();
        resolve(err);
      });
    });

    // Assess
    expect(error).toBeInstanceOf(ForbiddenAddressError);
    expect(error?.message).toBe('127.0.0.1 is a loopback address.');
    expect(receiver.connections).toBe(0);
  });
});

describe('webhook sender, secrets', () => {
  it('never returns or sends the secret, whatever the outcome', async () => {
    // Prepare
    const statuses = [200, 500, 410, 302];
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(statuses.shift() ?? 200, { location: '/x' });
      res.end();
    });
    const send = local();
    const key = secret.slice('whsec_'.length);

    // Act
    const attempts = [
      await send(event(receiver.url())),
      await send(event(receiver.url())),
      await send(event(receiver.url())),
      await send(event(receiver.url())),
      await send(event('https://169.254.169.254/')),
      await send(event('not a url')),
    ];

    // Assess
    expect(attempts.map((a) => a.outcome)).toEqual(['delivered', 'retryable', 'gone', 'retryable', 'refused', 'refused']);
    const returned = JSON.stringify(attempts);
    const sent = JSON.stringify(receiver.requests);
    for (const text of [returned, sent, body]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain('whsec_');
    }
  });

  it('rejects a malformed secret without echoing it', async () => {
    // Prepare
    const send = local();
    const malformed = 'whsec_not*base64*at*all';

    // Act
    const failure = await send(event('http://127.0.0.1:9/', { secret: malformed })).catch((err: unknown) => err);

    // Assess
    expect(failure).toBeInstanceOf(InvalidWebhookRequestError);
    expect((failure as Error).message).not.toContain('not*base64');
  });

  it('rejects a message id that could not travel in a header', async () => {
    // Prepare
    const send = local();

    // Act
    const failure = await send(event('http://127.0.0.1:9/', { messageId: 'msg_1\r\nx-injected: 1' })).catch((err: unknown) => err);

    // Assess
    expect(failure).toBeInstanceOf(InvalidWebhookRequestError);
  });
});
