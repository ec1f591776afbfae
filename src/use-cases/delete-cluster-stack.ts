/**
 * The stack half of the delete workflow (statemachines/delete-cluster.asl.json): DeleteStack, wait for it to be
 * gone, and read why when it is not.
 */
import type { Cluster } from '../domain/cluster';
import { deleteBlockersOf, deletionProgress, describeBlockers, type DeletionProgress } from '../domain/stack';
import { openWait, waitOutcome, type WaitOutcome, type WaitTicket } from '../domain/stack-wait';
import { logger } from '../logger';
import { loadCluster, record } from './lifecycle';
import type { Clock, ClusterStore, StackGateway, StackReader, StackUpdates, StackWaits } from './ports';

export interface DeleteStackDeps {
  store: ClusterStore;
  stacks: StackGateway;
  waits: StackWaits;
  clock: Clock;
  /** DeleteStack attempts per delete request before the cluster is DELETE_FAILED. */
  maxAttempts: number;
  /** The pause before the second attempt; doubled per attempt, at most 60 s. */
  retryPauseSeconds: number;
}

/**
 * How long after the create workflow claimed the stack name a stack may still appear. The claim is written just
 * before CreateStack, in a step whose Lambda and Task both time out after 60 s; a CreateStack sent then lands well
 * within twice that. A delete that finds no stack under the name waits this long before it believes there is none.
 */
export const STACK_APPEARANCE_GRACE_MS = 120_000;

const MAX_RETRY_PAUSE_SECONDS = 60;

export interface StackRemoval {
  /** Null when the cluster has no stack (never made, or not visible yet); a state machine path needs a value. */
  stackId: string | null;
  progress: Exclude<DeletionProgress, 'stalled'>;
  /** The wait this attempt opened. */
  wait: WaitTicket;
}

/**
 * The stack is mid-update (a delete during an update): CloudFormation refuses DeleteStack until the update or its
 * rollback has ended, so the workflow waits for that (an `update` wait) and then removes the stack.
 */
export interface StackSettling {
  stackId: string;
  progress: 'settling';
  wait: WaitTicket;
}

export type RemoveStackResult = ({ proceed: true } & (StackRemoval | StackSettling)) | { proceed: false; status: string };

/** One wait per delete request and attempt. */
export const deleteWaitKey = (cluster: Cluster, attempt: number) => `delete-${cluster.deleteRequests ?? 1}-${attempt}`;

/** Fresh per delete request and per attempt: CloudFormation ignores a DeleteStack whose token it has seen before. */
function deleteToken(cluster: Cluster, attempt: number, suffix = ''): string {
  return `delete-${cluster.id}-${cluster.deleteRequests ?? 1}-${attempt}${suffix}`;
}

/**
 * The cluster's stack: the recorded id, else whatever stack carries the deterministic name (a create cancelled
 * before it recorded the id), remembered on the record once found.
 */
async function findStack(deps: DeleteStackDeps, cluster: Cluster, attempt = 1): Promise<{ cluster: Cluster; stackId?: string; status?: string }> {
  // The record already knows the stack stands: the cluster was READY (its stack CREATE_COMPLETE, never failed), or an
  // earlier attempt of this request saw it DELETE_FAILED. DeleteStack needs no look first.
  // A cluster that was ever changed (`update`) may have its stack mid-update: that needs a look.
  if (cluster.stackId && (attempt > 1 || (cluster.readyAt && !cluster.failedAt && !cluster.deleteFailedAt && !cluster.update))) {
    return { cluster, stackId: cluster.stackId, status: attempt > 1 ? 'DELETE_FAILED' : 'CREATE_COMPLETE' };
  }
  if (cluster.stackId) {
    const stack = await deps.stacks.describeStack(cluster.region, cluster.stackId);
    return { cluster, stackId: cluster.stackId, status: stack?.status ?? 'DELETE_COMPLETE' };
  }
  const stack = await deps.stacks.describeStack(cluster.region, cluster.stackName);
  if (!stack) return { cluster };
  const updated = await deps.store.update(cluster, { stackId: stack.stackId, updatedAt: deps.clock.now().toISOString() });
  await record(deps, cluster.id, 'stack.status_changed', `stack ${stack.status} found under the cluster's name`, { stackId: stack.stackId, stackStatus: stack.status });
  return { cluster: updated, stackId: stack.stackId, status: stack.status };
}

/** No stack under the name: gone for good, unless a create may still be about to make one. */
function absence(deps: DeleteStackDeps, cluster: Cluster): 'deleted' | 'in_progress' {
  if (!cluster.stackRequestedAt) return 'deleted';
  const waited = deps.clock.now().getTime() - Date.parse(cluster.stackRequestedAt);
  return waited < STACK_APPEARANCE_GRACE_MS ? 'in_progress' : 'deleted';
}

/**
 * Primary course:
 * 1. Load the cluster; only a DELETING cluster has its stack deleted (a duplicate execution finds it settled).
 * 2. Find its stack (recorded id, else the deterministic name).
 * 3. Open this attempt's wait (before DeleteStack: every event of the delete finds it), then DeleteStack with a
 *    token fresh for this request and attempt; a stack that no longer exists is deleted already.
 * 4. Show the stage: status reason "waiting for stack deletion", and the timeline.
 */
export async function removeStack(
  deps: DeleteStackDeps & { stackUpdates: Pick<StackUpdates, 'cancelUpdateStack'> },
  input: { clusterId: string; attempt: number },
): Promise<RemoveStackResult> {
  const loaded = await loadCluster(deps.store, input.clusterId);
  if (loaded.status !== 'DELETING') return { proceed: false, status: loaded.status };

  const found = await findStack(deps, loaded, input.attempt);
  const { stackId, status } = found;
  if (stackId && status && isMidUpdate(status)) return settleUpdate(deps, found.cluster, stackId, status, input.attempt);
  const key = deleteWaitKey(found.cluster, input.attempt);
  const wait = { key };
  if (stackId ? status === 'DELETE_COMPLETE' : absence(deps, found.cluster) === 'deleted') {
    await record(deps, found.cluster.id, 'stack.delete_requested', 'no stack to delete', { stackName: found.cluster.stackName });
    return { proceed: true, stackId: stackId ?? null, progress: 'deleted', wait };
  }
  const reason = input.attempt > 1 ? `waiting for stack deletion (attempt ${input.attempt} of ${deps.maxAttempts})` : 'waiting for stack deletion';
  // A stack that is not visible yet (a cancelled create may still be making it) is waited for too: the safety net's
  // check looks for it by name and deletes it when it appears.
  const cluster = found.cluster.stackWait?.key === key
    ? found.cluster
    : await deps.store.update(found.cluster, { stackWait: openWait(key, 'delete', deps.clock.now()), statusReason: reason, updatedAt: deps.clock.now().toISOString() });
  if (!stackId) {
    await record(deps, cluster.id, 'stack.delete_requested', 'waiting for the stack the create may still be making', { stackName: cluster.stackName });
    return { proceed: true, stackId: null, progress: 'in_progress', wait };
  }

  await deps.stacks.deleteStack(cluster.region, stackId, deleteToken(cluster, input.attempt));
  await record(deps, cluster.id, 'stack.delete_requested', reason, { stackId, attempt: input.attempt });
  return { proceed: true, stackId, progress: 'in_progress', wait };
}

/** An update or its rollback still running: UPDATE_IN_PROGRESS, UPDATE_ROLLBACK_IN_PROGRESS and their cleanups. */
const isMidUpdate = (status: string) => status.startsWith('UPDATE_') && status.endsWith('_IN_PROGRESS');

/**
 * A delete during an update: CloudFormation answers DeleteStack with "cannot be deleted while in status
 * UPDATE_IN_PROGRESS" (the simulated cloud does the same). An update still running is cancelled (CancelUpdateStack:
 * it rolls back, https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CancelUpdateStack.html); a
 * rollback or cleanup already running is left to end. Either way the workflow waits, on an `update` wait opened
 * before the cancel, for the stack's UPDATE_ROLLBACK_COMPLETE (or UPDATE_COMPLETE, when the update ended first), then
 * comes back here and deletes it. On a lost event the wait's heartbeat brings it back here all the same: this step
 * looks at the stack again.
 */
async function settleUpdate(
  deps: DeleteStackDeps & { stackUpdates: Pick<StackUpdates, 'cancelUpdateStack'> },
  cluster: Cluster,
  stackId: string,
  status: string,
  attempt: number,
): Promise<RemoveStackResult> {
  const key = `${deleteWaitKey(cluster, attempt)}-settle`;
  const opened =
    cluster.stackWait?.key === key && !cluster.stackWait.status
      ? cluster
      : await deps.store.update(cluster, {
          stackWait: openWait(key, 'update', deps.clock.now()),
          statusReason: 'waiting for the stack update to stop before deleting it',
          updatedAt: deps.clock.now().toISOString(),
        });
  if (status === 'UPDATE_IN_PROGRESS') {
    const cancelled = await deps.stackUpdates.cancelUpdateStack(opened.region, stackId, `${deleteToken(opened, attempt)}-cancel`);
    if (cancelled) await record(deps, opened.id, 'stack.status_changed', 'stack update cancelled: it rolls back, then the stack is deleted', { stackId, stackStatus: status });
  } else {
    await record(deps, opened.id, 'stack.status_changed', `stack ${status}: waiting for it to end before deleting the stack`, { stackId, stackStatus: status });
  }
  // The update may have ended between the first look and the wait's opening (its final event then came too early
  // for the wait): one more look records that status on the wait, so the waiting task resumes at once instead of
  // after its heartbeat.
  const now = await deps.stacks.describeStack(opened.region, stackId);
  if (!now || !isMidUpdate(now.status)) {
    await deps.waits.recordStatus(opened.id, { status: now?.status ?? 'DELETE_COMPLETE', reason: now?.statusReason, time: deps.clock.now().toISOString(), key });
  }
  return { proceed: true, stackId, progress: 'settling', wait: { key } };
}

export interface CheckRemovalInput {
  clusterId: string;
  stackId: string | null;
  attempt: number;
}

/**
 * The delete's safety net, entered only when its wait timed out: one look at the stack.
 * Primary course:
 * 1. Without a stack id yet, look for the stack by name again (a cancelled create's stack may have appeared) and
 *    delete it when it has.
 * 2. Read the stack's status (gone counts as deleted); a final status is recorded on the wait as its event would be.
 * 3. A stack that is not deleting at all is asked again, with a fresh token.
 * 4. Answer the way the wait would have; a stack still deleting sends the workflow back to waiting.
 */
export async function checkStackRemoval(deps: DeleteStackDeps, input: CheckRemovalInput): Promise<WaitOutcome & { stackId: string | null }> {
  let cluster = await loadCluster(deps.store, input.clusterId);
  let stackId = input.stackId ?? cluster.stackId;
  let status: string | undefined;
  if (!stackId) {
    const found = await findStack(deps, cluster);
    ({ cluster, stackId, status } = found);
    if (stackId && status !== 'DELETE_COMPLETE') {
      await deps.stacks.deleteStack(cluster.region, stackId, deleteToken(cluster, input.attempt));
      status = 'DELETE_IN_PROGRESS';
    }
  } else {
    status = (await deps.stacks.describeStack(cluster.region, stackId))?.status ?? 'DELETE_COMPLETE';
  }

  if (!stackId) {
    if (absence(deps, cluster) === 'in_progress') return { ...waitOutcome('delete', 'DELETE_IN_PROGRESS'), stackId: null };
    await record(deps, cluster.id, 'stack.status_changed', "no stack appeared under the cluster's name", { stackName: cluster.stackName });
    return { ...waitOutcome('delete', 'DELETE_COMPLETE'), stackId: null };
  }

  const stackStatus = status ?? 'DELETE_COMPLETE';
  const read = deletionProgress(stackStatus);
  if (read === 'deleted' || read === 'failed') {
    const recorded = await deps.waits.recordStatus(cluster.id, { status: stackStatus, time: deps.clock.now().toISOString(), key: deleteWaitKey(cluster, input.attempt) });
    if (recorded) await record(deps, cluster.id, 'stack.status_changed', `stack ${stackStatus} (seen by the safety net)`, { stackId, stackStatus });
  }
  if (read === 'stalled') {
    logger.info('stack is not deleting; asking again', { clusterId: cluster.id, stackStatus });
    await deps.stacks.deleteStack(cluster.region, stackId, deleteToken(cluster, input.attempt, `-r${deps.clock.now().getTime()}`));
  }
  return { ...waitOutcome('delete', stackStatus), stackId };
}

export interface DeleteFailureResult {
  /** Another DeleteStack attempt is due. */
  retry: boolean;
  /** The attempt to make next (when retrying). */
  attempt: number;
  /** How long to wait before it. */
  waitSeconds: number;
  /** The resources that blocked the delete and why. */
  blockers: string;
  /** The status reason the cluster ends with when no attempt is left. */
  reason: string;
}

/**
 * Primary course (the stack is DELETE_FAILED):
 * 1. Read the stack events: which resources failed to delete in this attempt, and why.
 * 2. Put them on the timeline and in the status reason.
 * 3. Another attempt if the budget allows (after a growing pause: what blocks a delete, such as a network
 *    interface a load balancer still holds, often clears by itself); otherwise the reason DELETE_FAILED carries.
 */
export async function readDeleteFailure(
  deps: Pick<DeleteStackDeps, 'store' | 'clock' | 'maxAttempts' | 'retryPauseSeconds'> & { stacks: StackReader },
  input: { clusterId: string; stackId: string | null; attempt: number },
): Promise<DeleteFailureResult> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  const stackId = input.stackId ?? cluster.stackId ?? cluster.stackName;
  const events = await deps.stacks.listStackEvents(cluster.region, stackId);
  const blockers = describeBlockers(deleteBlockersOf(events, cluster.stackName));
  const retry = input.attempt < deps.maxAttempts;
  const attempt = `attempt ${input.attempt} of ${deps.maxAttempts}`;
  const statusReason = retry ? `stack DELETE_FAILED (${attempt}), retrying; blocked by ${blockers}` : `stack DELETE_FAILED after ${deps.maxAttempts} attempts; blocked by ${blockers}`;
  await record(deps, cluster.id, 'stack.delete_failed', `stack DELETE_FAILED (${attempt}): ${blockers}`, { stackId, attempt: input.attempt });
  if (retry) await deps.store.update(cluster, { statusReason, updatedAt: deps.clock.now().toISOString() });
  const waitSeconds = Math.min(MAX_RETRY_PAUSE_SECONDS, deps.retryPauseSeconds * 2 ** (input.attempt - 1));
  return { retry, attempt: input.attempt + 1, waitSeconds, blockers, reason: statusReason };
}
