import { createHash, createHmac } from 'node:crypto';
import { ClusterStatusError, createSwarmClient, DryRunUnsupportedError, retryAfterMs, SwarmApiError, WaitTimeoutError } from '../../../packages/client/src';
import { aClusterResource, fakeFetch, fakeTime } from '../../support/fake-fetch';

const BASE = 'http://api.test';
const ID = 'c-0000000000000000000000000a';

function client(route: Parameters<typeof fakeFetch>[0], options: Partial<Parameters<typeof createSwarmClient>[0]> = {}) {
  const api = fakeFetch(route);
  const time = fakeTime();
  const swarm = createSwarmClient({ baseUrl: BASE, auth: { apiKey: 'spk_abc_secret' }, fetch: api.fetch, sleep: time.sleep, now: time.now, ...options });
  return { swarm, sent: api.sent, time };
}

describe('the typed client', () => {
  it('sends the API key as a bearer token and returns the parsed cluster', async () => {
    const { swarm, sent } = client({ [`GET /clusters/${ID}`]: { status: 200, body: aClusterResource({ status: 'READY' }) } });

    const cluster = await swarm.getCluster(ID);

    expect(cluster.status).toBe('READY');
    expect(sent[0]!.headers.authorization).toBe('Bearer spk_abc_secret');
    expect(sent[0]!.url.href).toBe(`${BASE}/clusters/${ID}`);
  });

  it('puts a fresh Idempotency-Key on every POST and none on other methods', async () => {
    const { swarm, sent } = client({
      'POST /clusters': { status: 202, body: aClusterResource() },
      [`POST /clusters/${ID}/hibernate`]: { status: 202, body: aClusterResource({ status: 'UPDATING' }) },
      [`DELETE /clusters/${ID}`]: { status: 202, body: aClusterResource({ status: 'DELETING' }) },
    });

    await swarm.createCluster({ name: 'demo' });
    await swarm.createCluster({ name: 'demo' });
    await swarm.hibernate(ID);
    await swarm.deleteCluster(ID);

    const keys = sent.filter((r) => r.method === 'POST').map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.find((r) => r.method === 'DELETE')!.headers['idempotency-key']).toBeUndefined();
  });

  it('keeps the caller’s Idempotency-Key, and the same key across its own retries', async () => {
    const { swarm, sent, time } = client({
      'POST /clusters': [
        { status: 409, body: { title: 'Conflict', status: 409 }, headers: { 'retry-after': '1' } },
        { status: 503, body: { title: 'Service Unavailable', status: 503 } },
        { status: 202, body: aClusterResource() },
      ],
    });

    const created = await swarm.createCluster({ name: 'demo', workers: 1 }, { idempotencyKey: 'deploy-42' });

    expect(created.id).toBe(ID);
    expect(sent.map((r) => r.headers['idempotency-key'])).toEqual(['deploy-42', 'deploy-42', 'deploy-42']);
    expect(sent.map((r) => r.body)).toEqual([{ name: 'demo', workers: 1 }, { name: 'demo', workers: 1 }, { name: 'demo', workers: 1 }]);
    expect(time.slept[0]).toBe(1000);
  });

  it('generates one key per logical call and resends it on each retry', async () => {
    const { swarm, sent } = client({ 'POST /clusters': [{ status: 502, body: { title: 'Bad Gateway', status: 502 } }, { status: 202, body: aClusterResource() }] });

    await swarm.createCluster({ name: 'demo' });

    expect(sent).toHaveLength(2);
    expect(sent[1]!.headers['idempotency-key']).toBe(sent[0]!.headers['idempotency-key']);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const at = new Date(Date.now() + 3000).toUTCString();
    const { swarm, time } = client({ 'GET /clusters': [{ status: 429, body: { title: 'Too Many Requests', status: 429 }, headers: { 'retry-after': at } }, { status: 200, body: { items: [] } }] });

    await swarm.listClusters();

    expect(time.slept).toHaveLength(1);
    expect(time.slept[0]).toBeGreaterThan(1000);
    expect(time.slept[0]).toBeLessThanOrEqual(3000);
  });

  it('gives up after the bounded attempts and throws the last problem', async () => {
    const { swarm, sent } = client({ 'GET /clusters': { status: 500, body: { title: 'Internal Server Error', status: 500, detail: 'see the logs' } } }, { retries: 2 });

    const error = await swarm.listClusters().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SwarmApiError);
    expect(error).toMatchObject({ status: 500, problem: { detail: 'see the logs' } });
    expect(sent).toHaveLength(3);
  });

  it('retries a network failure', async () => {
    const { swarm, sent } = client({ 'GET /clusters': [new TypeError('fetch failed'), { status: 200, body: { items: [] } }] });

    await expect(swarm.listClusters()).resolves.toEqual({ items: [] });
    expect(sent).toHaveLength(2);
  });

  it('does not retry a 409 without Retry-After (the cluster cannot change now), nor a quota 429, nor a 422', async () => {
    const { swarm, sent } = client({
      [`PATCH /clusters/${ID}`]: { status: 409, body: { title: 'Conflict', status: 409, detail: 'the cluster is UPDATING' } },
      'POST /clusters': { status: 429, body: { title: 'Quota exceeded', status: 429, quota: { limit: 'activeClusters', max: 10 } } },
      [`POST /clusters/${ID}/wake`]: { status: 422, body: { title: 'Unprocessable', status: 422, errors: [{ field: 'workers', message: 'too many' }] } },
    });

    await expect(swarm.updateCluster(ID, { workers: 3 })).rejects.toMatchObject({ status: 409 });
    await expect(swarm.createCluster({ name: 'demo' })).rejects.toMatchObject({ status: 429, problem: { quota: { limit: 'activeClusters' } } });
    await expect(swarm.wake(ID)).rejects.toThrow('422 Unprocessable (workers: too many)');
    expect(sent).toHaveLength(3);
  });

  it('plans with POST /clusters?dryRun=true and the create’s body', async () => {
    const plan = { dryRun: true, cluster: { name: 'demo', workers: 5 }, quota: {}, resources: [{ type: 'AWS::EC2::VPC', count: 1 }], estimate: { currency: 'USD', hourly: 0.2, monthly: 146, lines: [], source: 'table', priceDate: '2026-11-01' } };
    const { swarm, sent } = client({ 'POST /clusters': { status: 200, body: plan } });

    await expect(swarm.plan({ name: 'demo' })).resolves.toEqual(plan);
    expect(sent[0]!.url.search).toBe('?dryRun=true');
    expect(sent[0]!.body).toEqual({ name: 'demo' });
  });

  it('plan throws when the service answers with a created cluster (no dry run there), naming it', async () => {
    const { swarm } = client({ 'POST /clusters': { status: 202, body: aClusterResource() } });

    const error = await swarm.plan({ name: 'demo' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DryRunUnsupportedError);
    expect((error as Error).message).toContain(`created cluster ${ID}`);
  });

  it('passes paging to the listings and the ids into the paths', async () => {
    const { swarm, sent } = client({
      'GET /clusters': { status: 200, body: { items: [] } },
      [`GET /clusters/${ID}/events`]: { status: 200, body: { items: [] } },
      [`POST /clusters/${ID}/deliveries/d-1/redeliver`]: { status: 202, body: { id: 'd-1' } },
    });

    await swarm.listClusters({ limit: 5, cursor: 'abc' });
    await swarm.listEvents(ID, { cursor: 'next' });
    await swarm.redeliver(ID, 'd-1');

    expect(sent.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`)).toEqual([
      'GET /clusters?limit=5&cursor=abc',
      `GET /clusters/${ID}/events?cursor=next`,
      `POST /clusters/${ID}/deliveries/d-1/redeliver`,
    ]);
  });
});

describe('waitFor', () => {
  it('polls until the wanted status, reporting every read', async () => {
    const progress = { resourcesDone: 10, resourcesTotal: 36, inProgress: ['ManagerAsg'], updatedAt: '2026-11-27T12:00:01.000Z' };
    const { swarm, time } = client({
      [`GET /clusters/${ID}`]: [
        { status: 200, body: aClusterResource() },
        { status: 200, body: aClusterResource({ progress }) },
        { status: 200, body: aClusterResource({ status: 'READY', statusReason: 'stack CREATE_COMPLETE' }) },
      ],
    });
    const seen: string[] = [];

    const cluster = await swarm.waitFor(ID, 'READY', { timeoutMs: 60_000, intervalMs: 500, onProgress: (c) => seen.push(`${c.status}:${c.progress?.resourcesDone ?? '-'}`) });

    expect(cluster.status).toBe('READY');
    expect(seen).toEqual(['CREATING:-', 'CREATING:10', 'READY:-']);
    expect(time.slept).toEqual([500, 500]);
  });

  it('throws ClusterStatusError with the reason when the cluster settles elsewhere (FAILED)', async () => {
    const { swarm } = client({
      [`GET /clusters/${ID}`]: [{ status: 200, body: aClusterResource() }, { status: 200, body: aClusterResource({ status: 'FAILED', statusReason: 'ManagerAsg CREATE_FAILED' }) }],
    });

    const error = await swarm.waitFor(ID, ['READY'], { timeoutMs: 60_000 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ClusterStatusError);
    expect((error as ClusterStatusError).cluster.status).toBe('FAILED');
    expect((error as Error).message).toContain('ManagerAsg CREATE_FAILED');
  });

  it('throws WaitTimeoutError once the deadline passes', async () => {
    const { swarm, time } = client({ [`GET /clusters/${ID}`]: { status: 200, body: aClusterResource() } });

    const error = await swarm.waitFor(ID, 'READY', { timeoutMs: 5000, intervalMs: 2000 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WaitTimeoutError);
    // 2000 + 2000 + the 1000 left: the last read is at the deadline, not past it.
    expect(time.slept).toEqual([2000, 2000, 1000]);
  });

  it('accepts several statuses (DELETED or DELETE_FAILED)', async () => {
    const { swarm } = client({ [`GET /clusters/${ID}`]: { status: 200, body: aClusterResource({ status: 'DELETE_FAILED' }) } });

    await expect(swarm.waitFor(ID, ['DELETED', 'DELETE_FAILED'], { timeoutMs: 1000 })).resolves.toMatchObject({ status: 'DELETE_FAILED' });
  });
});

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates (RFC 9110 §10.2.3) and ignores anything else', () => {
    const now = Date.parse('2026-11-27T12:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('Fri, 27 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Fri, 27 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe('the IAM API', () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'token-1' };

  /**
   * Recomputes the signature from the request as sent, following AWS's steps (canonical request, string to sign,
   * derived key: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html), so the
   * test checks the signer against the specification rather than against itself.
   */
  function expectedSignature(sent: { method: string; url: URL; headers: Record<string, string> }, body: string) {
    const auth = sent.headers.authorization!;
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
    const amzDate = sent.headers['x-amz-date']!;
    const day = amzDate.slice(0, 8);
    const headerValue = (name: string) => (name === 'host' ? sent.url.host : sent.headers[name]!.trim());
    const query = [...sent.url.searchParams].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    const canonical = [sent.method, sent.url.pathname, query, ...signedHeaders.map((h) => `${h}:${headerValue(h)}`), '', signedHeaders.join(';'), createHash('sha256').update(body).digest('hex')].join('\n');
    const scope = `${day}/eu-west-1/execute-api/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
    let key: Buffer = createHmac('sha256', `AWS4${credentials.secretAccessKey}`).update(day).digest();
    for (const part of ['eu-west-1', 'execute-api', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    return createHmac('sha256', key).update(toSign).digest('hex');
  }

  it('signs each request for execute-api with SigV4, session token included, body and query covered', async () => {
    const { swarm, sent } = client({ 'POST /clusters': { status: 200, body: { dryRun: true } } }, { auth: { iam: { region: 'eu-west-1', credentials } } });

    await swarm.plan({ name: 'demo', workers: 2 });

    const request = sent[0]!;
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
    expect(request.headers['x-amz-security-token']).toBe('token-1');
    expect(request.headers['idempotency-key']).toBeDefined();
    expect(request.headers.authorization!.split('Signature=')[1]).toBe(expectedSignature(request, JSON.stringify({ name: 'demo', workers: 2 })));
  });

  it('takes credentials from a provider function', async () => {
    const { swarm, sent } = client({ 'GET /clusters': { status: 200, body: { items: [] } } }, { auth: { iam: { region: 'eu-west-1', credentials: async () => credentials } } });

    await swarm.listClusters({ limit: 3 });

    expect(sent[0]!.headers.authorization!.split('Signature=')[1]).toBe(expectedSignature(sent[0]!, ''));
  });
});

describe('the IAM API with the SDK’s default credential chain', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('signs with the environment’s credentials when none are given (the chain’s first source)', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAFROMENVIRONMENT';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret-from-environment';
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    const { swarm, sent } = client({ 'GET /clusters': { status: 200, body: { items: [] } } }, { auth: { iam: { region: 'eu-central-1' } } });

    await swarm.listClusters();

    expect(sent[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAFROMENVIRONMENT\/\d{8}\/eu-central-1\/execute-api\/aws4_request,/);
    expect(sent[0]!.headers['x-amz-security-token']).toBeUndefined();
  });
});
