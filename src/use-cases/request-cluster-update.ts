/**
 * Changing a running cluster (PATCH /clusters/{id} with parameters, POST .../upgrade, .../hibernate, .../wake, the
 * Slack commands, and the reaper's idle hibernation): the API's half. It decides and records the change and starts
 * the update workflow, which does it (UpdateStack, the waits, the outcome).
 */
import type { Caller } from '../domain/access';
import type { ChatFollowUp, Cluster, ClusterUpdate, UpdateOperation } from '../domain/cluster';
import { assertMayStart, planParameterChange, sameParameters, targetOf, updateIdFor, type ParameterChanges } from '../domain/cluster-update';
import type { IdleAction } from '../domain/parameters';
import type { ClusterParameters } from '../domain/parameters';
import { instancesOf, type QuotaLimits } from '../domain/quota';
import { counted, nodeCounts } from '../domain/words';
import { logger } from '../logger';
import { record, retryOnStale } from './lifecycle';
import type { Clock, ClusterChanges, ClusterStore, QuotaLedger, WorkflowStarter } from './ports';
import { getCluster } from './read-clusters';

export interface RequestUpdateDeps {
  store: ClusterStore;
  /** Only the update workflow's start is needed (the routes that change a cluster are allowed nothing else). */
  workflows: Pick<WorkflowStarter, 'startUpdate' | 'updateExecutionArn'>;
  clock: Clock;
  quotas: QuotaLedger;
  quotaLimits: QuotaLimits;
}

/** What is asked: a parameter change (PATCH) or one of the operations without parameters. */
export type UpdateRequest = { operation: 'change'; changes: ParameterChanges } | { operation: 'upgrade' | 'hibernate' | 'wake' };

/** Lifecycle fields a PATCH may set in the same write as its parameter change. */
export interface LifecycleFields {
  expiresAt?: string | null;
  idleTimeout?: string | null;
  idleAction?: IdleAction | null;
}

export interface UpdateOptions {
  /** Who asked: the principal, or `reaper`. */
  requestedBy: string;
  /** The owner's own change is activity; the reaper's hibernation is not. */
  isActivity: boolean;
  statusReason?: string;
  /** Where to tell a chat user how the change ended; an API request clears an older chat user's. */
  followUp?: ChatFollowUp;
  lifecycle?: LifecycleFields;
}

export interface UpdateAnswer {
  cluster: Cluster;
  /** True when the cluster was already UPDATING with this very change (a retried request): nothing new started. */
  replayed: boolean;
}

/**
 * Primary course (for a caller):
 * 1. Load the cluster for the caller with action 'change' (its owner only; anyone else gets a 404).
 * 2. Begin the update (below); a write that lost a race is tried again on the fresh record.
 */
export async function requestClusterUpdate(
  deps: RequestUpdateDeps,
  command: { caller: Caller | string; id: string; request: UpdateRequest; followUp?: ChatFollowUp; lifecycle?: LifecycleFields },
): Promise<UpdateAnswer> {
  const principal = typeof command.caller === 'string' ? command.caller : command.caller.principal;
  return retryOnStale(async () => {
    const cluster = await getCluster(deps.store, command.caller, command.id, 'change');
    return beginUpdate(deps, cluster, command.request, { requestedBy: principal, isActivity: true, followUp: command.followUp, lifecycle: command.lifecycle });
  });
}

function plan(cluster: Cluster, request: UpdateRequest): { operation: UpdateOperation; target: ClusterParameters } {
  if (request.operation === 'change') return planParameterChange(cluster.parameters, request.changes);
  return { operation: request.operation, target: targetOf(cluster, request.operation) };
}

/** The same change asked again while it runs: same operation, same target (from the same starting parameters). */
function isRetryOf(cluster: Cluster, request: UpdateRequest): boolean {
  if (cluster.status !== 'UPDATING' || !cluster.update) return false;
  const running = cluster.update;
  if (request.operation === 'change') {
    try {
      const again = planParameterChange(running.previous, request.changes);
      return again.operation === running.operation && sameParameters(again.target, running.target);
    } catch {
      return false;
    }
  }
  return request.operation === running.operation;
}

/**
 * Primary course, for a cluster as read at `cluster.version`:
 * 1. The same change already running (a retry): answer with the cluster as it is, start nothing new (the workflow
 *    is started again by its name, which finds the running execution, in case the first request died before).
 * 2. Check the cluster may take the operation now (409 naming what runs) and plan the target (422 for a change that
 *    breaks a rule or changes nothing).
 * 3. A scale-out takes the extra instances from the owner's quota first (429 naming the limit; nothing written). A
 *    scale-in gives them back only once the update succeeded (the update workflow's outcome step does that).
 * 4. Write UPDATING with the update record, conditioned on the version read: two racing changes cannot both start.
 * 5. Start the update workflow, named after the cluster and the update. If it cannot be started, the record goes
 *    back to its previous status and the quota taken is given back: no UPDATING without a workflow behind it.
 */
export async function beginUpdate(deps: RequestUpdateDeps, cluster: Cluster, request: UpdateRequest, options: UpdateOptions): Promise<UpdateAnswer> {
  if (isRetryOf(cluster, request)) {
    await ensureUpdateWorkflow(deps, cluster);
    return { cluster, replayed: true };
  }
  const operation = request.operation === 'change' ? undefined : request.operation;
  if (operation) assertMayStart(cluster, operation);
  else assertMayStart(cluster, 'scale');
  const planned = plan(cluster, request);

  const now = deps.clock.now().toISOString();
  const update: ClusterUpdate = {
    id: updateIdFor(cluster.version),
    operation: planned.operation,
    target: planned.target,
    previous: cluster.parameters,
    requestedAt: now,
    requestedBy: options.requestedBy,
  };
  const before = instancesOf(cluster.parameters);
  const after = instancesOf(update.target);
  const quotaChange = { clusterId: cluster.id, from: before, to: after };
  if (after > before) await deps.quotas.adjust(cluster.owner, quotaChange, deps.quotaLimits);

  const changes: ClusterChanges & { statusReason: string } = {
    status: 'UPDATING',
    statusReason: options.statusReason ?? `${update.operation} requested`,
    update,
    updateExecutionArn: deps.workflows.updateExecutionArn(cluster.id, update.id),
    updatingAt: now,
    updatedAt: now,
    followUp: options.followUp ?? null,
    ...(update.operation === 'hibernate' ? { hibernatedWorkers: cluster.parameters.workers } : {}),
    ...(options.isActivity ? { lastActivityAt: now } : {}),
    ...options.lifecycle,
  };
  let updating: Cluster;
  try {
    updating = await deps.store.update(cluster, changes);
  } catch (error) {
    if (after > before) await giveBack(deps, cluster, quotaChange);
    throw error;
  }
  await record(deps, cluster.id, 'cluster.update_requested', describe(update), { updateId: update.id, operation: update.operation, from: cluster.status, target: update.target });

  try {
    const executionArn = await deps.workflows.startUpdate(cluster.id, update.id);
    await record(deps, cluster.id, 'workflow.started', 'update workflow started', { executionArn, updateId: update.id });
    logger.info('cluster update started', { clusterId: cluster.id, operation: update.operation, updateId: update.id, executionArn });
  } catch (error) {
    logger.error('update workflow could not be started; putting the cluster back', { clusterId: cluster.id, updateId: update.id, error });
    await putBack(deps, cluster, updating, error);
    if (after > before) await giveBack(deps, cluster, quotaChange);
    throw error;
  }
  return { cluster: updating, replayed: false };
}

/** The record as it was before the UPDATING write (status, reason and every field that write set). */
async function putBack(deps: RequestUpdateDeps, before: Cluster, updating: Cluster, cause: unknown): Promise<void> {
  const at = deps.clock.now().toISOString();
  try {
    await deps.store.update(updating, {
      status: before.status,
      statusReason: before.statusReason,
      update: before.update ?? null,
      updateExecutionArn: before.updateExecutionArn ?? null,
      updatingAt: before.updatingAt ?? null,
      hibernatedWorkers: before.hibernatedWorkers ?? null,
      followUp: before.followUp ?? null,
      lastActivityAt: before.lastActivityAt,
      expiresAt: before.expiresAt ?? null,
      idleTimeout: before.idleTimeout ?? null,
      idleAction: before.idleAction ?? null,
      updatedAt: at,
    });
    await record(deps, before.id, 'workflow.start_failed', `the update workflow could not be started; the cluster is ${before.status} again`, {
      updateId: updating.update?.id,
      error: cause instanceof Error ? cause.name : 'Error',
    });
  } catch (error) {
    // Left UPDATING with no workflow: logged loudly; the reconciler settles it once UPDATING is one of its statuses.
    logger.error('cluster could not be put back after a failed update start', { clusterId: before.id, error });
  }
}

async function giveBack(deps: RequestUpdateDeps, cluster: Cluster, change: { clusterId: string; from: number; to: number }): Promise<void> {
  try {
    await deps.quotas.adjust(cluster.owner, { clusterId: change.clusterId, from: change.to, to: change.from }, deps.quotaLimits);
  } catch (error) {
    logger.error('quota taken for a scale-out could not be given back', { clusterId: cluster.id, error });
  }
}

async function ensureUpdateWorkflow(deps: RequestUpdateDeps, cluster: Cluster): Promise<void> {
  try {
    await deps.workflows.startUpdate(cluster.id, cluster.update!.id);
  } catch (error) {
    // The answer is the cluster's state either way; the request that marked it UPDATING started (or reported) it.
    logger.warn('update workflow of an UPDATING cluster could not be confirmed', { clusterId: cluster.id, error });
  }
}

function describe(update: ClusterUpdate): string {
  const { previous: p, target: t } = update;
  switch (update.operation) {
    case 'scale':
      return `scale from ${nodeCounts(p)} to ${nodeCounts(t)} requested`;
    case 'resize': {
      const fields = (Object.keys(t) as (keyof ClusterParameters)[]).filter((k) => t[k] !== p[k]);
      return `resize requested: ${fields.map((k) => `${k} ${String(p[k])} → ${String(t[k])}`).join(', ')}`;
    }
    case 'upgrade':
      return 'upgrade requested: every node is replaced, one at a time, with the newest AMI and the pinned Docker version';
    case 'hibernate':
      return `hibernate requested: workers go from ${p.workers} to 0, the ${counted(p.managers, 'manager')} (and the swarm's state) stay`;
    case 'wake':
      return `wake requested: back to ${counted(t.workers, 'worker')}`;
  }
}
