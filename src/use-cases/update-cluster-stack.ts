/**
 * The update workflow's steps (statemachines/update-cluster.asl.json): UpdateStack with the change's target
 * parameters, the safety net's look at the stack, and the outcome (READY or HIBERNATED with the new parameters, back
 * to the previous ones after a rollback, UPDATE_FAILED when even the rollback failed). See docs/workflows.md,
 * "The update workflow".
 */
import { canTransition, type Cluster, type ClusterNode, type ClusterStatus, type ClusterUpdate, type LastUpdate } from '../domain/cluster';
import { StackNotYetUpdatableError, StaleClusterError } from '../domain/errors';
import { describeNodes as describeInventory, observedAt } from '../domain/nodes';
import { templateParameters, type ClusterParameters } from '../domain/parameters';
import { instancesOf, type QuotaLimits } from '../domain/quota';
import { failedSignalInstanceIds, isNodeBootstrapFailure } from '../domain/diagnostics';
import { rootCauseOf, type StackEventView } from '../domain/stack';
import { openWait, updateProgress, waitOutcome, type WaitOutcome, type WaitTicket } from '../domain/stack-wait';
import type { WebhookEventType } from '../domain/webhook';
import { logger } from '../logger';
import { collectDiagnostics } from './collect-diagnostics';
import { loadCluster, record, transition, type TransitionDeps } from './lifecycle';
import type { WorkflowFailure } from './mark-cluster-failed';
import type { Clock, ClusterStore, ConsoleOutputReader, DiagnosticsStore, InstanceInventory, InstanceWaits, StackReader, StackUpdates, StackWaits } from './ports';

export interface UpdateInput {
  clusterId: string;
  updateId: string;
}

/** One wait per update. */
export const updateWaitKey = (updateId: string) => `update-${updateId}`;

/** The UpdateStack's token: a retried step is the same request, which CloudFormation starts once. */
export const updateToken = (clusterId: string, updateId: string) => `update-${clusterId}-${updateId}`;

export type StartUpdateResult =
  | { proceed: false; status: string }
  | { proceed: true; unchanged: boolean; stackId: string; wait: WaitTicket };

/** The update this execution is for, while the cluster is still UPDATING with it. */
function currentUpdate(cluster: Cluster, updateId: string): ClusterUpdate | undefined {
  return cluster.status === 'UPDATING' && cluster.update?.id === updateId ? cluster.update : undefined;
}

/**
 * Primary course:
 * 1. Load the cluster; only a cluster still UPDATING with this very update gets an UpdateStack (one deleted meanwhile,
 *    or moved on to a newer change, does not).
 * 2. Open the update's wait with a conditional write (before UpdateStack, so no event of the update can come first).
 *    A delete that wins this race finds no update started; one that loses finds the stack updating and cancels it.
 * 3. UpdateStack on the cluster's stack: the service's current template, the target's parameters through the one
 *    mapping (domain/parameters.ts), a token derived from the update. "No updates are to be performed." is success:
 *    the stack already is what the change asks for (an upgrade with no newer AMI).
 * 4. Tell the timeline.
 * Alternative course: the stack is held by an earlier update's rollback (a retry from UPDATE_FAILED, whose stack is
 * in UPDATE_ROLLBACK_FAILED). Close the wait, ContinueUpdateRollback (UPDATE_ROLLBACK_FAILED only; once, by its
 * token), tell the timeline, and fail with StackNotYetUpdatableError: the workflow's Retry runs this step again until
 * the rollback has completed and UpdateStack is taken (or gives up, UPDATE_FAILED with the reason).
 */
export async function startStackUpdate(
  deps: { store: ClusterStore; stackUpdates: Pick<StackUpdates, 'updateStack' | 'continueUpdateRollback'>; clock: Clock },
  input: UpdateInput,
): Promise<StartUpdateResult> {
  const loaded = await loadCluster(deps.store, input.clusterId);
  const update = currentUpdate(loaded, input.updateId);
  if (!update) return { proceed: false, status: loaded.status };
  const key = updateWaitKey(update.id);
  let cluster = loaded;
  if (loaded.stackWait?.key !== key) {
    try {
      cluster = await deps.store.update(loaded, {
        stackWait: openWait(key, 'update', deps.clock.now()),
        statusReason: `updating the CloudFormation stack (${update.operation})`,
        updatedAt: deps.clock.now().toISOString(),
      });
    } catch (error) {
      if (!(error instanceof StaleClusterError)) throw error;
      const now = await loadCluster(deps.store, input.clusterId);
      if (currentUpdate(now, input.updateId)) throw error; // someone else's write on the same update: the retry sees it
      return { proceed: false, status: now.status };
    }
  }
  const stackId = cluster.stackId ?? cluster.stackName;
  const started = await deps.stackUpdates.updateStack({
    region: cluster.region,
    stackNameOrId: stackId,
    clientRequestToken: updateToken(cluster.id, update.id),
    parameters: templateParameters(cluster.id, update.target),
  });
  if (typeof started === 'object') {
    // The wait goes, and the attempt that gets the UpdateStack through opens a new one: the rollback's own final
    // status (UPDATE_ROLLBACK_COMPLETE, before that attempt) is not this update's outcome. A wait ignores events from
    // more than a second before it opened (domain/stack-wait.ts acceptsEventsUntil).
    await deps.store.update(cluster, { stackWait: null, updatedAt: deps.clock.now().toISOString() });
    if (started.rollingBack === 'UPDATE_ROLLBACK_FAILED') {
      const continued = await deps.stackUpdates.continueUpdateRollback(cluster.region, stackId, `continue-${updateToken(cluster.id, update.id)}`);
      if (continued) {
        await record(
          deps,
          cluster.id,
          'stack.status_changed',
          'the stack is UPDATE_ROLLBACK_FAILED from an earlier update: continuing its rollback (ContinueUpdateRollback), then this update',
          { stackId, updateId: update.id, stackStatus: started.rollingBack },
        );
      }
    }
    throw new StackNotYetUpdatableError(started.rollingBack);
  }
  if (started === 'unchanged') {
    await record(deps, cluster.id, 'stack.update_started', 'no stack update needed: the stack is already current', { stackId, updateId: update.id });
    return { proceed: true, unchanged: true, stackId, wait: { key } };
  }
  await record(deps, cluster.id, 'stack.update_started', `stack ${cluster.stackName} update started (${update.operation})`, { stackId, updateId: update.id });
  return { proceed: true, unchanged: false, stackId, wait: { key } };
}

/**
 * The update's safety net, entered only when its wait timed out: one look at the stack.
 * Primary course:
 * 1. Read the stack's status (a stack that no longer exists reads as deleted).
 * 2. A final status is recorded on the wait as its event would be, and put on the timeline.
 * 3. Answer the way the wait would have; a stack still updating sends the workflow back to waiting.
 */
export async function checkStackUpdate(
  deps: { store: ClusterStore; stacks: StackReader; waits: StackWaits; clock: Clock },
  input: { clusterId: string; stackId: string; key: string },
): Promise<WaitOutcome> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  const stack = await deps.stacks.describeStack(cluster.region, input.stackId);
  const status = stack?.status ?? 'DELETE_COMPLETE';
  if (updateProgress(stack?.status) !== 'in_progress') {
    const recorded = await deps.waits.recordStatus(cluster.id, { status, reason: stack?.statusReason, time: deps.clock.now().toISOString(), key: input.key });
    if (recorded) await record(deps, cluster.id, 'stack.status_changed', `stack ${status} (seen by the safety net)`, { stackStatus: status, reason: stack?.statusReason });
  }
  return waitOutcome('update', status, stack?.statusReason);
}

export interface UpdateOutcomeDeps extends TransitionDeps {
  stacks: StackReader;
  instances: InstanceInventory;
  instanceWaits: Pick<InstanceWaits, 'watch'>;
  quotaLimits: QuotaLimits;
  /** For the diagnostics of an update whose nodes did not come up; without them the reason is the stack's alone. */
  consoleOutput?: ConsoleOutputReader;
  diagnostics?: DiagnosticsStore;
}

export interface UpdateOutcomeInput extends UpdateInput {
  stackId: string;
  /** The stack's final status (the wait's, or the check's); absent when no UpdateStack was needed. */
  stackStatus?: string;
  unchanged?: boolean;
  /** Set when the safety net's rounds were spent: why the update is given up. */
  reason?: string;
}

export interface UpdateOutcome {
  event: WebhookEventType | undefined;
  version: number;
}

/** Whether the cluster was HIBERNATED when this update started: it has a worker count to restore and is not hibernating now. */
const wasHibernated = (cluster: Cluster, update: ClusterUpdate) => cluster.hibernatedWorkers !== undefined && cluster.hibernatedWorkers !== null && update.operation !== 'hibernate';

function describeNodes(parameters: ClusterParameters, nodes: ClusterNode[]): string {
  const shape = describeInventory(nodes);
  return parameters.workers + parameters.managers === nodes.length ? shape : `${shape} (asked: ${parameters.managers} + ${parameters.workers})`;
}

/** The cluster's instances as EC2 lists them now, each mapped to the cluster so their later events find it. */
async function readNodes(deps: UpdateOutcomeDeps, cluster: Cluster): Promise<ClusterNode[]> {
  const readAt = deps.clock.now().toISOString();
  const nodes = observedAt(
    (await deps.instances.instancesOfCluster(cluster.region, cluster.id)).filter((n) => n.state !== 'terminated' && n.state !== 'shutting-down'),
    readAt,
  );
  // Before the transition, so a retry of the step maps them again; the puts are idempotent.
  await deps.instanceWaits.watch(cluster.id, nodes.map((node) => node.instanceId));
  return nodes;
}

/** Moves the owner's quota share between two sizes; a share that is not held (or already moved) is left alone. */
async function settleQuota(deps: UpdateOutcomeDeps, cluster: Cluster, from: ClusterParameters, to: ClusterParameters, why: string): Promise<void> {
  const change = { clusterId: cluster.id, from: instancesOf(from), to: instancesOf(to) };
  if (change.from === change.to) return;
  const moved = await deps.quotas.adjust(cluster.owner, change, deps.quotaLimits);
  if (moved) logger.info('quota share settled after an update', { ...change, why });
}

/**
 * The root cause of the update's failure: the first resource that failed with its own reason, among this update's
 * events. When nodes did not come up (a group's FAILURE signal or signal timeout), the diagnostics of the nodes the
 * update launched are collected and the line of their log that says why is added, as a failed create does.
 */
async function rootCause(deps: UpdateOutcomeDeps, cluster: Cluster, update: ClusterUpdate, stackId: string): Promise<string> {
  const since = cluster.stackWait?.key === updateWaitKey(update.id) ? cluster.stackWait.since : update.requestedAt;
  // EventBridge and DescribeStackEvents give seconds; a second of slack keeps the update's first events in.
  const from = new Date(Date.parse(since) - 1000).toISOString();
  const events = (await deps.stacks.listStackEvents(cluster.region, stackId)).filter((e) => e.timestamp >= from);
  const reason = rootCauseOf(events, cluster.stackName);
  if (!deps.consoleOutput || !deps.diagnostics || !isNodeBootstrapFailure(events)) return reason;
  // Best effort: no diagnostics is no reason to leave the cluster UPDATING.
  try {
    const instanceIds = await updateNodesConcerned(deps, cluster, events, from);
    if (instanceIds.length === 0) return reason;
    const diagnostics = await collectDiagnostics(
      { consoleOutput: deps.consoleOutput, diagnostics: deps.diagnostics, instances: deps.instances, store: deps.store, clock: deps.clock },
      { cluster, instanceIds, trigger: 'update-failed' },
    );
    return diagnostics.cause ? `${reason}; node log ${diagnostics.cause}` : reason;
  } catch (error) {
    logger.warn('diagnostics not collected', { clusterId: cluster.id, error: error instanceof Error ? error.name : String(error) });
    return reason;
  }
}

/**
 * The nodes an update's failure concerns: those that sent a FAILURE signal during it, else (a signal timeout) the
 * instances it launched. Never the cluster's older nodes: they came up, their logs say nothing about this update.
 */
async function updateNodesConcerned(deps: UpdateOutcomeDeps, cluster: Cluster, events: StackEventView[], since: string): Promise<string[]> {
  const failed = failedSignalInstanceIds(events);
  if (failed.length > 0) return failed;
  const nodes = await deps.instances.instancesOfCluster(cluster.region, cluster.id);
  return nodes.filter((node) => node.launchedAt !== undefined && node.launchedAt >= since).map((node) => node.instanceId);
}

/**
 * Primary course, by the stack's final status:
 * - UPDATE_COMPLETE (or no update needed): READY, or HIBERNATED for a hibernate (and for an upgrade of a hibernated
 *   cluster), with `parameters` = the target, the new outputs and node inventory, `lastUpdate` updated; a scale-in
 *   gives its instances back to the owner's quota now (a scale-out took them when it was asked). A wake's count to
 *   restore is cleared. Webhook `cluster.updated` (`cluster.hibernated` for a hibernate).
 * - UPDATE_ROLLBACK_COMPLETE: the stack is back where it was: READY (HIBERNATED when the cluster was hibernated before:
 *   a failed wake, a failed upgrade of a hibernated cluster) with the previous parameters and the root cause from the
 *   stack events; a scale-out's extra quota goes back. Webhook `cluster.update_failed`.
 * - UPDATE_ROLLBACK_FAILED, the stack gone, or no final status in the time allowed: UPDATE_FAILED with the reason;
 *   the quota keeps the larger share (the stack may hold either). Webhook `cluster.update_failed`.
 * Each is one conditional write from UPDATING with this update; a cluster that left it (a delete) is left alone.
 */
export async function recordUpdateOutcome(deps: UpdateOutcomeDeps, input: UpdateOutcomeInput): Promise<UpdateOutcome> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  const update = currentUpdate(cluster, input.updateId);
  if (!update) {
    logger.warn('update outcome for a cluster no longer UPDATING with it; status kept', { clusterId: cluster.id, status: cluster.status, updateId: input.updateId });
    return { event: undefined, version: cluster.version };
  }
  const endedAt = deps.clock.now().toISOString();
  const progress = input.unchanged ? 'complete' : input.reason ? 'unsettled' : updateProgress(input.stackStatus);
  const hibernated = wasHibernated(cluster, update);

  if (progress === 'complete') {
    const stack = await deps.stacks.describeStack(cluster.region, input.stackId);
    const nodes = await readNodes(deps, cluster);
    if (instancesOf(update.target) < instancesOf(update.previous)) await settleQuota(deps, cluster, update.previous, update.target, 'scale-in done');
    const to: ClusterStatus = update.operation === 'hibernate' || (hibernated && update.operation === 'upgrade') ? 'HIBERNATED' : 'READY';
    const how = input.unchanged ? 'already current (no stack update needed)' : 'stack UPDATE_COMPLETE';
    const lastUpdate: LastUpdate = { id: update.id, operation: update.operation, outcome: 'updated', endedAt };
    const updated = await transition(
      deps,
      cluster,
      to,
      {
        statusReason: `${update.operation} done: ${how}; ${describeNodes(update.target, nodes)}`,
        parameters: update.target,
        outputs: stack?.outputs ?? cluster.outputs ?? {},
        nodes,
        lastUpdate,
        ...(update.operation === 'wake' ? { hibernatedWorkers: null } : {}),
      },
      { type: to === 'HIBERNATED' ? 'cluster.hibernated' : 'cluster.updated', details: { updateId: update.id, operation: update.operation, nodes: nodes.length, unchanged: !!input.unchanged } },
    );
    return { event: update.operation === 'hibernate' ? 'cluster.hibernated' : 'cluster.updated', version: updated.version };
  }

  if (progress === 'rolled_back') {
    const reason = await rootCause(deps, cluster, update, input.stackId);
    const nodes = await readNodes(deps, cluster);
    if (instancesOf(update.target) > instancesOf(update.previous)) await settleQuota(deps, cluster, update.target, update.previous, 'scale-out rolled back');
    const to: ClusterStatus = hibernated ? 'HIBERNATED' : 'READY';
    const lastUpdate: LastUpdate = { id: update.id, operation: update.operation, outcome: 'rolled_back', reason, endedAt };
    const updated = await transition(
      deps,
      cluster,
      to,
      {
        statusReason: `${update.operation} rolled back (stack UPDATE_ROLLBACK_COMPLETE): ${reason}`,
        parameters: update.previous,
        nodes,
        lastUpdate,
        ...(update.operation === 'hibernate' ? { hibernatedWorkers: null } : {}),
      },
      { type: 'cluster.update_failed', details: { updateId: update.id, operation: update.operation, outcome: 'rolled_back' } },
    );
    return { event: 'cluster.update_failed', version: updated.version };
  }

  let reason = input.reason;
  if (!reason && progress === 'failed') reason = `the stack update failed and so did its rollback (UPDATE_ROLLBACK_FAILED): ${await rootCause(deps, cluster, update, input.stackId)}`;
  if (!reason && progress === 'deleted') reason = 'the stack no longer exists';
  reason ??= `the stack ended ${input.stackStatus ?? 'in an unknown status'}`;
  const lastUpdate: LastUpdate = { id: update.id, operation: update.operation, outcome: 'failed', reason, endedAt };
  const updated = await transition(
    deps,
    cluster,
    'UPDATE_FAILED',
    { statusReason: `${update.operation} failed: ${reason}`, lastUpdate },
    { type: 'cluster.update_failed', details: { updateId: update.id, operation: update.operation, outcome: 'failed' } },
  );
  return { event: 'cluster.update_failed', version: updated.version };
}

/**
 * The update workflow's last resort (its own Catch, and the execution-ended backstop): an update execution that
 * broke, timed out or was stopped without an outcome leaves the cluster UPDATE_FAILED with a reason, not UPDATING.
 * Only for the cluster's current update: an older execution ending late, or a cluster that moved on (a delete
 * stopped the update), is left alone.
 */
export async function markUpdateFailed(
  deps: TransitionDeps,
  input: { clusterId: string; updateId?: string; executionArn?: string; failure: WorkflowFailure },
): Promise<UpdateOutcome> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  const ours = input.updateId ? cluster.update?.id === input.updateId : !input.executionArn || cluster.updateExecutionArn === input.executionArn;
  if (cluster.status !== 'UPDATING' || !ours || !canTransition(cluster.status, 'UPDATE_FAILED')) {
    logger.warn('update workflow ended after the cluster left this update; status kept', { clusterId: cluster.id, status: cluster.status, ...input.failure });
    return { event: undefined, version: cluster.version };
  }
  const where = input.failure.step ? ` while ${input.failure.step}` : '';
  const reason = `the update workflow stopped${where}: ${input.failure.error ?? 'unknown error'}`;
  const lastUpdate: LastUpdate | undefined = cluster.update
    ? { id: cluster.update.id, operation: cluster.update.operation, outcome: 'failed', reason, endedAt: deps.clock.now().toISOString() }
    : undefined;
  const updated = await transition(
    deps,
    cluster,
    'UPDATE_FAILED',
    { statusReason: reason, ...(lastUpdate ? { lastUpdate } : {}) },
    { type: 'cluster.update_failed', details: { ...input.failure } },
  );
  return { event: 'cluster.update_failed', version: updated.version };
}
