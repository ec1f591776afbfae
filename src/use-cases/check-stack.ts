import { createProgress } from '../domain/stack';
import { waitOutcome, type WaitOutcome } from '../domain/stack-wait';
import { loadCluster, record } from './lifecycle';
import type { Clock, ClusterStore, StackReader, StackWaits } from './ports';

export interface CheckStackDeps {
  store: ClusterStore;
  stacks: StackReader;
  waits: StackWaits;
  clock: Clock;
}

export interface CheckStackInput {
  clusterId: string;
  stackId: string;
  /** The wait the check stands in for. */
  key: string;
}

/**
 * The create's safety net, entered only when its wait timed out (no event for a heartbeat, or the round's time
 * spent): one look at the stack.
 * Primary course:
 * 1. Read the stack's status (a stack that no longer exists reads as deleted).
 * 2. A final status is recorded on the wait as an event would be (so a late event of it finds the wait settled and
 *    changes nothing) and put on the timeline.
 * 3. Answer the way the wait would have; an unsettled stack sends the workflow back to waiting.
 */
export async function checkStackCreation(deps: CheckStackDeps, input: CheckStackInput): Promise<WaitOutcome> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  const stack = await deps.stacks.describeStack(cluster.region, input.stackId);
  const status = stack?.status ?? 'DELETE_COMPLETE';
  if (createProgress(stack?.status) !== 'in_progress') {
    const recorded = await deps.waits.recordStatus(cluster.id, { status, reason: stack?.statusReason, time: deps.clock.now().toISOString(), key: input.key });
    if (recorded) await record(deps, cluster.id, 'stack.status_changed', `stack ${status} (seen by the safety net)`, { stackStatus: status, reason: stack?.statusReason });
  }
  return waitOutcome('create', status, stack?.statusReason);
}
