import { createProgress, nextPoll, type PollPolicy, type PollState, type StackProgress } from '../domain/stack';
import { loadCluster, record } from './lifecycle';
import type { Clock, ClusterStore, StackReader } from './ports';

export interface CheckStackDeps {
  store: ClusterStore;
  stacks: StackReader;
  clock: Clock;
  poll: PollPolicy;
}

export interface CheckStackInput {
  clusterId: string;
  stackId: string;
  poll: PollState;
  lastStatus?: string;
}

export interface CheckStackResult {
  stackId: string;
  progress: StackProgress;
  lastStatus: string;
  poll: PollState;
  /** True when the poll budget is spent and the stack is still in progress. */
  exhausted: boolean;
}

/**
 * Primary course:
 * 1. Read the stack's status (a stack that no longer exists reads as deleted).
 * 2. Put a status change on the cluster's timeline, once per change.
 * 3. Compute the next, longer, poll interval and whether the poll budget is spent.
 */
export async function checkStackCreation(deps: CheckStackDeps, input: CheckStackInput): Promise<CheckStackResult> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  const stack = await deps.stacks.describeStack(cluster.region, input.stackId);
  const status = stack?.status ?? 'DELETE_COMPLETE';
  if (status !== input.lastStatus) {
    await record(deps, cluster.id, 'stack.status_changed', `stack ${status}`, { stackStatus: status, reason: stack?.statusReason });
  }
  const progress = createProgress(stack?.status);
  const poll = nextPoll(input.poll, deps.poll);
  return { stackId: input.stackId, progress, lastStatus: status, poll: { attempt: poll.attempt, waitSeconds: poll.waitSeconds }, exhausted: progress === 'in_progress' && poll.exhausted };
}
