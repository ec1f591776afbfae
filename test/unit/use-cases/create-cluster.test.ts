/**
 * Creating a cluster, the API's half (POST /clusters): the rules the schema cannot check, the quota share, the
 * record in CREATING and the create workflow's start, against the embedded DynamoDB (the record, the quota ledger's
 * conditional writes and the timeline are what is under test) with a fake workflow starter.
 */
import { clusterIdFor, createRequestDigest, type Cluster } from '../../../src/domain/cluster';
import { ConflictError, QuotaExceededError, ValidationError } from '../../../src/domain/errors';
import { clusterRequestSchema } from '../../../src/domain/parameters';
import { WEBHOOK_EVENT_TYPES } from '../../../src/domain/webhook';
import { createCluster, type CreateClusterDeps } from '../../../src/use-cases/create-cluster';
import type { ClusterStore, WorkflowStarter } from '../../../src/use-cases/ports';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeWorkflows } from '../../support/fakes';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const NOW = '2026-11-26T12:00:00.000Z';
const PREFIX = 'arn:aws:states:us-east-1:000000000000:execution:create-cluster';
const LIMITS = { maxActiveClusters: 2, maxInstances: 20 };

let owners = 0;
/** Each test its own owner, so the quota ledger's usage item starts empty. */
const newOwner = () => `owner-${++owners}`;
let ids = 0;
const newId = () => `c-zz${String(++ids).padStart(24, '0')}`;

const request = (body: Record<string, unknown> = {}) => clusterRequestSchema.parse({ name: 'demo', managers: 1, workers: 2, ...body });

/** The workflow starter, recording each create start; `fail` makes the start throw. */
function workflowsRecording(fail?: Error) {
  const base = fakeWorkflows().workflows;
  const starts: string[] = [];
  const workflows: WorkflowStarter = {
    ...base,
    startCreate: async (clusterId) => {
      starts.push(clusterId);
      if (fail) throw fail;
      return `${PREFIX}:${clusterId}`;
    },
  };
  return { workflows, starts };
}

function deps(overrides: Partial<CreateClusterDeps> = {}, fail?: Error) {
  const recorded = workflowsRecording(fail);
  const secrets: string[] = [];
  const createDeps: CreateClusterDeps = {
    store: db.store,
    workflows: recorded.workflows,
    clock: fixedClock(NOW),
    defaultRegion: 'us-east-1',
    allowedRegions: ['us-east-1', 'eu-west-1'],
    checkWebhookUrl: (url) => (url.startsWith('https://') ? undefined : 'must use https'),
    newWebhookSecret: () => {
      const secret = `whsec_${secrets.length + 1}`;
      secrets.push(secret);
      return secret;
    },
    createExecutionPrefix: PREFIX,
    quotas: db.quotas,
    quotaLimits: LIMITS,
    newId,
    ...overrides,
  };
  return { createDeps, starts: recorded.starts, secrets };
}

const timeline = async (id: string) => (await db.store.listEvents(id, { limit: 10 })).items.map(({ type, message, details }) => ({ type, message, details }));

/** The problem a refusal carries: what the HTTP edge turns into the response. */
const problemOf = (error: unknown) => {
  const e = error as ValidationError;
  return { name: e.name, status: e.status, message: e.message, errors: e.errors };
};

describe('creating a cluster', () => {
  it('writes the record in CREATING with every field, takes the quota share and starts the create workflow named after the cluster', async () => {
    // Prepare
    const owner = newOwner();
    const id = newId();
    const { createDeps, starts } = deps({ newId: () => id });

    // Act
    const created = await createCluster(createDeps, { owner, request: request({ tags: { team: 'web' }, idleTimeout: 'PT2H', idleAction: 'hibernate' }) });

    // Assess
    const expected: Cluster = {
      id,
      name: 'demo',
      owner,
      region: 'us-east-1',
      parameters: {
        managers: 1,
        workers: 2,
        managerInstanceType: 't3.small',
        workerInstanceType: 't3.small',
        managerDiskSizeGb: 20,
        workerDiskSizeGb: 20,
        managerDiskType: 'gp3',
        workerDiskType: 'gp3',
        enableSystemPrune: false,
        enableCloudWatchLogs: true,
      },
      tags: { team: 'web' },
      status: 'CREATING',
      statusReason: 'create requested',
      stackName: `swarm-${id}`,
      createExecutionArn: `${PREFIX}:${id}`,
      outputs: {},
      nodes: [],
      webhook: undefined,
      followUp: undefined,
      createRequestDigest: undefined,
      requestedAt: NOW,
      lastActivityAt: NOW,
      expiresAt: undefined,
      idleTimeout: 'PT2H',
      idleAction: 'hibernate',
      updatedAt: NOW,
      version: 1,
    };
    expect(created).toEqual({ cluster: expected, webhookSecret: undefined });
    expect(Object.keys(created.cluster)).not.toContain('autoRepair');
    expect(Object.keys(created.cluster)).not.toContain('chatChannel');
    expect(await db.store.get(id)).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(starts).toEqual([id]);
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 1, instances: 3 });
    expect(await timeline(id)).toEqual([
      { type: 'cluster.requested', message: '1 manager and 2 workers requested in us-east-1', details: { owner } },
      { type: 'workflow.started', message: 'create workflow started', details: { executionArn: `${PREFIX}:${id}` } },
    ]);
  });

  it('uses the region asked for, and keeps expiry, auto-repair, the chat follow-up and channel', async () => {
    const owner = newOwner();
    const { createDeps } = deps();
    const followUp = { kind: 'slack' as const, responseUrl: 'https://hooks.slack.com/commands/T1/1/abc' };
    const chatChannel = { kind: 'slack' as const, teamId: 'T1', channelId: 'C1' };

    const { cluster } = await createCluster(createDeps, {
      owner,
      request: request({ region: 'eu-west-1', expiresAt: '2026-11-27T12:00:00.000Z', autoRepair: true }),
      followUp,
      chatChannel,
    });

    expect(cluster).toMatchObject({ region: 'eu-west-1', expiresAt: '2026-11-27T12:00:00.000Z', autoRepair: true, followUp, chatChannel, tags: {} });
    expect(await db.store.get(cluster.id)).toMatchObject({ region: 'eu-west-1', autoRepair: true, followUp, chatChannel });
    expect((await timeline(cluster.id))[0]!.message).toBe('1 manager and 2 workers requested in eu-west-1');
  });

  it('leaves auto-repair out when the request turns it off', async () => {
    const { createDeps } = deps();

    const { cluster } = await createCluster(createDeps, { owner: newOwner(), request: request({ autoRepair: false }) });

    expect(Object.keys(cluster)).not.toContain('autoRepair');
  });

  it('registers a webhook with a new secret, shown once in the answer; its events default to every event type', async () => {
    const { createDeps, secrets } = deps();

    const all = await createCluster(createDeps, { owner: newOwner(), request: request({ webhook: { url: 'https://example.com/hook' } }) });
    const some = await createCluster(createDeps, { owner: newOwner(), request: request({ webhook: { url: 'https://example.com/hook', events: ['cluster.ready'] } }) });

    expect(all.webhookSecret).toBe('whsec_1');
    expect(all.cluster.webhook).toEqual({ url: 'https://example.com/hook', events: [...WEBHOOK_EVENT_TYPES], secret: 'whsec_1' });
    expect(some.webhookSecret).toBe('whsec_2');
    expect((await db.store.get(some.cluster.id))!.webhook).toEqual({ url: 'https://example.com/hook', events: ['cluster.ready'], secret: 'whsec_2' });
    expect(secrets).toEqual(['whsec_1', 'whsec_2']);
  });

  it('makes no webhook secret for a request without a webhook', async () => {
    const { createDeps, secrets } = deps();

    const created = await createCluster(createDeps, { owner: newOwner(), request: request() });

    expect(created.webhookSecret).toBeUndefined();
    expect(created.cluster.webhook).toBeUndefined();
    expect(secrets).toEqual([]);
  });

  it('names the cluster with a fresh ULID when no id maker is given', async () => {
    const { createDeps } = deps({ newId: undefined });

    const { cluster } = await createCluster(createDeps, { owner: newOwner(), request: request() });

    expect(cluster.id).toMatch(/^c-[0-9a-z]{26}$/);
    expect(cluster.stackName).toBe(`swarm-${cluster.id}`);
  });
});

describe('refusing a create that breaks a rule of the service (422, nothing written)', () => {
  async function refused(body: Record<string, unknown>) {
    const owner = newOwner();
    const id = newId();
    const { createDeps, starts } = deps({ newId: () => id });
    const error = await createCluster(createDeps, { owner, request: request(body) }).catch((e: unknown) => e);
    // Nothing half-written: no record, no quota share, no workflow, no timeline.
    expect(await db.store.get(id)).toBeUndefined();
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 0, instances: 0 });
    expect(starts).toEqual([]);
    expect(await timeline(id)).toEqual([]);
    expect(error).toBeInstanceOf(ValidationError);
    return problemOf(error);
  }

  it('a region this service does not allow, naming the allowed ones', async () => {
    expect(await refused({ region: 'ap-south-2' })).toEqual({
      name: 'ValidationError',
      status: 422,
      message: 'The cluster request breaks a rule of this service.',
      errors: [{ field: 'region', message: 'must be one of: us-east-1, eu-west-1' }],
    });
  });

  it('a default region that is not allowed either', async () => {
    const owner = newOwner();
    const { createDeps } = deps({ defaultRegion: 'ap-south-2' });

    const error = await createCluster(createDeps, { owner, request: request() }).catch((e: unknown) => e);

    expect(problemOf(error).errors).toEqual([{ field: 'region', message: 'must be one of: us-east-1, eu-west-1' }]);
  });

  it('an expiry that is now (not in the future)', async () => {
    expect((await refused({ expiresAt: NOW })).errors).toEqual([{ field: 'expiresAt', message: 'must be in the future' }]);
  });

  it('an expiry in the past', async () => {
    expect((await refused({ expiresAt: '2026-11-26T11:59:59.000Z' })).errors).toEqual([{ field: 'expiresAt', message: 'must be in the future' }]);
  });

  it('a webhook URL the policy refuses, with the policy’s reason', async () => {
    expect((await refused({ webhook: { url: 'http://example.com/hook' } })).errors).toEqual([{ field: 'webhook.url', message: 'must use https' }]);
  });

  it('every broken rule at once, in the order region, expiry, webhook', async () => {
    expect((await refused({ region: 'ap-south-2', expiresAt: NOW, webhook: { url: 'http://example.com/hook' } })).errors).toEqual([
      { field: 'region', message: 'must be one of: us-east-1, eu-west-1' },
      { field: 'expiresAt', message: 'must be in the future' },
      { field: 'webhook.url', message: 'must use https' },
    ]);
  });

  it('accepts an expiry one millisecond from now', async () => {
    const { createDeps } = deps();

    const { cluster } = await createCluster(createDeps, { owner: newOwner(), request: request({ expiresAt: '2026-11-26T12:00:00.001Z' }) });

    expect(cluster.expiresAt).toBe('2026-11-26T12:00:00.001Z');
  });
});

describe('the quota', () => {
  it('refuses with 429 naming the limit when the cluster does not fit, and writes nothing', async () => {
    const owner = newOwner();
    const id = newId();
    const { createDeps, starts } = deps({ newId: () => id, quotaLimits: { maxActiveClusters: 2, maxInstances: 2 } });

    const error = (await createCluster(createDeps, { owner, request: request() }).catch((e: unknown) => e)) as QuotaExceededError;

    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error.status).toBe(429);
    expect(error.extensions).toEqual({ quota: { limit: 'instances', max: 2, current: 0, requested: 3 } });
    expect(await db.store.get(id)).toBeUndefined();
    expect(starts).toEqual([]);
  });

  it('a second cluster past the owner’s cluster limit is refused; the first keeps its share', async () => {
    const owner = newOwner();
    const { createDeps } = deps({ quotaLimits: { maxActiveClusters: 1, maxInstances: 20 } });
    await createCluster(createDeps, { owner, request: request() });

    const error = (await createCluster(createDeps, { owner, request: request() }).catch((e: unknown) => e)) as QuotaExceededError;

    expect(error.extensions).toEqual({ quota: { limit: 'activeClusters', max: 1, current: 1, requested: 1 } });
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 1, instances: 3 });
  });
});

describe('undoing a create that cannot go on', () => {
  it('a record that cannot be written: the quota share goes back and the error is the caller’s', async () => {
    const owner = newOwner();
    const broken = new Error('DynamoDB is down');
    const store: ClusterStore = { ...db.store, create: async () => Promise.reject(broken) };
    const { createDeps, starts } = deps({ store });

    const error = await createCluster(createDeps, { owner, request: request() }).catch((e: unknown) => e);

    expect(error).toBe(broken);
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 0, instances: 0 });
    expect(starts).toEqual([]);
  });

  it('an unkeyed create whose id is taken: 409, the share goes back', async () => {
    const owner = newOwner();
    const id = newId();
    const { createDeps } = deps({ newId: () => id });
    await createCluster(createDeps, { owner: 'someone-else', request: request() });

    const error = await createCluster(createDeps, { owner, request: request() }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 0, instances: 0 });
    expect((await db.store.get(id))!.owner).toBe('someone-else');
  });

  it('a workflow that cannot be started: the record is removed and the share goes back', async () => {
    const owner = newOwner();
    const id = newId();
    const refused = new Error('ExecutionLimitExceeded');
    const { createDeps, starts } = deps({ newId: () => id }, refused);

    const error = await createCluster(createDeps, { owner, request: request() }).catch((e: unknown) => e);

    expect(error).toBe(refused);
    expect(starts).toEqual([id]);
    expect(await db.store.get(id)).toBeUndefined();
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 0, instances: 0 });
    expect(await timeline(id)).toEqual([]);
  });
});

describe('a create with an Idempotency-Key', () => {
  it('derives the cluster id from owner and key, and stores the request digest', async () => {
    const owner = newOwner();
    const { createDeps } = deps();
    const body = request({ workers: 3 });

    const { cluster, replayed } = await createCluster(createDeps, { owner, request: body, idempotencyKey: 'key-1' });

    expect(cluster.id).toBe(clusterIdFor(owner, 'key-1'));
    expect(replayed).toBeUndefined();
    expect((await db.store.get(cluster.id))!.createRequestDigest).toBe(createRequestDigest(body));
  });

  it('the same key and body again: the same cluster and webhook secret, replayed; the workflow is started again (by its name) while CREATING', async () => {
    const owner = newOwner();
    const { createDeps, starts } = deps();
    const body = request({ webhook: { url: 'https://example.com/hook' } });
    const first = await createCluster(createDeps, { owner, request: body, idempotencyKey: 'key-1' });

    const again = await createCluster(createDeps, { owner, request: request({ webhook: { url: 'https://example.com/hook' } }), idempotencyKey: 'key-1' });

    expect(again).toEqual({ cluster: JSON.parse(JSON.stringify(first.cluster)), webhookSecret: 'whsec_1', replayed: true });
    expect(starts).toEqual([first.cluster.id, first.cluster.id]);
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 1, instances: 3 });
    expect((await timeline(first.cluster.id)).at(-1)).toEqual({
      type: 'workflow.started',
      message: 'create workflow started or found running for a retried request',
      details: { executionArn: `${PREFIX}:${first.cluster.id}` },
    });
  });

  it('the same key and body once the cluster is past CREATING: the cluster as it is, no workflow started', async () => {
    const owner = newOwner();
    const { createDeps, starts } = deps();
    const first = await createCluster(createDeps, { owner, request: request(), idempotencyKey: 'key-1' });
    const ready = await db.store.update(first.cluster, { status: 'READY', statusReason: 'ready', updatedAt: NOW });
    const eventsBefore = await timeline(first.cluster.id);

    const again = await createCluster(createDeps, { owner, request: request(), idempotencyKey: 'key-1' });

    expect(again).toEqual({ cluster: ready, webhookSecret: undefined, replayed: true });
    expect(starts).toEqual([first.cluster.id]);
    expect(await timeline(first.cluster.id)).toEqual(eventsBefore);
  });

  it('the same key and body after the cluster was deleted (its share given back): the deleted cluster, and no share taken again', async () => {
    // Prepare: the cluster went through its life and its share went back when it was DELETED.
    const owner = newOwner();
    const { createDeps, starts } = deps();
    const first = await createCluster(createDeps, { owner, request: request(), idempotencyKey: 'key-1' });
    const deleted = await db.store.update(first.cluster, { status: 'DELETED', statusReason: 'deleted', updatedAt: NOW });
    await db.quotas.release(owner, { clusterId: first.cluster.id, instances: 3 });

    // Act
    const again = await createCluster(createDeps, { owner, request: request(), idempotencyKey: 'key-1' });

    // Assess
    expect(again).toEqual({ cluster: deleted, webhookSecret: undefined, replayed: true });
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 0, instances: 0 });
    expect(starts).toEqual([first.cluster.id]);
  });

  it('the same key with another body: 422 at the Idempotency-Key, nothing changed', async () => {
    const owner = newOwner();
    const { createDeps, starts } = deps();
    const first = await createCluster(createDeps, { owner, request: request(), idempotencyKey: 'key-1' });

    const error = await createCluster(createDeps, { owner, request: request({ workers: 4 }), idempotencyKey: 'key-1' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect(problemOf(error)).toEqual({
      name: 'ValidationError',
      status: 422,
      message: 'This Idempotency-Key was already used with a different request body.',
      errors: [{ field: 'Idempotency-Key', message: 'was used before with a different body' }],
    });
    expect(starts).toEqual([first.cluster.id]);
    expect((await db.store.get(first.cluster.id))!.parameters.workers).toBe(2);
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 1, instances: 3 });
  });

  it('the same key for another owner is another cluster', async () => {
    const { createDeps } = deps();

    const a = await createCluster(createDeps, { owner: newOwner(), request: request(), idempotencyKey: 'shared' });
    const b = await createCluster(createDeps, { owner: newOwner(), request: request(), idempotencyKey: 'shared' });

    expect(b.cluster.id).not.toBe(a.cluster.id);
    expect(b.replayed).toBeUndefined();
  });

  it('an attempt racing another of the same request (its write lost): answers as a retry, keeping the one share', async () => {
    // Prepare: the other attempt wrote the record (and took the share) between this attempt's read and its write.
    const owner = newOwner();
    const { createDeps, starts } = deps();
    const first = await createCluster(createDeps, { owner, request: request(), idempotencyKey: 'key-1' });
    let reads = 0;
    const store: ClusterStore = { ...db.store, get: async (id) => (++reads === 1 ? undefined : db.store.get(id)) };

    // Act
    const again = await createCluster({ ...createDeps, store }, { owner, request: request(), idempotencyKey: 'key-1' });

    // Assess
    expect(again).toEqual({ cluster: JSON.parse(JSON.stringify(first.cluster)), webhookSecret: undefined, replayed: true });
    expect(reads).toBe(2);
    expect(starts).toEqual([first.cluster.id, first.cluster.id]);
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 1, instances: 3 });
  });

  it('a keyed write refused by a conflict whose record is gone again: 409, the share goes back', async () => {
    const owner = newOwner();
    const conflict = new ConflictError('cluster exists');
    const store: ClusterStore = { ...db.store, get: async () => undefined, create: async () => Promise.reject(conflict) };
    const { createDeps, starts } = deps({ store });

    const error = await createCluster(createDeps, { owner, request: request(), idempotencyKey: 'key-1' }).catch((e: unknown) => e);

    expect(error).toBe(conflict);
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 0, instances: 0 });
    expect(starts).toEqual([]);
  });

  it('a keyed write that fails for another reason: the share goes back, no resume', async () => {
    const owner = newOwner();
    const broken = new Error('DynamoDB is down');
    let reads = 0;
    const store: ClusterStore = {
      ...db.store,
      get: async () => {
        reads += 1;
        return undefined;
      },
      create: async () => Promise.reject(broken),
    };
    const { createDeps } = deps({ store });

    const error = await createCluster(createDeps, { owner, request: request(), idempotencyKey: 'key-1' }).catch((e: unknown) => e);

    expect(error).toBe(broken);
    expect(reads).toBe(1);
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 0, instances: 0 });
  });
});
