/**
 * CloudFormation's events, as the EventBridge rules in serverless.yml deliver them: a final stack status resumes the
 * workflow that waits for it; every resource status moves the cluster's live progress (and keeps the wait's
 * heartbeat alive, a few times per operation). Duplicates, late and out-of-order events change nothing: every write is conditional, and a token
 * already used answers "spent", which is not an error.
 */
import { clusterIdOfStack, stackNameFor } from '../domain/cluster';
import { progressOf, progressStep, resourceOrder, targetsEndedBy, waitOutcome, type ClusterProgress, type ProgressPhase, type StackWait } from '../domain/stack-wait';
import { logger } from '../logger';
import { record } from './lifecycle';
import type { Clock, ClusterStore, StackWaits, TaskTokens } from './ports';

export interface StackEventDeps {
  waits: StackWaits;
  tokens: TaskTokens;
  store: ClusterStore;
  clock: Clock;
  /** The least time between two heartbeats of a cluster's stack wait (config.stackWait.heartbeatEverySeconds). */
  heartbeatEverySeconds: number;
}

export interface StackStatusReport {
  stackId: string;
  status: string;
  reason?: string;
  /** The event's `time`. */
  time: string;
}

export type EventEffect = 'resumed' | 'recorded' | 'ignored';

/**
 * Primary course (Stack Status Change):
 * 1. Read the cluster id from the stack id; someone else's stack is ignored.
 * 2. Record the status on the cluster's open wait, if it ends that wait (conditional: one outcome per wait), and
 *    resume the waiting task with the status and the reason at once: this is the path the recorded status waits on.
 *    Without a token yet, the task resumes itself when it attaches one (await-stack.ts). A final status the wait
 *    already holds resumes the task again with that same outcome (see `alreadyRecorded`).
 * 3. Record it as the stack's latest status (conditional on the event's order) and, when that is news, put it on the
 *    timeline with CloudFormation's reason: every status change once, however often or late its event comes.
 */
export async function onStackStatus(deps: StackEventDeps, report: StackStatusReport): Promise<EventEffect> {
  const clusterId = clusterIdOfStack(report.stackId);
  if (!clusterId) return 'ignored';
  const recorded = await deps.waits.recordStatus(clusterId, report);
  const wait = recorded ?? (await alreadyRecorded(deps, clusterId, report));
  const resumed = wait?.token ? await deps.tokens.succeed(wait.token, waitOutcome(wait.target, report.status, report.reason)) : false;
  if (resumed) logger.info('stack final status handed to its workflow', { clusterId, status: report.status });
  const news = await deps.waits.recordStackStatus(clusterId, { status: report.status, order: resourceOrder(report.time, report.status) });
  if (news) {
    await record(deps, clusterId, 'stack.status_changed', `stack ${report.status}`, { stackId: report.stackId, stackStatus: report.status, ...(report.reason ? { reason: report.reason } : {}) });
  }
  if (resumed) return 'resumed';
  return recorded || news ? 'recorded' : 'ignored';
}

/**
 * The wait, when it already holds this very final status. EventBridge invokes the function again when an invocation
 * fails, so an invocation that recorded the status and then failed to resume the task (Step Functions throttled or
 * unreachable) is followed by one that finds the status recorded. Resuming with the same outcome again is what
 * keeps that workflow from waiting for its heartbeat timeout; for a plain duplicate the token is spent and the
 * answer changes nothing (TaskTokens answers a spent token with false).
 */
async function alreadyRecorded(deps: StackEventDeps, clusterId: string, report: StackStatusReport): Promise<StackWait | undefined> {
  if (targetsEndedBy(report.status).length === 0) return undefined;
  // A strongly consistent read (ClusterStore.get), so the status the failed invocation wrote is seen.
  const wait = (await deps.store.get(clusterId))?.stackWait;
  return wait?.status === report.status ? wait : undefined;
}

export interface ResourceStatusReport extends StackStatusReport {
  logicalId: string;
  resourceType?: string;
}

const PHASE_WORD = { create: 'created', update: 'updated', delete: 'deleted' } as const;

const describeProgress = (phase: ProgressPhase, progress: ClusterProgress) =>
  `stack ${Math.floor((100 * progress.resourcesDone) / progress.resourcesTotal)}% ${PHASE_WORD[phase]} (${progress.resourcesDone} of ${progress.resourcesTotal} resources)`;

/**
 * Primary course (Resource Status Change):
 * 1. Read the cluster id; skip the stack's own entry (its status comes as a Stack Status Change).
 * 2. Record the resource's status on the cluster's stack resources record unless a newer event of that resource is
 *    recorded already. That record is its own small item: an event neither rewrites nor reads the cluster item.
 * 3. When the share done crosses a step (every 25 %), put one progress entry on the timeline. The phase is the
 *    event's own (a DELETE_* status counts towards a delete, a rollback's included; anything else towards the create).
 * 4. Heartbeat the waiting task when this event is the first of a new `heartbeatEverySeconds` bucket (its write moved
 *    the record's bucket: writes to one item are serialized, so one event per bucket sees the move), if the wait is
 *    still open: the operation is alive, so the safety net need not look. While events flow, two heartbeats are at
 *    most two buckets apart, well under HeartbeatSeconds, at a few calls per operation instead of one per resource.
 */
export async function onResourceStatus(deps: StackEventDeps, report: ResourceStatusReport): Promise<EventEffect> {
  const clusterId = clusterIdOfStack(report.stackId);
  if (!clusterId || report.logicalId === stackNameFor(clusterId)) return 'ignored';
  const state = { status: report.status, at: new Date(Date.parse(report.time)).toISOString(), order: resourceOrder(report.time, report.status), ...(report.reason ? { reason: report.reason } : {}) };
  const bucket = Math.floor(deps.clock.now().getTime() / (deps.heartbeatEverySeconds * 1000));
  const recorded = await deps.waits.recordResource(clusterId, { logicalId: report.logicalId, ...state }, bucket);
  if (!recorded) return 'ignored';
  const phase = eventPhase(report.status);
  const before = progressOf(recorded.before, phase, recorded.planned);
  const after = progressOf({ ...recorded.before, [report.logicalId]: state }, phase, recorded.planned);
  if (after && progressStep(after) > progressStep(before)) {
    await record(deps, clusterId, 'stack.progress', describeProgress(phase, after), { resourcesDone: after.resourcesDone, resourcesTotal: after.resourcesTotal });
  }
  // Most events stop here: the bucket had moved already, no call.
  if (recorded.beatBucket === undefined || recorded.beatBucket < bucket) await heartbeat(deps, clusterId);
  return 'recorded';
}

/** Which operation a resource event reports on: its own verb, whatever the cluster's status says meanwhile. */
const eventPhase = (status: string): ProgressPhase => (status.startsWith('DELETE_') ? 'delete' : status.startsWith('UPDATE_') ? 'update' : 'create');

/** One heartbeat, to a wait that is still open. */
async function heartbeat(deps: StackEventDeps, clusterId: string): Promise<void> {
  const wait = (await deps.store.get(clusterId))?.stackWait;
  // A wait with its final status is over: the workflow is resumed (or about to be), nothing to keep alive.
  if (wait?.token && wait.status === undefined) await deps.tokens.heartbeat(wait.token);
}
