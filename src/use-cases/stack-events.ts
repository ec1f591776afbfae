/**
 * CloudFormation's events, as the EventBridge rules in serverless.yml deliver them: a final stack status resumes the
 * workflow that waits for it; every resource status moves the cluster's live progress (and keeps the wait's
 * heartbeat alive). Duplicates, late and out-of-order events change nothing: every write is conditional, and a token
 * already used answers "spent", which is not an error.
 */
import { clusterIdOfStack, stackNameFor } from '../domain/cluster';
import { progressOf, progressPhase, progressStep, resourceOrder, targetsEndedBy, waitOutcome, type ClusterProgress, type StackWait } from '../domain/stack-wait';
import { logger } from '../logger';
import { record } from './lifecycle';
import type { Clock, ClusterStore, StackWaits, TaskTokens } from './ports';

export interface StackEventDeps {
  waits: StackWaits;
  tokens: TaskTokens;
  store: ClusterStore;
  clock: Clock;
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
  const wait = await deps.waits.readWait(clusterId);
  return wait?.status === report.status ? wait : undefined;
}

export interface ResourceStatusReport extends StackStatusReport {
  logicalId: string;
  resourceType?: string;
}

const describeProgress = (phase: 'create' | 'delete', progress: ClusterProgress) =>
  `stack ${Math.floor((100 * progress.resourcesDone) / progress.resourcesTotal)}% ${phase === 'create' ? 'created' : 'deleted'} (${progress.resourcesDone} of ${progress.resourcesTotal} resources)`;

/**
 * Primary course (Resource Status Change):
 * 1. Read the cluster id; skip the stack's own entry (its status comes as a Stack Status Change).
 * 2. Record the resource's status unless a newer event of that resource is recorded already.
 * 3. When the share done crosses a step (every 25 %), put one progress entry on the timeline.
 * 4. When a resource finished, send the waiting task a heartbeat: the operation is alive, so the safety net need not
 *    look yet. (Only on completions: half the calls, and a resource's start is followed by its end anyway.)
 */
export async function onResourceStatus(deps: StackEventDeps, report: ResourceStatusReport): Promise<EventEffect> {
  const clusterId = clusterIdOfStack(report.stackId);
  if (!clusterId || report.logicalId === stackNameFor(clusterId)) return 'ignored';
  const state = { status: report.status, at: new Date(Date.parse(report.time)).toISOString(), order: resourceOrder(report.time, report.status), ...(report.reason ? { reason: report.reason } : {}) };
  const recorded = await deps.waits.recordResource(clusterId, { logicalId: report.logicalId, ...state });
  if (!recorded) return 'ignored';
  const phase = progressPhase(recorded.status);
  const before = progressOf(recorded.before, phase, recorded.planned);
  const after = progressOf({ ...recorded.before, [report.logicalId]: state }, phase, recorded.planned);
  if (after && progressStep(after) > progressStep(before)) {
    await record(deps, clusterId, 'stack.progress', describeProgress(phase, after), { resourcesDone: after.resourcesDone, resourcesTotal: after.resourcesTotal });
  }
  if (recorded.token && !report.status.endsWith('_IN_PROGRESS')) await deps.tokens.heartbeat(recorded.token);
  return 'recorded';
}
