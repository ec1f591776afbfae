/**
 * How CloudFormation stack states and events read from the cluster's point of view. Pure functions over plain data.
 */

export type StackProgress = 'in_progress' | 'complete' | 'failed' | 'deleted';

/**
 * Settled states of a create that did not succeed. A rollback still in progress is not settled: CloudFormation
 * refuses to delete a stack mid-rollback, and its root cause can be read just as well once it is over.
 */
const CREATE_FAILED_STATES = new Set(['CREATE_FAILED', 'ROLLBACK_FAILED', 'ROLLBACK_COMPLETE', 'DELETE_FAILED', 'DELETE_COMPLETE']);

export function createProgress(stackStatus: string | undefined): StackProgress {
  if (stackStatus === undefined) return 'deleted';
  if (stackStatus === 'CREATE_COMPLETE') return 'complete';
  if (CREATE_FAILED_STATES.has(stackStatus)) return 'failed';
  return 'in_progress';
}

export interface StackEventView {
  timestamp: string;
  logicalResourceId: string;
  resourceType: string;
  resourceStatus: string;
  resourceStatusReason?: string;
}

/** Reasons that say "something else failed" rather than what failed. */
const SECONDARY_REASONS = [/resource creation cancelled/i, /rollback requested/i, /the following resource\(s\) failed/i];

/**
 * The root cause of a failed create: the earliest resource event that FAILED with its own reason, not the cascade of
 * cancellations and the stack-level "rollback requested" that follow it.
 */
export function rootCauseOf(events: StackEventView[], stackName: string): string {
  const chronological = [...events].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  const failures = chronological.filter((e) => e.resourceStatus.endsWith('_FAILED'));
  const primary =
    failures.find((e) => e.logicalResourceId !== stackName && !SECONDARY_REASONS.some((re) => re.test(e.resourceStatusReason ?? ''))) ??
    failures.find((e) => e.logicalResourceId !== stackName) ??
    failures[0];
  if (!primary) {
    const stackLevel = chronological.filter((e) => e.logicalResourceId === stackName && e.resourceStatusReason).pop();
    return stackLevel ? `${stackName} ${stackLevel.resourceStatus}: ${stackLevel.resourceStatusReason}` : 'the stack failed without a resource failure event';
  }
  return `${primary.logicalResourceId} (${primary.resourceType}) ${primary.resourceStatus}: ${primary.resourceStatusReason ?? 'no reason given'}`;
}

/**
 * How a stack being deleted reads. `deleted` covers both DELETE_COMPLETE and a stack that no longer exists;
 * `stalled` is a stack that is not deleting at all (a DeleteStack that arrived while CloudFormation was busy with
 * it, or one it dropped), which has to be asked again.
 */
export type DeletionProgress = 'in_progress' | 'deleted' | 'failed' | 'stalled';

export function deletionProgress(stackStatus: string | undefined): DeletionProgress {
  if (stackStatus === undefined || stackStatus === 'DELETE_COMPLETE') return 'deleted';
  if (stackStatus === 'DELETE_FAILED') return 'failed';
  if (stackStatus.endsWith('_IN_PROGRESS')) return 'in_progress';
  return 'stalled';
}

export interface DeleteBlocker {
  logicalResourceId: string;
  resourceType: string;
  reason: string;
}

/**
 * The resources that kept the latest delete from finishing: the DELETE_FAILED events of resources (not the stack
 * itself) since the stack last went DELETE_IN_PROGRESS, one per resource, in the order they failed.
 */
export function deleteBlockersOf(events: StackEventView[], stackName: string): DeleteBlocker[] {
  const chronological = [...events].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  const isStack = (e: StackEventView) => e.logicalResourceId === stackName;
  const lastStart = chronological.map((e, i) => (isStack(e) && e.resourceStatus === 'DELETE_IN_PROGRESS' ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
  const blockers = new Map<string, DeleteBlocker>();
  for (const event of chronological.slice(lastStart + 1)) {
    if (isStack(event) || event.resourceStatus !== 'DELETE_FAILED' || blockers.has(event.logicalResourceId)) continue;
    blockers.set(event.logicalResourceId, { logicalResourceId: event.logicalResourceId, resourceType: event.resourceType, reason: event.resourceStatusReason ?? 'no reason given' });
  }
  return [...blockers.values()];
}

export function describeBlockers(blockers: DeleteBlocker[]): string {
  if (blockers.length === 0) return 'no resource reported why';
  return blockers.map((b) => `${b.logicalResourceId} (${b.resourceType}): ${b.reason}`).join('; ');
}
