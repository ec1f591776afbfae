/**
 * Waiting for CloudFormation and EC2 by their events instead of by polling: what a wait is, which statuses end it,
 * how a stack's events become the cluster's progress. Pure functions over plain data; the event shapes are
 * EventBridge's as AWS documents them (test/fixtures/aws-events/).
 */
import { createProgress, deletionProgress } from './stack';

/**
 * What a workflow waits for: its own create, a delete request's DeleteStack, the clean-up of a failed create, or an
 * UpdateStack (a change of a running cluster, or the rollback a delete's CancelUpdateStack starts).
 */
export type WaitTarget = 'create' | 'delete' | 'cleanup' | 'update';

/**
 * One wait of a workflow on its stack, kept on the cluster record. The step that starts the stack operation opens it
 * (before it calls CloudFormation, so no event of the operation can come before the wait exists); the waiting task
 * attaches its token; the event function (or the safety net's check) records the final status. Whichever of the
 * two writes comes second sees the other and resumes the workflow, so neither order loses the outcome.
 */
export interface StackWait {
  /** Which operation: `create`, `cleanup`, `delete-<request>-<attempt>`. A token or status for another key is refused. */
  key: string;
  target: WaitTarget;
  /** When the operation was requested (ISO). An event from before it (a late event of an earlier attempt) is ignored. */
  since: string;
  /** How many tokens were attached: 1 for the first wait, one more per safety-net round. */
  round: number;
  /** The waiting task's token, once attached. */
  token?: string;
  /** The final status, once an event (or a check) saw it. */
  status?: string;
  reason?: string;
}

/** What the step that opened a wait hands the waiting state: the key the token is attached under. */
export interface WaitTicket {
  key: string;
}

/** A new wait for `target`, opened at `now`. */
export function openWait(key: string, target: WaitTarget, now: Date): StackWait {
  return { key, target, since: now.toISOString(), round: 0 };
}

/** What a wait resumes its workflow with (the output of the waiting Task state). */
export interface WaitOutcome {
  status: string;
  reason?: string;
  /** createProgress (create) or deletionProgress (delete, cleanup) of the status: what the Choice state reads. */
  progress: string;
  /** The safety net's rounds are spent and the stack is still in progress. */
  exhausted: boolean;
}

const DELETE_FINAL = new Set(['DELETE_COMPLETE', 'DELETE_FAILED']);

/** The statuses that end a wait. For a create, a settled failure ends it too (rollback over, or the stack deleted). */
export function isFinalFor(target: WaitTarget, status: string): boolean {
  if (target === 'create') return createProgress(status) !== 'in_progress';
  if (target === 'update') return updateProgress(status) !== 'in_progress';
  return DELETE_FINAL.has(status);
}

/** The targets a status is final for (what the event function's conditional write accepts). */
export function targetsEndedBy(status: string): WaitTarget[] {
  return (['create', 'delete', 'cleanup', 'update'] as const).filter((target) => isFinalFor(target, status));
}

export function waitOutcome(target: WaitTarget, status: string, reason?: string, exhausted = false): WaitOutcome {
  const progress =
    target === 'create'
      ? createProgress(status)
      : target === 'update'
        ? updateProgress(status)
        : deletionProgress(status) === 'stalled'
          ? 'in_progress'
          : deletionProgress(status);
  return { status, ...(reason ? { reason } : {}), progress, exhausted };
}

/**
 * How an UpdateStack reads: `complete` (UPDATE_COMPLETE), `rolled_back` (UPDATE_ROLLBACK_COMPLETE: the stack is back
 * on its previous template and parameters), `failed` (UPDATE_ROLLBACK_FAILED: even the rollback failed, the stack is
 * somewhere in between), `deleted` (the stack is gone). The cleanup phases (`*_CLEANUP_IN_PROGRESS`) are not final:
 * the stack cannot be updated or deleted before they end
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html, "Stack status codes").
 */
export type UpdateProgress = 'in_progress' | 'complete' | 'rolled_back' | 'failed' | 'deleted';

export function updateProgress(stackStatus: string | undefined): UpdateProgress {
  if (stackStatus === undefined || stackStatus === 'DELETE_COMPLETE') return 'deleted';
  if (stackStatus === 'UPDATE_COMPLETE') return 'complete';
  if (stackStatus === 'UPDATE_ROLLBACK_COMPLETE') return 'rolled_back';
  if (stackStatus === 'UPDATE_ROLLBACK_FAILED') return 'failed';
  return 'in_progress';
}

/**
 * An event's time as a bound the wait can be compared with. EventBridge gives `time` to the second
 * (`2017-12-22T18:43:48Z`); the operation's own events all come after `since`, so they are accepted when their second
 * is not before the second of `since`: `since < time + 1 s`. An earlier attempt's final status came before the pause
 * that precedes a retry (at least a second), so it is refused.
 */
export function acceptsEventsUntil(time: string): string {
  return new Date(Date.parse(time) + 1000).toISOString();
}

// ---------------------------------------------------------------------------------------------------------------
// Live progress
// ---------------------------------------------------------------------------------------------------------------

/** The latest status of one stack resource, by the time of the event that reported it. */
export interface ResourceState {
  status: string;
  /** The event's time (ISO). */
  at: string;
  /** resourceOrder(at, status): an event that sorts before the recorded one never overwrites it. */
  order: string;
  reason?: string;
}

export interface ClusterProgress {
  resourcesDone: number;
  resourcesTotal: number;
  /** Logical ids of the resources CloudFormation is working on now. */
  inProgress: string[];
  updatedAt: string;
}

/**
 * How far the stack operation is, from its resources' latest statuses. A create counts `CREATE_COMPLETE` against the
 * resources the template will certainly create (`planned`: those without a Condition; a conditional one counts once
 * it shows up); a delete counts `DELETE_COMPLETE`/`DELETE_SKIPPED` against every resource the stack had.
 */
export function progressOf(resources: Record<string, ResourceState>, phase: ProgressPhase, planned = 0): ClusterProgress | undefined {
  if (phase === 'update') return updateProgressOf(resources);
  const entries = Object.entries(resources);
  if (entries.length === 0) return undefined;
  // A resource an update changed since its create (UPDATE_COMPLETE, or rolled back) exists all the same.
  const done = phase === 'create' ? (s: string) => s === 'CREATE_COMPLETE' || s === 'UPDATE_COMPLETE' || s === 'UPDATE_ROLLBACK_COMPLETE' : (s: string) => s === 'DELETE_COMPLETE' || s === 'DELETE_SKIPPED';
  const working = phase === 'create' ? 'CREATE_IN_PROGRESS' : 'DELETE_IN_PROGRESS';
  return {
    resourcesDone: entries.filter(([, r]) => done(r.status)).length,
    resourcesTotal: phase === 'create' ? Math.max(planned, entries.length) : entries.length,
    inProgress: entries.filter(([, r]) => r.status === working).map(([id]) => id).sort(),
    updatedAt: entries.map(([, r]) => r.at).reduce((a, b) => (a > b ? a : b)),
  };
}

/**
 * An update touches only the resources whose properties change (often two launch templates and two groups), so it is
 * counted over the resources in an UPDATE_* state (the rollback's included): done are those UPDATE_COMPLETE (or
 * UPDATE_ROLLBACK_COMPLETE), against all of them. The others keep their CREATE_COMPLETE and are not part of it.
 */
function updateProgressOf(resources: Record<string, ResourceState>): ClusterProgress | undefined {
  const touched = Object.entries(resources).filter(([, r]) => r.status.startsWith('UPDATE_'));
  if (touched.length === 0) return undefined;
  return {
    resourcesDone: touched.filter(([, r]) => r.status === 'UPDATE_COMPLETE' || r.status === 'UPDATE_ROLLBACK_COMPLETE').length,
    resourcesTotal: touched.length,
    inProgress: touched.filter(([, r]) => r.status.endsWith('_IN_PROGRESS')).map(([id]) => id).sort(),
    updatedAt: touched.map(([, r]) => r.at).reduce((a, b) => (a > b ? a : b)),
  };
}

/** The timeline gets a progress entry each time the share done crosses one of these steps (per cent). */
export const PROGRESS_STEP_PERCENT = 25;

/** The step the share done has reached (0 … 100/PROGRESS_STEP_PERCENT); a move to a higher one is worth a timeline entry. */
export function progressStep(progress: ClusterProgress | undefined): number {
  if (!progress || progress.resourcesTotal === 0) return 0;
  return Math.floor((100 * progress.resourcesDone) / progress.resourcesTotal / PROGRESS_STEP_PERCENT);
}

/**
 * The resources of a CloudFormation template that are created whatever the parameters: the top-level entries of its
 * `Resources:` section without a `Condition:`. Read from the YAML text (two-space indentation, as templates/swarm.yaml
 * is written), not parsed: this runs in the create step, which should not carry a YAML parser for one number.
 */
export function plannedResourceCount(templateBody: string): number {
  const lines = templateBody.split('\n');
  const start = lines.findIndex((line) => /^Resources:\s*$/.test(line));
  if (start < 0) return 0;
  let count = 0;
  let conditional = false;
  let inResource = false;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    if (/^ {2}[A-Za-z0-9]+:\s*$/.test(line)) {
      if (inResource && !conditional) count++;
      inResource = true;
      conditional = false;
    } else if (/^ {4}Condition:/.test(line)) conditional = true;
  }
  if (inResource && !conditional) count++;
  return count;
}

// ---------------------------------------------------------------------------------------------------------------
// The instance proof of a delete
// ---------------------------------------------------------------------------------------------------------------

/**
 * The delete workflow's wait for the cluster's last instances to be `terminated`, on the cluster record. The ids still
 * to go and those EC2 reported terminated are two sets beside it (DynamoDB adds to and deletes from top-level sets
 * only); whoever writes last (the waiting task or the event function) sees both and resumes the workflow.
 */
export interface InstanceWait {
  /** `instances-<delete request>`: a new delete request waits afresh. */
  key: string;
  round: number;
  /** Every instance the cluster ran, for the DELETED reason. */
  total: number;
  token?: string;
}

export interface InstancesOutcome {
  remaining: number;
  total: number;
}

/**
 * The order of one resource's reports: the event's time, then the stage its status stands for, so that two events in
 * the same second (EventBridge's `time` has no fraction) still sort IN_PROGRESS before COMPLETE, CREATE before DELETE.
 */
export function resourceOrder(time: string, status: string): string {
  const verb = status.startsWith('CREATE') ? 0 : status.startsWith('UPDATE') ? 2 : 4;
  const settled = status.endsWith('_IN_PROGRESS') ? 1 : 2;
  return `${new Date(Date.parse(time)).toISOString()}#${verb + settled}`;
}

export type ProgressPhase = 'create' | 'update' | 'delete';

/** Which operation a cluster's stack resources are counted for: its create, an update of it, or its delete. */
export function progressPhase(clusterStatus: string): ProgressPhase {
  if (clusterStatus === 'CREATING' || clusterStatus === 'READY' || clusterStatus === 'HIBERNATED') return 'create';
  if (clusterStatus === 'UPDATING' || clusterStatus === 'UPDATE_FAILED') return 'update';
  return 'delete';
}
