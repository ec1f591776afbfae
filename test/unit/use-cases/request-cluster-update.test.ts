/**
 * Asking for a change of a running cluster (PATCH /clusters/{id}, upgrade, hibernate, wake; the reaper's idle
 * hibernation): the UPDATING record, the quota a scale-out takes, the update workflow's start, and the record put
 * back when that start fails. The embedded DynamoDB holds the record (its conditional writes and the timeline are
 * what is under test); the quota ledger is a recording fake, except where its refusal is the subject.
 */
import type { Cluster } from '../../../src/domain/cluster';
import { ConflictError, NotFoundError, QuotaExceededError, StaleClusterError, ValidationError } from '../../../src/domain/errors';
import type { ClusterStore, QuotaLedger } from '../../../src/use-cases/ports';
import { beginUpdate, requestClusterUpdate, type RequestUpdateDeps } from '../../../src/use-cases/request-cluster-update';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeQuotas, fakeWorkflows, storeFailingUpdates } from '../../support/fakes';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const NOW = '2026-11-26T13:00:00.000Z';
const LIMITS = { maxActiveClusters: 5, maxInstances: 50 };
const OLD_FOLLOW_UP = { kind: 'slack' as const, responseUrl: 'https://hooks.slack.com/commands/T1/1/old' };

async function stored(overrides: Partial<Cluster> = {}): Promise<Cluster> {
  const cluster = aCluster({ status: 'READY', statusReason: 'stack CREATE_COMPLETE', stackId: 'stack-1', followUp: OLD_FOLLOW_UP, expiresAt: '2026-12-01T00:00:00.000Z', ...overrides });
  await db.store.create(cluster);
  return cluster;
}

function deps(options: { failUpdateStart?: Error; quotas?: QuotaLedger; store?: ClusterStore; refuseAdjust?: Error } = {}) {
  const workflows = fakeWorkflows({ failUpdateStart: options.failUpdateStart });
  const starts: { clusterId: string; updateId: string }[] = [];
  const quotas = fakeQuotas({ refuseAdjust: options.refuseAdjust });
  const updateDeps: RequestUpdateDeps = {
    store: options.store ?? db.store,
    workflows: {
      updateExecutionArn: workflows.workflows.updateExecutionArn,
      startUpdate: (clusterId, updateId) => {
        starts.push({ clusterId, updateId });
        return workflows.workflows.startUpdate(clusterId, updateId);
      },
    },
    clock: fixedClock(NOW),
    quotas: options.quotas ?? quotas.quotas,
    quotaLimits: LIMITS,
  };
  return { updateDeps, starts, quotas };
}

/** The record as read, without the store's derived `autoDeleteAt` (domain/expiry.ts, tested there). */
const plain = (cluster: Cluster | undefined) => {
  const { autoDeleteAt: _derived, ...rest } = cluster as Cluster & { autoDeleteAt?: string };
  return rest;
};
const read = async (id: string) => plain(await db.store.get(id));

const arnOf = (clusterId: string, updateId: string) => `arn:aws:states:us-east-1:000000000000:execution:update-cluster:${clusterId}-${updateId}`;
const timeline = async (id: string) => (await db.store.listEvents(id, { limit: 10 })).items.map(({ type, message, details }) => ({ type, message, details }));
const problemOf = (error: unknown) => {
  const e = error as ConflictError;
  return { name: e.name, status: e.status, message: e.message, errors: e.errors, extensions: e.extensions };
};

describe('a parameter change asked by the owner', () => {
  it('a scale-out: takes the extra instances, writes UPDATING with the update, clears an older chat user, starts the update workflow', async () => {
    // Prepare
    const cluster = await stored();
    const { updateDeps, starts, quotas } = deps();

    // Act
    const answer = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'change', changes: { workers: 7 } } });

    // Assess
    const target = { ...cluster.parameters, workers: 7 };
    const expected: Cluster = {
      ...cluster,
      status: 'UPDATING',
      statusReason: 'scale requested',
      update: { id: 'u1', operation: 'scale', target, previous: cluster.parameters, requestedAt: NOW, requestedBy: 'alice' },
      updateExecutionArn: arnOf(cluster.id, 'u1'),
      updatingAt: NOW,
      updatedAt: NOW,
      lastActivityAt: NOW,
      version: 2,
    };
    delete expected.followUp;
    expect({ ...answer, cluster: plain(answer.cluster) }).toEqual({ cluster: expected, replayed: false });
    expect(await read(cluster.id)).toEqual(expected);
    expect(quotas.adjusted).toEqual([{ owner: 'alice', clusterId: cluster.id, from: 8, to: 10 }]);
    expect(starts).toEqual([{ clusterId: cluster.id, updateId: 'u1' }]);
    expect(await timeline(cluster.id)).toEqual([
      {
        type: 'cluster.update_requested',
        message: 'scale from 3 managers and 5 workers to 3 managers and 7 workers requested',
        details: { updateId: 'u1', operation: 'scale', from: 'READY', target },
      },
      { type: 'workflow.started', message: 'update workflow started', details: { executionArn: arnOf(cluster.id, 'u1'), updateId: 'u1' } },
    ]);
  });

  it('a scale-in takes nothing from the quota now (the outcome gives back); the update id follows the version read', async () => {
    const cluster = await stored({ version: 4 });
    const { updateDeps, quotas } = deps();

    const { cluster: updating } = await requestClusterUpdate(updateDeps, { caller: { principal: 'alice', operator: false }, id: cluster.id, request: { operation: 'change', changes: { workers: 2, managers: 1 } } });

    expect(quotas.adjusted).toEqual([]);
    expect(updating.update).toMatchObject({ id: 'u4', operation: 'scale', target: { managers: 1, workers: 2 }, requestedBy: 'alice' });
    expect((await timeline(cluster.id))[0]!.message).toBe('scale from 3 managers and 5 workers to 1 manager and 2 workers requested');
  });

  it('a resize names each field that changes, from and to', async () => {
    const cluster = await stored();
    const { updateDeps, quotas } = deps();

    const { cluster: updating } = await requestClusterUpdate(updateDeps, {
      caller: 'alice',
      id: cluster.id,
      request: { operation: 'change', changes: { workerInstanceType: 't3.large', workerDiskSizeGb: 40 } },
    });

    expect(updating).toMatchObject({ statusReason: 'resize requested', update: { operation: 'resize' } });
    expect(quotas.adjusted).toEqual([]);
    expect((await timeline(cluster.id))[0]!.message).toBe('resize requested: workerInstanceType t3.small → t3.large, workerDiskSizeGb 20 → 40');
  });

  it('keeps the chat user who asked, and the lifecycle fields the PATCH sets in the same write', async () => {
    const cluster = await stored({ idleTimeout: 'PT2H' });
    const { updateDeps } = deps();
    const followUp = { kind: 'slack' as const, responseUrl: 'https://hooks.slack.com/commands/T1/2/new' };

    await requestClusterUpdate(updateDeps, {
      caller: 'alice',
      id: cluster.id,
      request: { operation: 'change', changes: { workers: 4 } },
      followUp,
      lifecycle: { expiresAt: null, idleTimeout: 'PT4H', idleAction: 'hibernate' },
    });

    const after = (await db.store.get(cluster.id))!;
    expect(after).toMatchObject({ followUp, idleTimeout: 'PT4H', idleAction: 'hibernate' });
    expect(after.expiresAt).toBeUndefined();
  });

  it('someone else’s cluster is a 404, for an operator too (changing is the owner’s alone); nothing is written', async () => {
    const cluster = await stored();
    const { updateDeps, starts } = deps();

    for (const caller of ['bob', { principal: 'ops', operator: true }]) {
      const error = await requestClusterUpdate(updateDeps, { caller, id: cluster.id, request: { operation: 'upgrade' } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).message).toBe(`There is no cluster ${cluster.id}.`);
    }
    expect(starts).toEqual([]);
    expect((await db.store.get(cluster.id))!.version).toBe(1);
  });

  it('a change that changes nothing: 422, nothing written', async () => {
    const cluster = await stored();
    const { updateDeps, starts } = deps();

    const error = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'change', changes: { workers: 5 } } }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors).toEqual([{ field: 'body', message: 'nothing to change' }]);
    expect(starts).toEqual([]);
    expect(await read(cluster.id)).toEqual(cluster);
  });

  it('a change of a hibernated cluster: 409 (wake it first), checked as a scale; nothing written', async () => {
    const cluster = await stored({ status: 'HIBERNATED', hibernatedWorkers: 5, parameters: { ...aCluster().parameters, workers: 0 } });
    const { updateDeps, starts } = deps();

    const error = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'change', changes: { workers: 2 } } }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect(problemOf(error)).toEqual({
      name: 'ConflictError',
      status: 409,
      message: 'The cluster is HIBERNATED: wake it first (POST /clusters/{id}/wake), then change it.',
      errors: [{ field: 'status', message: 'is HIBERNATED' }],
      extensions: { status: 'HIBERNATED' },
    });
    expect(starts).toEqual([]);
    expect(await read(cluster.id)).toEqual(cluster);
  });

  it('a scale-out past the owner’s instance limit: 429 naming the limit, nothing written, no workflow', async () => {
    const cluster = await stored({ owner: 'carol' });
    await db.quotas.acquire('carol', { clusterId: cluster.id, instances: 8 }, LIMITS);
    const { updateDeps, starts } = deps({ quotas: db.quotas });

    const error = await requestClusterUpdate({ ...updateDeps, quotaLimits: { maxActiveClusters: 5, maxInstances: 9 } }, {
      caller: 'carol',
      id: cluster.id,
      request: { operation: 'change', changes: { workers: 7 } },
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as QuotaExceededError).extensions).toEqual({ quota: { limit: 'instances', max: 9, current: 8, requested: 2 } });
    expect(starts).toEqual([]);
    expect(await read(cluster.id)).toEqual(cluster);
    expect(await db.quotas.usage('carol')).toEqual({ activeClusters: 1, instances: 8 });
  });
});

describe('the operations without parameters', () => {
  it('an upgrade keeps the parameters and starts from HIBERNATED too', async () => {
    const cluster = await stored({ status: 'HIBERNATED', hibernatedWorkers: 5, parameters: { ...aCluster().parameters, workers: 0 } });
    const { updateDeps, quotas } = deps();

    const { cluster: updating } = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'upgrade' } });

    expect(updating).toMatchObject({ status: 'UPDATING', statusReason: 'upgrade requested', hibernatedWorkers: 5, update: { operation: 'upgrade', target: cluster.parameters } });
    expect(quotas.adjusted).toEqual([]);
    expect((await timeline(cluster.id))[0]).toMatchObject({
      message: 'upgrade requested: every node is replaced, one at a time, with the newest AMI and the pinned Docker version',
      details: { from: 'HIBERNATED' },
    });
  });

  it('a hibernate scales the workers to 0 and remembers how many there were', async () => {
    const cluster = await stored();
    const { updateDeps, quotas } = deps();

    const { cluster: updating } = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'hibernate' } });

    expect(updating).toMatchObject({ statusReason: 'hibernate requested', hibernatedWorkers: 5, update: { operation: 'hibernate', target: { workers: 0 } } });
    expect(quotas.adjusted).toEqual([]);
    expect((await timeline(cluster.id))[0]!.message).toBe("hibernate requested: workers go from 5 to 0, the 3 managers (and the swarm's state) stay");
  });

  it('a wake restores the count remembered and takes those instances from the quota first', async () => {
    const cluster = await stored({ status: 'HIBERNATED', hibernatedWorkers: 4, parameters: { ...aCluster().parameters, workers: 0 } });
    const { updateDeps, quotas } = deps();

    const { cluster: updating } = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'wake' } });

    expect(updating).toMatchObject({ statusReason: 'wake requested', update: { operation: 'wake', target: { workers: 4 } } });
    expect(quotas.adjusted).toEqual([{ owner: 'alice', clusterId: cluster.id, from: 3, to: 7 }]);
    expect((await timeline(cluster.id))[0]!.message).toBe('wake requested: back to 4 workers');
  });

  it('a hibernate of a hibernated cluster: 409, already HIBERNATED', async () => {
    const cluster = await stored({ status: 'HIBERNATED', hibernatedWorkers: 5 });
    const { updateDeps } = deps();

    const error = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'hibernate' } }).catch((e: unknown) => e);

    expect((error as ConflictError).message).toBe('The cluster is already HIBERNATED.');
  });
});

describe('a request for a change already running (a retry)', () => {
  async function running(operation: 'scale' | 'upgrade', target: Partial<Cluster['parameters']>) {
    const base = aCluster();
    return stored({
      status: 'UPDATING',
      version: 3,
      update: { id: 'u2', operation, target: { ...base.parameters, ...target }, previous: base.parameters, requestedAt: '2026-11-26T12:50:00.000Z', requestedBy: 'alice' },
      updateExecutionArn: arnOf(base.id, 'u2'),
    });
  }

  it('the same parameter change: the cluster as it is, replayed; the workflow started again by its name, nothing written', async () => {
    const cluster = await running('scale', { workers: 7 });
    const { updateDeps, starts, quotas } = deps();

    const answer = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'change', changes: { workers: 7 } } });

    expect({ ...answer, cluster: plain(answer.cluster) }).toEqual({ cluster, replayed: true });
    expect(starts).toEqual([{ clusterId: cluster.id, updateId: 'u2' }]);
    expect(quotas.adjusted).toEqual([]);
    expect(await read(cluster.id)).toEqual(cluster);
    expect(await timeline(cluster.id)).toEqual([]);
  });

  it('the same operation without parameters: replayed, even when the workflow cannot be confirmed', async () => {
    const cluster = await running('upgrade', {});
    const { updateDeps, starts } = deps({ failUpdateStart: new Error('ThrottlingException') });

    const answer = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'upgrade' } });

    expect({ ...answer, cluster: plain(answer.cluster) }).toEqual({ cluster, replayed: true });
    expect(starts).toEqual([{ clusterId: cluster.id, updateId: 'u2' }]);
  });

  it.each([
    ['another target', { operation: 'change' as const, changes: { workers: 6 } }],
    ['a change to what was there before (nothing to change from there)', { operation: 'change' as const, changes: { workers: 5 } }],
    ['a resize while a scale runs', { operation: 'change' as const, changes: { workers: 7, workerInstanceType: 't3.large' as const } }],
    ['another operation', { operation: 'hibernate' as const }],
  ])('%s: 409 naming the update that runs, nothing started', async (_name, request) => {
    const cluster = await running('scale', { workers: 7 });
    const { updateDeps, starts } = deps();

    const error = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect(problemOf(error)).toEqual({
      name: 'ConflictError',
      status: 409,
      message: 'The cluster is UPDATING: a scale is running (update u2); one operation at a time, try again when it has ended.',
      errors: [{ field: 'status', message: 'is UPDATING' }],
      extensions: { status: 'UPDATING', runningOperation: 'scale', runningUpdate: 'u2' },
    });
    expect(starts).toEqual([]);
  });

  it('an upgrade asked again after the last upgrade failed (UPDATE_FAILED) is a new update, not a replay', async () => {
    const base = aCluster();
    const cluster = await stored({
      status: 'UPDATE_FAILED',
      version: 5,
      update: { id: 'u3', operation: 'upgrade', target: base.parameters, previous: base.parameters, requestedAt: '2026-11-26T12:50:00.000Z', requestedBy: 'alice' },
    });
    const { updateDeps, starts } = deps();

    const answer = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'upgrade' } });

    expect(answer.replayed).toBe(false);
    expect(answer.cluster).toMatchObject({ status: 'UPDATING', update: { id: 'u5', operation: 'upgrade' }, version: 6 });
    expect(starts).toEqual([{ clusterId: cluster.id, updateId: 'u5' }]);
  });

  it('an UPDATING cluster without its update record is not a retry: 409', async () => {
    const cluster = await stored({ status: 'UPDATING' });
    const { updateDeps, starts } = deps();

    const error = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'upgrade' } }).catch((e: unknown) => e);

    expect((error as ConflictError).message).toBe('The cluster is UPDATING: a change is running (update unknown); one operation at a time, try again when it has ended.');
    expect(starts).toEqual([]);
  });
});

describe('the reaper’s hibernation (beginUpdate with its own options)', () => {
  it('writes its status reason and who asked, and is not activity', async () => {
    const cluster = await stored();
    const { updateDeps } = deps();

    const answer = await beginUpdate(updateDeps, cluster, { operation: 'hibernate' }, { requestedBy: 'reaper', isActivity: false, statusReason: 'idle since 12:00: hibernating' });

    expect(answer.cluster).toMatchObject({ statusReason: 'idle since 12:00: hibernating', lastActivityAt: cluster.lastActivityAt, update: { requestedBy: 'reaper' } });
    expect((await db.store.get(cluster.id))!.lastActivityAt).toBe('2026-11-26T12:00:00.000Z');
  });
});

describe('a change that cannot be started', () => {
  class ExecutionLimitExceeded extends Error {
    override name = 'ExecutionLimitExceeded';
  }

  it('the workflow refuses: the record goes back to what it was, the extra quota goes back, the timeline says why', async () => {
    // Prepare
    const cluster = await stored({ idleTimeout: 'PT2H', idleAction: 'delete' });
    const refused = new ExecutionLimitExceeded('too many executions');
    const { updateDeps, starts, quotas } = deps({ failUpdateStart: refused });

    // Act
    const error = await requestClusterUpdate(updateDeps, {
      caller: 'alice',
      id: cluster.id,
      request: { operation: 'change', changes: { workers: 7 } },
      lifecycle: { expiresAt: null, idleTimeout: 'PT8H', idleAction: 'hibernate' },
    }).catch((e: unknown) => e);

    // Assess
    expect(error).toBe(refused);
    expect(starts).toEqual([{ clusterId: cluster.id, updateId: 'u1' }]);
    expect(await read(cluster.id)).toEqual({ ...cluster, updatedAt: NOW, version: 3 });
    expect(quotas.adjusted).toEqual([
      { owner: 'alice', clusterId: cluster.id, from: 8, to: 10 },
      { owner: 'alice', clusterId: cluster.id, from: 10, to: 8 },
    ]);
    expect((await timeline(cluster.id)).map(({ type, message, details }) => ({ type, message, details }))).toEqual([
      expect.objectContaining({ type: 'cluster.update_requested' }),
      {
        type: 'workflow.start_failed',
        message: 'the update workflow could not be started; the cluster is READY again',
        details: { updateId: 'u1', error: 'ExecutionLimitExceeded' },
      },
    ]);
  });

  it('puts back an UPDATE_FAILED cluster’s last update and a hibernated count; a non-Error cause is named Error', async () => {
    const base = aCluster();
    const lastUpdate = { id: 'u1', operation: 'scale' as const, target: base.parameters, previous: base.parameters, requestedAt: '2026-11-26T12:10:00.000Z', requestedBy: 'alice' };
    const cluster = await stored({
      ...base,
      status: 'UPDATE_FAILED',
      statusReason: 'scale failed: the stack ended UPDATE_ROLLBACK_FAILED',
      update: lastUpdate,
      updateExecutionArn: arnOf(base.id, 'u1'),
      updatingAt: '2026-11-26T12:10:00.000Z',
      hibernatedWorkers: 3,
      version: 2,
    });
    const { updateDeps, quotas } = deps();
    updateDeps.workflows.startUpdate = async () => Promise.reject('no'); // eslint-disable-line @typescript-eslint/only-throw-error

    const error = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'upgrade' } }).catch((e: unknown) => e);

    expect(error).toBe('no');
    expect(await read(cluster.id)).toEqual({ ...cluster, updatedAt: NOW, version: 4 });
    expect(quotas.adjusted).toEqual([]);
    expect((await timeline(cluster.id))[1]).toEqual({
      type: 'workflow.start_failed',
      message: 'the update workflow could not be started; the cluster is UPDATE_FAILED again',
      details: { updateId: 'u2', error: 'Error' },
    });
  });

  it('puts back a hibernate: the count to restore goes with it', async () => {
    const cluster = await stored();
    const { updateDeps } = deps({ failUpdateStart: new Error('refused') });

    await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'hibernate' } }).catch((e: unknown) => e);

    const after = await read(cluster.id);
    expect(after).toEqual({ ...cluster, updatedAt: NOW, version: 3 });
    expect('hibernatedWorkers' in after).toBe(false);
  });

  it('the record cannot be put back either: the start’s error is the answer, the quota still goes back', async () => {
    const cluster = await stored();
    const { store, updates } = storeFailingUpdates(db.store, 2, new Error('DynamoDB is down'));
    const refused = new Error('refused');
    const { updateDeps, quotas } = deps({ failUpdateStart: refused, store });

    const error = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'change', changes: { workers: 7 } } }).catch((e: unknown) => e);

    expect(error).toBe(refused);
    expect(updates()).toBe(2);
    expect((await db.store.get(cluster.id))!.status).toBe('UPDATING');
    expect(quotas.adjusted).toEqual([
      { owner: 'alice', clusterId: cluster.id, from: 8, to: 10 },
      { owner: 'alice', clusterId: cluster.id, from: 10, to: 8 },
    ]);
    expect((await timeline(cluster.id)).map((e) => e.type)).toEqual(['cluster.update_requested']);
  });

  it('the quota cannot be given back: the start’s error is still the answer, the record is put back', async () => {
    const cluster = await stored();
    const refused = new Error('refused');
    const quotas: QuotaLedger = {
      ...fakeQuotas().quotas,
      adjust: async (_owner, change) => {
        if (change.to < change.from) throw new Error('DynamoDB is down');
        return true;
      },
    };
    const { updateDeps } = deps({ failUpdateStart: refused, quotas });

    const error = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'change', changes: { workers: 7 } } }).catch((e: unknown) => e);

    expect(error).toBe(refused);
    expect((await db.store.get(cluster.id))!.status).toBe('READY');
  });

  it('the UPDATING write fails: the extra quota goes back and nothing is started', async () => {
    const cluster = await stored();
    const broken = new Error('DynamoDB is down');
    const store: ClusterStore = { ...db.store, update: async () => Promise.reject(broken) };
    const { updateDeps, starts, quotas } = deps({ store });

    const error = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'change', changes: { workers: 7 } } }).catch((e: unknown) => e);

    expect(error).toBe(broken);
    expect(starts).toEqual([]);
    expect(quotas.adjusted).toEqual([
      { owner: 'alice', clusterId: cluster.id, from: 8, to: 10 },
      { owner: 'alice', clusterId: cluster.id, from: 10, to: 8 },
    ]);
  });

  it('a scale-in whose write fails gives nothing back (it took nothing)', async () => {
    const cluster = await stored();
    const store: ClusterStore = { ...db.store, update: async () => Promise.reject(new Error('DynamoDB is down')) };
    const { updateDeps, quotas } = deps({ store });

    await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'change', changes: { workers: 2 } } }).catch((e: unknown) => e);

    expect(quotas.adjusted).toEqual([]);
  });

  it('a write that lost a race is tried again on the fresh record', async () => {
    const cluster = await stored();
    let writes = 0;
    const store: ClusterStore = {
      ...db.store,
      update: async (c, changes) => {
        writes += 1;
        if (writes === 1) {
          // Someone else's write (activity) lands first.
          await db.store.update(c, { lastActivityAt: '2026-11-26T12:30:00.000Z', updatedAt: '2026-11-26T12:30:00.000Z' });
          throw new StaleClusterError(c.id, c.version);
        }
        return db.store.update(c, changes);
      },
    };
    const { updateDeps, starts } = deps({ store });

    const { cluster: updating } = await requestClusterUpdate(updateDeps, { caller: 'alice', id: cluster.id, request: { operation: 'upgrade' } });

    expect(updating).toMatchObject({ status: 'UPDATING', version: 3, update: { id: 'u2' } });
    expect(starts).toEqual([{ clusterId: cluster.id, updateId: 'u2' }]);
  });
});
