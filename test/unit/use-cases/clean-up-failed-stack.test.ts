/**
 * The clean-up of a failed create's stack (clean-up-failed-stack.ts): the wait it opens, the DeleteStack and its
 * token, how it settles (the timeline, the quota share of a FAILED cluster), and its safety net's one look.
 * In-memory store, fixed clock, a fake stack gateway and quota ledger that record their calls.
 */
import type { ClusterStatus } from '../../../src/domain/cluster';
import { ClusterMissingError } from '../../../src/domain/errors';
import { checkStackDeletion, CLEANUP_WAIT, deleteFailedStack, settleCleanup } from '../../../src/use-cases/clean-up-failed-stack';
import { aCluster } from '../../support/clusters';
import { fixedClock } from '../../support/dynamodb';
import { fakeQuotas, fakeStacks } from '../../support/fakes';
import { memoryStore } from '../../support/memory-store';

const NOW = '2026-11-26T12:50:00.000Z';
const NOW_MS = Date.parse(NOW);

function harness(options: { status?: ClusterStatus; stackStatus?: string; stackWait?: { key: string } } = {}) {
  const cluster = aCluster({
    status: options.status ?? 'FAILED',
    region: 'eu-west-1',
    version: 6,
    ...(options.stackWait && { stackWait: { key: options.stackWait.key, target: 'cleanup' as const, since: '2026-11-26T12:45:00.000Z', round: 0 } }),
  });
  const { store, writes, events } = memoryStore(cluster);
  const stacks = fakeStacks(options.stackStatus ? [{ stackId: 'stack-1', status: options.stackStatus }] : []);
  const quotas = fakeQuotas();
  const deps = { store, stacks: stacks.gateway, clock: fixedClock(NOW), quotas: quotas.quotas };
  return { cluster, deps, writes, events, deletes: stacks.deletes, released: quotas.released };
}

describe('deleting a failed create’s stack', () => {
  it('opens the clean-up wait, asks for the delete with a token of the cluster, and tells the timeline', async () => {
    // Prepare
    const h = harness({ stackStatus: 'ROLLBACK_COMPLETE' });

    // Act
    const result = await deleteFailedStack(h.deps, { clusterId: h.cluster.id, stackId: 'stack-1' });

    // Assess
    expect(CLEANUP_WAIT).toBe('cleanup');
    expect(result).toEqual({ wait: { key: 'cleanup' } });
    expect(h.writes).toEqual([{ id: h.cluster.id, changes: { stackWait: { key: 'cleanup', target: 'cleanup', since: NOW, round: 0 }, updatedAt: NOW } }]);
    expect(h.deletes).toEqual([{ stack: 'stack-1', token: `cleanup-${h.cluster.id}` }]);
    expect(h.events).toEqual([{ clusterId: h.cluster.id, at: NOW, type: 'stack.delete_requested', message: 'deleting the failed stack', details: { stackId: 'stack-1' } }]);
  });

  it('a retried step finds its wait open: no second write, the same delete asked again (same token)', async () => {
    // Prepare
    const h = harness({ stackStatus: 'ROLLBACK_COMPLETE', stackWait: { key: 'cleanup' } });

    // Act
    await deleteFailedStack(h.deps, { clusterId: h.cluster.id, stackId: 'stack-1' });

    // Assess
    expect(h.writes).toEqual([]);
    expect(h.deletes).toEqual([{ stack: 'stack-1', token: `cleanup-${h.cluster.id}` }]);
  });

  it('replaces a wait of another step (the create’s) with the clean-up’s', async () => {
    // Prepare
    const h = harness({ stackStatus: 'ROLLBACK_COMPLETE', stackWait: { key: 'create-1' } });

    // Act
    await deleteFailedStack(h.deps, { clusterId: h.cluster.id, stackId: 'stack-1' });

    // Assess
    expect(h.writes.map((w) => w.changes.stackWait)).toEqual([{ key: 'cleanup', target: 'cleanup', since: NOW, round: 0 }]);
  });

  it('refuses a cluster that does not exist, asking nothing of CloudFormation', async () => {
    // Prepare
    const h = harness();

    // Act / Assess
    await expect(deleteFailedStack(h.deps, { clusterId: 'c-missing', stackId: 'stack-1' })).rejects.toThrow(ClusterMissingError);
    expect(h.deletes).toEqual([]);
  });
});

describe('settling a clean-up', () => {
  it('a deleted stack: on the timeline, and a FAILED cluster’s quota share goes back', async () => {
    // Prepare
    const h = harness();

    // Act
    const result = await settleCleanup(h.deps, { clusterId: h.cluster.id, status: 'DELETE_COMPLETE' });

    // Assess
    expect(result).toEqual({ deleted: true, stackStatus: 'DELETE_COMPLETE', settled: true });
    expect(h.events).toEqual([{ clusterId: h.cluster.id, at: NOW, type: 'stack.status_changed', message: 'failed stack deleted', details: { stackStatus: 'DELETE_COMPLETE' } }]);
    expect(h.released).toEqual([{ owner: h.cluster.owner, clusterId: h.cluster.id, instances: 8 }]);
  });

  it('a stack that would not go: says a delete request will retry it, and keeps the quota share', async () => {
    // Prepare
    const h = harness();

    // Act
    const result = await settleCleanup(h.deps, { clusterId: h.cluster.id, status: 'DELETE_FAILED' });

    // Assess
    expect(result).toEqual({ deleted: false, stackStatus: 'DELETE_FAILED', settled: true });
    expect(h.events.map((e) => e.message)).toEqual(['failed stack not deleted (DELETE_FAILED); it will be retried by a delete request']);
    expect(h.released).toEqual([]);
  });

  it('a cluster no longer FAILED (a delete took over) keeps its share for that delete to give back', async () => {
    // Prepare
    const h = harness({ status: 'DELETING' });

    // Act
    await settleCleanup(h.deps, { clusterId: h.cluster.id, status: 'DELETE_COMPLETE' });

    // Assess
    expect(h.released).toEqual([]);
    expect(h.events.map((e) => e.message)).toEqual(['failed stack deleted']);
  });
});

describe('the clean-up’s safety net', () => {
  it('a stack gone from CloudFormation counts as deleted and settles the clean-up', async () => {
    // Prepare
    const h = harness();

    // Act
    const result = await checkStackDeletion(h.deps, { clusterId: h.cluster.id, stackId: 'stack-1' });

    // Assess
    expect(result).toEqual({ deleted: true, stackStatus: 'DELETE_COMPLETE', settled: true });
    expect(h.deletes).toEqual([]);
    expect(h.released).toHaveLength(1);
  });

  it('a stack whose delete failed settles as not deleted', async () => {
    // Prepare
    const h = harness({ stackStatus: 'DELETE_FAILED' });

    // Act
    const result = await checkStackDeletion(h.deps, { clusterId: h.cluster.id, stackId: 'stack-1' });

    // Assess
    expect(result).toEqual({ deleted: false, stackStatus: 'DELETE_FAILED', settled: true });
    expect(h.deletes).toEqual([]);
    expect(h.released).toEqual([]);
  });

  it('a stack still deleting: waits again, asks nothing', async () => {
    // Prepare
    const h = harness({ stackStatus: 'DELETE_IN_PROGRESS' });

    // Act
    const result = await checkStackDeletion(h.deps, { clusterId: h.cluster.id, stackId: 'stack-1' });

    // Assess
    expect(result).toEqual({ deleted: false, stackStatus: 'DELETE_IN_PROGRESS', settled: false });
    expect(h.deletes).toEqual([]);
    expect(h.events).toEqual([]);
  });

  it('a stack not deleting (the delete arrived while it was busy): asks again with a fresh token, then waits', async () => {
    // Prepare
    const h = harness({ stackStatus: 'ROLLBACK_COMPLETE' });

    // Act
    const result = await checkStackDeletion(h.deps, { clusterId: h.cluster.id, stackId: 'stack-1' });

    // Assess
    expect(result).toEqual({ deleted: false, stackStatus: 'ROLLBACK_COMPLETE', settled: false });
    expect(h.deletes).toEqual([{ stack: 'stack-1', token: `cleanup-${h.cluster.id}-${NOW_MS}` }]);
    expect(h.events).toEqual([]);
  });
});
