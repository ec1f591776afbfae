import { deletionProgress, nextPoll, type PollPolicy, type PollState } from '../domain/stack';
import { loadCluster, record, releaseQuota } from './lifecycle';
import type { Clock, ClusterStore, QuotaLedger, StackGateway } from './ports';

export interface CleanUpDeps {
  store: ClusterStore;
  stacks: StackGateway;
  clock: Clock;
  poll: PollPolicy;
  quotas: QuotaLedger;
}

/**
 * A failed create leaves a ROLLBACK_COMPLETE stack behind (it holds no instances, but it holds the name).
 * Primary course: 1. DeleteStack with a ClientRequestToken. 2. Tell the timeline.
 */
export async function deleteFailedStack(deps: CleanUpDeps, input: { clusterId: string; stackId: string }): Promise<{ poll: PollState }> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  await deps.stacks.deleteStack(cluster.region, input.stackId, `cleanup-${cluster.id}`);
  await record(deps, cluster.id, 'stack.delete_requested', 'deleting the failed stack', { stackId: input.stackId });
  return { poll: nextPoll(undefined, deps.poll) };
}

export interface StackDeletionCheck {
  deleted: boolean;
  stackStatus: string;
  poll: PollState;
  /** Stop waiting: the stack is gone, its delete failed, or the poll budget is spent. */
  settled: boolean;
}

/**
 * One look at a stack being deleted: DELETE_COMPLETE and "does not exist" both count as deleted, and a deleted
 * stack gives the cluster's quota share back. A stack that is not deleting yet (the DeleteStack arrived while
 * CloudFormation was busy with it) is asked again, with a fresh token (CloudFormation ignores a token it has seen).
 */
export async function checkStackDeletion(deps: CleanUpDeps, input: { clusterId: string; stackId: string; poll: PollState }): Promise<StackDeletionCheck> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  const stack = await deps.stacks.describeStack(cluster.region, input.stackId);
  const stackStatus = stack?.status ?? 'DELETE_COMPLETE';
  if (deletionProgress(stack?.status) === 'stalled') {
    await deps.stacks.deleteStack(cluster.region, input.stackId, `cleanup-${cluster.id}-${input.poll.attempt}`);
  }
  const deleted = stack === undefined;
  const poll = nextPoll(input.poll, deps.poll);
  const settled = deleted || stackStatus === 'DELETE_FAILED' || poll.exhausted;
  if (settled) {
    const message = deleted ? 'failed stack deleted' : `failed stack not deleted (${stackStatus}); it will be retried by a delete request`;
    await record(deps, cluster.id, 'stack.status_changed', message, { stackStatus });
  }
  // The failed cluster holds nothing any more: its quota share goes back (a stack that would not go keeps it).
  if (deleted && cluster.status === 'FAILED') await releaseQuota(deps, cluster, 'failed stack deleted');
  return { deleted, stackStatus, poll: { attempt: poll.attempt, waitSeconds: poll.waitSeconds }, settled };
}
