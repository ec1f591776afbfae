import { deletionProgress } from '../domain/stack';
import { openWait, type WaitTicket } from '../domain/stack-wait';
import { loadCluster, record, releaseQuota } from './lifecycle';
import type { Clock, ClusterStore, QuotaLedger, StackGateway } from './ports';

export interface CleanUpDeps {
  store: ClusterStore;
  stacks: StackGateway;
  clock: Clock;
  quotas: QuotaLedger;
}

/** The clean-up's wait key: one clean-up per failed create. */
export const CLEANUP_WAIT = 'cleanup';

/**
 * A failed create leaves a ROLLBACK_COMPLETE stack behind (it holds no instances, but it holds the name).
 * Primary course: 1. Open the clean-up's wait. 2. DeleteStack with a ClientRequestToken. 3. Tell the timeline.
 */
export async function deleteFailedStack(deps: CleanUpDeps, input: { clusterId: string; stackId: string }): Promise<{ wait: WaitTicket }> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  if (cluster.stackWait?.key !== CLEANUP_WAIT) {
    await deps.store.update(cluster, { stackWait: openWait(CLEANUP_WAIT, 'cleanup', deps.clock.now()), updatedAt: deps.clock.now().toISOString() });
  }
  await deps.stacks.deleteStack(cluster.region, input.stackId, `cleanup-${cluster.id}`);
  await record(deps, cluster.id, 'stack.delete_requested', 'deleting the failed stack', { stackId: input.stackId });
  return { wait: { key: CLEANUP_WAIT } };
}

export interface StackDeletionCheck {
  deleted: boolean;
  stackStatus: string;
  /** Stop waiting: the stack is gone, or its delete failed. */
  settled: boolean;
}

/**
 * How a clean-up ended, from its final status (the event's, or the safety net's look): on the timeline, and a deleted
 * stack gives a FAILED cluster's quota share back (a stack that would not go keeps it).
 */
export async function settleCleanup(deps: Omit<CleanUpDeps, 'stacks'>, input: { clusterId: string; status: string }): Promise<StackDeletionCheck> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  const deleted = input.status === 'DELETE_COMPLETE';
  const message = deleted ? 'failed stack deleted' : `failed stack not deleted (${input.status}); it will be retried by a delete request`;
  await record(deps, cluster.id, 'stack.status_changed', message, { stackStatus: input.status });
  if (deleted && cluster.status === 'FAILED') await releaseQuota(deps, cluster, 'failed stack deleted');
  return { deleted, stackStatus: input.status, settled: true };
}

/**
 * The clean-up's safety net, entered only when its wait timed out: one look at the stack being deleted.
 * DELETE_COMPLETE and "does not exist" both count as deleted. A stack that is not deleting yet (the DeleteStack
 * arrived while CloudFormation was busy with it) is asked again, with a fresh token (CloudFormation ignores a token
 * it has seen); the workflow then waits again.
 */
export async function checkStackDeletion(deps: CleanUpDeps, input: { clusterId: string; stackId: string }): Promise<StackDeletionCheck> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  const stack = await deps.stacks.describeStack(cluster.region, input.stackId);
  const stackStatus = stack?.status ?? 'DELETE_COMPLETE';
  const progress = deletionProgress(stack?.status);
  if (progress === 'stalled') {
    await deps.stacks.deleteStack(cluster.region, input.stackId, `cleanup-${cluster.id}-${deps.clock.now().getTime()}`);
  }
  if (progress === 'deleted' || progress === 'failed') return settleCleanup(deps, { clusterId: cluster.id, status: stackStatus });
  return { deleted: false, stackStatus, settled: false };
}
