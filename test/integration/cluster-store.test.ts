import { buildIdempotentRunner } from '../../src/adapters/dynamodb/idempotency';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ConflictError, IllegalTransitionError, StaleClusterError, ValidationError, BadRequestError } from '../../src/domain/errors';
import { transition } from '../../src/use-cases/lifecycle';
import { lambdaContext } from '../../sandbox/http-api';
import { aCluster } from '../support/clusters';
import { fixedClock, startTestDynamoDB } from '../support/dynamodb';
import { fakeFollowUps, fakeQuotas } from '../support/fakes';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

describe('cluster store on the embedded DynamoDB', () => {
  it('writes a cluster once and reads it back', async () => {
    const cluster = aCluster();
    await db.store.create(cluster);
    await expect(db.store.create(cluster)).rejects.toBeInstanceOf(ConflictError);
    await expect(db.store.get(cluster.id)).resolves.toEqual(cluster);
  });

  it('lets only one of two writers holding the same version win', async () => {
    const cluster = aCluster();
    await db.store.create(cluster);
    const results = await Promise.allSettled([
      db.store.update(cluster, { status: 'READY', statusReason: 'one' }),
      db.store.update(cluster, { status: 'FAILED', statusReason: 'two' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(StaleClusterError);
    expect((await db.store.get(cluster.id))?.version).toBe(2);
  });

  it('pages through an owner’s clusters newest first with an opaque cursor, and filters by status from the index', async () => {
    const owner = 'paging-owner';
    const clusters = Array.from({ length: 5 }, (_, i) => aCluster({ owner, requestedAt: `2026-11-26T10:00:0${i}.000Z` }));
    for (const cluster of clusters) await db.store.create(cluster);
    await db.store.update(clusters[0]!, { status: 'READY', statusReason: 'ok' });

    const first = await db.store.listByOwner(owner, { limit: 2 });
    const second = await db.store.listByOwner(owner, { limit: 2, cursor: first.nextCursor });
    const third = await db.store.listByOwner(owner, { limit: 2, cursor: second.nextCursor });
    const ids = [...first.items, ...second.items, ...third.items].map((c) => c.id);
    expect(ids).toEqual([...clusters].reverse().map((c) => c.id));

    const ready = await db.store.listByOwner(owner, { status: 'READY', limit: 10 });
    expect(ready.items.map((c) => c.id)).toEqual([clusters[0]!.id]);
    const creating = await db.store.listByOwner(owner, { status: 'CREATING', limit: 10 });
    expect(creating.items).toHaveLength(4);
  });

  it('refuses a cursor issued for another owner', async () => {
    const mine = aCluster({ owner: 'cursor-a' });
    await db.store.create(mine);
    await db.store.create(aCluster({ owner: 'cursor-a' }));
    const page = await db.store.listByOwner('cursor-a', { limit: 1 });
    expect(page.nextCursor).toBeDefined();
    await expect(db.store.listByOwner('cursor-b', { limit: 1, cursor: page.nextCursor })).rejects.toBeInstanceOf(BadRequestError);
    await expect(db.store.listByOwner('cursor-a', { limit: 1, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(BadRequestError);
  });

  it('keeps the timeline in order under the cluster', async () => {
    const cluster = aCluster();
    await db.store.create(cluster);
    await db.store.appendEvent({ clusterId: cluster.id, at: '2026-11-26T12:00:01.000Z', type: 'cluster.requested', message: 'one' });
    await db.store.appendEvent({ clusterId: cluster.id, at: '2026-11-26T12:00:02.000Z', type: 'workflow.started', message: 'two' });
    const page = await db.store.listEvents(cluster.id, { limit: 10 });
    expect(page.items.map((e) => e.message)).toEqual(['one', 'two']);
  });

  it('keeps the sparse indexes in step with the record: null removes a field, a status change moves the cluster', async () => {
    const owner = 'sparse-owner';
    const cluster = aCluster({ owner, status: 'READY', readyAt: '2026-11-26T12:00:00.000Z', lastActivityAt: '2026-11-26T12:00:00.000Z', idleTimeout: 'PT1M' });
    await db.store.create(cluster);
    const reapable = async () => (await db.store.listReapable({ until: '2026-11-26T13:00:00.000Z', limit: 100 })).items.filter((c) => c.id === cluster.id);
    const idle = async () => (await db.store.listIdleByOwner(owner, { idleSince: '2026-11-26T13:00:00.000Z', limit: 10 })).items;

    expect(await reapable()).toHaveLength(1);
    expect((await reapable())[0]!.autoDeleteAt).toBe('2026-11-26T12:01:00.000Z');
    const cleared = await db.store.update(cluster, { idleTimeout: null });
    expect(cleared.idleTimeout).toBeUndefined();
    expect(cleared.autoDeleteAt).toBeUndefined();
    expect(await reapable()).toEqual([]);
    expect(await idle()).toHaveLength(1);

    const deleting = await db.store.update(cleared, { status: 'DELETING', statusReason: 'x', expiresAt: '2026-11-26T12:30:00.000Z' });
    expect(await reapable()).toEqual([]);
    expect(await idle()).toEqual([]);
    expect(Object.keys(deleting).filter((key) => key.startsWith('gsi'))).toEqual([]);
  });

  it('discards only a record still at its first version', async () => {
    const untouched = aCluster();
    await db.store.create(untouched);
    const moved = aCluster();
    await db.store.create(moved);
    const written = await db.store.update(moved, { statusReason: 'creating the CloudFormation stack' });

    await db.store.discard(untouched.id, 1);
    // DeleteItem's failed condition is DynamoDB's ConditionalCheckFailedException, passed on as it is.
    await expect(db.store.discard(moved.id, 1)).rejects.toBeInstanceOf(ConditionalCheckFailedException);

    await expect(db.store.get(untouched.id)).resolves.toBeUndefined();
    await expect(db.store.get(moved.id)).resolves.toEqual(written);
  });
});

describe('status changes through the store (lifecycle.ts transition on the embedded DynamoDB)', () => {
  const deps = () => ({ store: db.store, clock: fixedClock(), quotas: fakeQuotas().quotas, followUps: fakeFollowUps().followUps });
  const change = { type: 'cluster.ready' as const };

  it('writes an allowed change and bumps the version', async () => {
    const cluster = aCluster({ status: 'CREATING' });
    await db.store.create(cluster);

    const ready = await transition(deps(), cluster, 'READY', { statusReason: 'stack CREATE_COMPLETE' }, change);

    expect(ready).toMatchObject({ status: 'READY', version: 2 });
    await expect(db.store.get(cluster.id)).resolves.toMatchObject({ status: 'READY', version: 2 });
  });

  it('refuses an illegal pair before any write: the record keeps its status and version', async () => {
    const cluster = aCluster({ status: 'DELETING' });
    await db.store.create(cluster);

    await expect(transition(deps(), cluster, 'READY', { statusReason: 'stack CREATE_COMPLETE' }, change)).rejects.toThrow(new IllegalTransitionError('DELETING', 'READY'));

    await expect(db.store.get(cluster.id)).resolves.toEqual(cluster);
    expect((await db.store.listEvents(cluster.id, { limit: 10 })).items).toEqual([]);
  });

  it('refuses an allowed pair from a copy that is no longer the record (the conditional write on version)', async () => {
    // CREATING → READY is allowed, but the record went DELETING after this copy was read: the write must not land.
    const read = aCluster({ status: 'CREATING' });
    await db.store.create(read);
    const deleting = await transition(deps(), read, 'DELETING', { statusReason: 'delete requested by the owner' }, { type: 'cluster.delete_requested' });

    await expect(transition(deps(), read, 'READY', { statusReason: 'stack CREATE_COMPLETE' }, change)).rejects.toThrow(new StaleClusterError(read.id, 1));

    await expect(db.store.get(read.id)).resolves.toMatchObject({ status: 'DELETING', version: deleting.version });
  });
});

describe('Idempotency-Key runner on the embedded DynamoDB', () => {
  const runner = () => buildIdempotentRunner(db.client, 'idempotency', 3600);
  const scope = (key: string, fingerprint: unknown) => ({ owner: 'alice', idempotencyKey: key, fingerprint });

  it('replays the first answer for the same key and body, without running the work again', async () => {
    const run = runner();
    let calls = 0;
    const work = async () => ({ n: ++calls });
    const first = await run(scope('k1', { name: 'demo' }), lambdaContext('test'), work);
    const second = await run(scope('k1', { name: 'demo' }), lambdaContext('test'), work);
    expect(second).toEqual(first);
    expect(calls).toBe(1);
  });

  it('refuses the same key with a different body (422)', async () => {
    const run = runner();
    await run(scope('k2', { name: 'demo' }), lambdaContext('test'), async () => 'ok');
    await expect(run(scope('k2', { name: 'other' }), lambdaContext('test'), async () => 'ok')).rejects.toBeInstanceOf(ValidationError);
  });

  it('scopes keys to the owner', async () => {
    const run = runner();
    const a = await run({ owner: 'a', idempotencyKey: 'shared', fingerprint: 1 }, lambdaContext('test'), async () => 'a');
    const b = await run({ owner: 'b', idempotencyKey: 'shared', fingerprint: 1 }, lambdaContext('test'), async () => 'b');
    expect([a, b]).toEqual(['a', 'b']);
  });

  it('runs the work once for ten concurrent requests; the others get 409 or the replay', async () => {
    const run = runner();
    let calls = 0;
    const work = async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return 'created';
    };
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => run(scope('k3', { name: 'demo' }), lambdaContext('test'), work)));
    expect(calls).toBe(1);
    for (const result of results) {
      if (result.status === 'fulfilled') expect(result.value).toBe('created');
      else expect(result.reason).toBeInstanceOf(ConflictError);
    }
  });

  it('frees the key when the work fails, so a corrected retry can run', async () => {
    const run = runner();
    await expect(run(scope('k4', 1), lambdaContext('test'), async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(run(scope('k4', 1), lambdaContext('test'), async () => 'second')).resolves.toBe('second');
  });
});
