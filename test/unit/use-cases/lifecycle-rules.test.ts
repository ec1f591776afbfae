/**
 * The lifecycle's shared steps (lifecycle.ts: transition, releaseQuota, record, loadCluster, retryOnStale), a
 * scheduled run's walk (sweep.ts: sweep, visitGuarded) and PATCH /clusters/{id} (update-cluster-lifecycle.ts), with
 * an in-memory store and recording fakes: which statuses give the quota back and which are announced, what a retried
 * step repeats, how many times a lost race is tried again, and how a run pages and counts.
 */
import type { ClusterStatus } from '../../../src/domain/cluster';
import { ClusterMissingError, ConflictError, IllegalTransitionError, NotFoundError, StaleClusterError, ValidationError } from '../../../src/domain/errors';
import { loadCluster, record, releaseQuota, retryOnStale, transition } from '../../../src/use-cases/lifecycle';
import { sweep, visitGuarded } from '../../../src/use-cases/sweep';
import { assertLifecycleRules, updateClusterLifecycle } from '../../../src/use-cases/update-cluster-lifecycle';
import { aCluster } from '../../support/clusters';
import { fixedClock } from '../../support/dynamodb';
import { fakeFollowUps, fakeQuotas } from '../../support/fakes';
import { memoryStore } from '../../support/memory-store';

const NOW = '2026-11-26T12:00:00.000Z';

function harness(status: ClusterStatus) {
  const cluster = aCluster({ status, version: 2 });
  const memory = memoryStore(cluster);
  const quotas = fakeQuotas();
  const chat = fakeFollowUps();
  const deps = { store: memory.store, clock: fixedClock(NOW), quotas: quotas.quotas, followUps: chat.followUps };
  return { cluster, deps, ...memory, released: quotas.released, announced: chat.announced };
}

describe('a status transition', () => {
  it('writes the status with the changes and the time, tells the timeline, and returns the new record', async () => {
    // Prepare
    const h = harness('CREATING');

    // Act
    const updated = await transition(h.deps, h.cluster, 'READY', { statusReason: 'stack created', readyAt: NOW }, { type: 'cluster.ready', details: { stackId: 's-1' } });

    // Assess
    expect(updated).toMatchObject({ status: 'READY', statusReason: 'stack created', readyAt: NOW, updatedAt: NOW, version: 3 });
    expect(h.writes).toEqual([{ id: h.cluster.id, changes: { statusReason: 'stack created', readyAt: NOW, status: 'READY', updatedAt: NOW } }]);
    expect(h.events).toEqual([{ clusterId: h.cluster.id, at: NOW, type: 'cluster.ready', message: 'stack created', details: { stackId: 's-1' } }]);
  });

  it.each([
    ['READY', 'CREATING', true],
    ['HIBERNATED', 'UPDATING', true],
    ['UPDATE_FAILED', 'UPDATING', true],
    ['FAILED', 'CREATING', true],
    ['DELETED', 'DELETING', true],
    ['DELETE_FAILED', 'DELETING', true],
    ['DELETING', 'READY', false],
    ['UPDATING', 'READY', false],
  ] as const)('to %s (from %s): announced to the chat user: %s', async (to, from, announced) => {
    // Prepare
    const h = harness(from);

    // Act
    await transition(h.deps, h.cluster, to, { statusReason: 'why' }, { type: 'cluster.updated' });

    // Assess
    expect(h.announced).toEqual(announced ? [{ clusterId: h.cluster.id, status: to, responseUrl: undefined }] : []);
  });

  it.each([
    ['DELETED', 'DELETING', true],
    ['FAILED', 'CREATING', false],
    ['DELETE_FAILED', 'DELETING', false],
    ['READY', 'CREATING', false],
  ] as const)('to %s: the quota share goes back: %s', async (to, from, released) => {
    // Prepare
    const h = harness(from);

    // Act
    await transition(h.deps, h.cluster, to, { statusReason: 'why' }, { type: 'cluster.updated' });

    // Assess
    expect(h.released).toEqual(released ? [{ owner: h.cluster.owner, clusterId: h.cluster.id, instances: 8 }] : []);
  });

  it('a step retried after its write landed: nothing written or announced again, the quota release repeated', async () => {
    // Prepare
    const h = harness('DELETED');

    // Act
    const updated = await transition(h.deps, h.cluster, 'DELETED', { statusReason: 'stack deleted' }, { type: 'cluster.deleted' });

    // Assess
    expect(updated).toBe(h.cluster);
    expect(h.writes).toEqual([]);
    expect(h.events).toEqual([]);
    expect(h.announced).toEqual([]);
    expect(h.released).toEqual([{ owner: h.cluster.owner, clusterId: h.cluster.id, instances: 8 }]);
  });

  it('refuses a transition the state machine does not allow, writing nothing', async () => {
    // Prepare
    const h = harness('DELETED');

    // Act / Assess
    await expect(transition(h.deps, h.cluster, 'READY', { statusReason: 'no' }, { type: 'cluster.ready' })).rejects.toThrow(new IllegalTransitionError('DELETED', 'READY'));
    expect(h.writes).toEqual([]);
    expect(h.events).toEqual([]);
  });
});

describe('the lifecycle’s small steps', () => {
  it('releaseQuota gives back the cluster’s instances to its owner, and is safe to repeat', async () => {
    // Prepare
    const h = harness('FAILED');

    // Act
    await releaseQuota(h.deps, h.cluster, 'failed stack deleted');
    await releaseQuota(h.deps, h.cluster, 'failed stack deleted');

    // Assess
    expect(h.released).toEqual([{ owner: h.cluster.owner, clusterId: h.cluster.id, instances: 8 }]);
  });

  it('record appends one event at the clock’s time', async () => {
    // Prepare
    const h = harness('READY');

    // Act
    await record(h.deps, h.cluster.id, 'cluster.updated', 'expiresAt cleared', { expiresAt: null });

    // Assess
    expect(h.events).toEqual([{ clusterId: h.cluster.id, at: NOW, type: 'cluster.updated', message: 'expiresAt cleared', details: { expiresAt: null } }]);
  });

  it('loadCluster returns the record, or ClusterMissingError naming the id', async () => {
    // Prepare
    const h = harness('READY');

    // Act / Assess
    expect(await loadCluster(h.store, h.cluster.id)).toBe(h.cluster);
    await expect(loadCluster(h.store, 'c-gone')).rejects.toThrow(new ClusterMissingError('c-gone'));
  });
});

describe('retrying a request that lost a race', () => {
  const stale = () => new StaleClusterError('c-1', 1);

  it('runs again after a lost race and returns the run that got through', async () => {
    // Prepare
    let runs = 0;

    // Act
    const result = await retryOnStale(async () => {
      runs += 1;
      if (runs < 3) throw stale();
      return 'done';
    });

    // Assess
    expect(result).toBe('done');
    expect(runs).toBe(3);
  });

  it('after three lost races: a 409 asking to try again, with the last race as its cause', async () => {
    // Prepare
    let runs = 0;
    const last = stale();

    // Act
    const outcome = retryOnStale(async () => {
      runs += 1;
      throw last;
    });

    // Assess
    await expect(outcome).rejects.toThrow(ConflictError);
    await expect(outcome).rejects.toMatchObject({ message: 'The cluster kept changing while this request was applied; try again.', cause: last });
    expect(runs).toBe(3);
  });

  it('takes another number of attempts when told', async () => {
    // Prepare
    let runs = 0;

    // Act
    await expect(
      retryOnStale(async () => {
        runs += 1;
        throw stale();
      }, 1),
    ).rejects.toThrow(ConflictError);

    // Assess
    expect(runs).toBe(1);
  });

  it('rethrows any other failure at once', async () => {
    // Prepare
    let runs = 0;

    // Act / Assess
    await expect(
      retryOnStale(async () => {
        runs += 1;
        throw new Error('throttled');
      }),
    ).rejects.toThrow('throttled');
    expect(runs).toBe(1);
  });
});

describe('a scheduled run’s walk', () => {
  /** `total` candidates in pages of at most `pageSize`, and every page asked for. */
  function index(total: number, pageSize = 100) {
    const asked: { limit: number; cursor?: string }[] = [];
    const listPage = async (page: { limit: number; cursor?: string }) => {
      asked.push(page);
      const start = Number(page.cursor ?? 0);
      const end = Math.min(total, start + Math.min(page.limit, pageSize));
      const items = Array.from({ length: end - start }, (_, i) => `c-${start + i}`);
      return { items, ...(end < total && { nextCursor: String(end) }) };
    };
    return { listPage, asked };
  }

  it('visits every candidate, page after page, asking for 100 at a time', async () => {
    // Prepare
    const { listPage, asked } = index(250);
    const visited: string[] = [];

    // Act
    const count = await sweep(listPage, 1000, async (c) => void visited.push(c));

    // Assess
    expect(count).toBe(250);
    expect(visited).toHaveLength(250);
    expect(visited[249]).toBe('c-249');
    expect(asked).toEqual([
      { limit: 100, cursor: undefined },
      { limit: 100, cursor: '100' },
      { limit: 100, cursor: '200' },
    ]);
  });

  it('stops at the batch size, asking the last page only for what is left', async () => {
    // Prepare
    const { listPage, asked } = index(500);
    const visited: string[] = [];

    // Act
    const count = await sweep(listPage, 150, async (c) => void visited.push(c));

    // Assess
    expect(count).toBe(150);
    expect(visited.at(-1)).toBe('c-149');
    expect(asked).toEqual([
      { limit: 100, cursor: undefined },
      { limit: 50, cursor: '100' },
    ]);
  });

  it('a batch that ends exactly on a page’s end asks for no further page', async () => {
    // Prepare
    const { listPage, asked } = index(500);

    // Act
    const count = await sweep(listPage, 100, async () => undefined);

    // Assess
    expect(count).toBe(100);
    expect(asked).toHaveLength(1);
  });

  it('an empty index: one question, nothing visited', async () => {
    // Prepare
    const { listPage, asked } = index(0);

    // Act
    const count = await sweep(listPage, 100, async () => undefined);

    // Assess
    expect(count).toBe(0);
    expect(asked).toEqual([{ limit: 100, cursor: undefined }]);
  });

  it('a visit that lost a race is counted as raced; any other failure as failed; neither stops the run', async () => {
    // Prepare
    const summary = { raced: 0, failed: 0 };
    const run = { name: 'reaper', failure: 'reaper could not handle a cluster' };

    // Act
    await visitGuarded(run, 'c-1', summary, async () => {
      throw new StaleClusterError('c-1', 2);
    });
    await visitGuarded(run, 'c-2', summary, async () => {
      throw new Error('throttled');
    });
    await visitGuarded(run, 'c-3', summary, async () => undefined);

    // Assess
    expect(summary).toEqual({ raced: 1, failed: 1 });
  });
});

describe('PATCH /clusters/{id}: the lifecycle fields', () => {
  it('a new expiry must be in the future: now itself is refused, one ms later is taken', () => {
    // Prepare
    const now = new Date(NOW);

    // Act / Assess
    expect(() => assertLifecycleRules({ expiresAt: NOW }, now)).toThrow(ValidationError);
    expect(() => assertLifecycleRules({ expiresAt: NOW }, now)).toThrow('The lifecycle change breaks a rule of this service.');
    expect(() => assertLifecycleRules({ expiresAt: '2026-11-26T12:00:00.001Z' }, now)).not.toThrow();
    expect(() => assertLifecycleRules({ expiresAt: null }, now)).not.toThrow();
    expect(() => assertLifecycleRules({ idleTimeout: 'PT1H' }, now)).not.toThrow();
  });

  it('names the field in the refusal', () => {
    // Act / Assess
    try {
      assertLifecycleRules({ expiresAt: '2026-11-26T11:00:00.000Z' }, new Date(NOW));
      throw new Error('not refused');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors).toEqual([{ field: 'expiresAt', message: 'must be in the future' }]);
    }
  });

  it('applies the changes as activity, stamped now, and describes each on the timeline', async () => {
    // Prepare
    const h = harness('READY');

    // Act
    const updated = await updateClusterLifecycle(
      { store: h.store, clock: h.deps.clock },
      { caller: h.cluster.owner, id: h.cluster.id, changes: { expiresAt: '2026-11-27T00:00:00.000Z', idleTimeout: null, idleAction: 'hibernate' } },
    );

    // Assess
    expect(updated).toMatchObject({ expiresAt: '2026-11-27T00:00:00.000Z', idleTimeout: null, idleAction: 'hibernate', lastActivityAt: NOW, updatedAt: NOW, version: 3 });
    expect(h.writes).toEqual([
      { id: h.cluster.id, changes: { expiresAt: '2026-11-27T00:00:00.000Z', idleTimeout: null, idleAction: 'hibernate', lastActivityAt: NOW, updatedAt: NOW } },
    ]);
    expect(h.events).toEqual([
      {
        clusterId: h.cluster.id,
        at: NOW,
        type: 'cluster.updated',
        message: 'expiresAt set to 2026-11-27T00:00:00.000Z, idleTimeout cleared, idleAction set to hibernate',
        details: { expiresAt: '2026-11-27T00:00:00.000Z', idleTimeout: null, idleAction: 'hibernate' },
      },
    ]);
  });

  it('refuses a past expiry before reading anything', async () => {
    // Prepare
    const h = harness('READY');

    // Act / Assess
    await expect(
      updateClusterLifecycle({ store: h.store, clock: h.deps.clock }, { caller: h.cluster.owner, id: h.cluster.id, changes: { expiresAt: '2026-11-26T11:59:59.999Z' } }),
    ).rejects.toThrow(ValidationError);
    expect(h.writes).toEqual([]);
  });

  it('is a 404 for anyone but the owner, operators included', async () => {
    // Prepare
    const h = harness('READY');

    // Act / Assess
    await expect(updateClusterLifecycle({ store: h.store, clock: h.deps.clock }, { caller: 'bob', id: h.cluster.id, changes: { idleTimeout: 'PT1H' } })).rejects.toThrow(NotFoundError);
    await expect(
      updateClusterLifecycle({ store: h.store, clock: h.deps.clock }, { caller: { principal: 'ops', operator: true }, id: h.cluster.id, changes: { idleTimeout: 'PT1H' } }),
    ).rejects.toThrow(NotFoundError);
    expect(h.writes).toEqual([]);
  });

  it.each(['DELETING', 'DELETED'] as const)('is a 409 for a %s cluster', async (status) => {
    // Prepare
    const h = harness(status);

    // Act / Assess
    await expect(updateClusterLifecycle({ store: h.store, clock: h.deps.clock }, { caller: h.cluster.owner, id: h.cluster.id, changes: { idleTimeout: 'PT1H' } })).rejects.toThrow(
      `The cluster is ${status}.`,
    );
    expect(h.writes).toEqual([]);
  });

  it('reads again and retries when the record moved on between its read and its write', async () => {
    // Prepare: the first read returns a version another writer has since replaced.
    const h = harness('READY');
    await h.store.update(h.cluster, { lastActivityAt: NOW });
    let reads = 0;
    const store = { ...h.store, get: async (id: string) => (++reads === 1 ? h.cluster : h.store.get(id)) };

    // Act
    const updated = await updateClusterLifecycle({ store, clock: h.deps.clock }, { caller: h.cluster.owner, id: h.cluster.id, changes: { idleTimeout: 'PT2H' } });

    // Assess
    expect(reads).toBe(2);
    expect(updated).toMatchObject({ idleTimeout: 'PT2H', version: 4 });
    expect(h.events.map((e) => e.message)).toEqual(['idleTimeout set to PT2H']);
  });
});
