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

/** States in which a DeleteStack has nothing more to do, or must not be sent again. */
export const DELETE_UNDER_WAY = new Set(['DELETE_IN_PROGRESS', 'DELETE_FAILED', 'DELETE_COMPLETE']);

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

export interface PollState {
  attempt: number;
  waitSeconds: number;
}

export interface PollPolicy {
  initialSeconds: number;
  maxSeconds: number;
  growth: number;
  maxAttempts: number;
}

/** The next poll: a growing interval with a ceiling, and a bounded number of attempts. */
export function nextPoll(previous: PollState | undefined, policy: PollPolicy): PollState & { exhausted: boolean } {
  const attempt = (previous?.attempt ?? 0) + 1;
  const waitSeconds = previous ? Math.min(policy.maxSeconds, Math.ceil(previous.waitSeconds * policy.growth)) : policy.initialSeconds;
  return { attempt, waitSeconds: Math.max(1, waitSeconds), exhausted: attempt > policy.maxAttempts };
}
