/**
 * The reconciler: nothing stays in a transitional status (CREATING, DELETING, UPDATING) without a workflow driving it. A
 * workflow's execution can vanish without ending the cluster: the local sandbox restarted (its executions lived in
 * the process), the request that wrote the record died before StartExecution, an execution-ended event was lost.
 */
import type { Cluster, ClusterStatus } from '../domain/cluster';
import { drivingExecution, isTransitional, MAX_WORKFLOW_RESUMES, resumedExecutionArn, resumesOf, type TransitionalStatus } from '../domain/reconciliation';
import type { WebhookEventType } from '../domain/webhook';
import { logger } from '../logger';
import { record, transition } from './lifecycle';
import { notifyClusterOutcome } from './notify-cluster-outcome';
import type { ChatFollowUps, Clock, ClusterStore, DeliveryStore, DeliveryWorkflow, ExecutionState, QuotaLedger, StackReader, WorkflowExecutions } from './ports';
import { sweep, visitGuarded } from './sweep';

export interface ReconcileDeps {
  store: ClusterStore;
  executions: WorkflowExecutions;
  /** Only describeStack: whether a CREATING cluster's stack still exists. */
  stacks: Pick<StackReader, 'describeStack'>;
  clock: Clock;
  /** The lifecycle's (an ended cluster's chat user is told, like any other ending). */
  quotas: QuotaLedger;
  followUps: ChatFollowUps;
  /** The webhook of an ended cluster goes through the durable delivery, like every other event. */
  deliveries: DeliveryStore;
  deliveryWorkflow: DeliveryWorkflow;
  /**
   * How long a transitional record must have been unchanged before the reconciler looks at it. Covers the moment
   * between writing a status and starting its workflow (a create, a delete request), and a restart it just made.
   */
  graceSeconds: number;
  /** Clusters one run looks at most; the rest are next run's. */
  batchSize: number;
}

export interface ReconcileSummary {
  examined: number;
  /** Their workflow is running: nothing to do. */
  running: number;
  /** Their workflow was started again under a new execution name. */
  resumed: number;
  /** Ended with a status and a reason (FAILED, DELETE_FAILED). */
  ended: number;
  /** The record changed between the read and the write: left for the next run. */
  raced: number;
  failed: number;
}

const ENDING: Record<TransitionalStatus, { status: ClusterStatus; event: WebhookEventType; at?: 'failedAt' | 'deleteFailedAt'; advice: string }> = {
  CREATING: { status: 'FAILED', event: 'cluster.failed', at: 'failedAt', advice: '' },
  DELETING: { status: 'DELETE_FAILED', event: 'cluster.delete_failed', at: 'deleteFailedAt', advice: '; delete it again to retry' },
  // The stack may still be mid-update: a new change waits for it (UpdateStack is refused until it ends), a delete cancels it.
  UPDATING: { status: 'UPDATE_FAILED', event: 'cluster.update_failed', advice: '; change it again to retry, or delete it' },
};

type Settlement = { action: 'resume' } | { action: 'end'; why: string };

const RECONCILER = { name: 'reconciler', failure: 'reconciler could not settle a cluster' };

/**
 * Primary course (a scheduled run; locally also once at start):
 * 1. Query the transitional clusters whose record has been quiet for the grace period, in pages (a sparse index,
 *    never a Scan).
 * 2. Read each one again, consistently; skip it if it settled or changed meanwhile.
 * 3. Ask Step Functions about the execution that drives it. Running (or about to be redriven) → leave it alone.
 * 4. Ended (the execution-ended event was lost, or its handler failed) → end the cluster as that handler would:
 *    CREATING → FAILED, DELETING → DELETE_FAILED (which may be deleted again), UPDATING → UPDATE_FAILED (which may be
 *    changed again or deleted), with the reason and the webhook.
 * 5. Unknown to Step Functions → start the workflow again under a new name (its steps are idempotent: the stack
 *    name and the ClientRequestTokens are deterministic), claiming the restart first with a conditional write on
 *    the version read in step 2, so two overlapping runs cannot both restart it. A CREATING cluster whose recorded
 *    stack is gone is ended FAILED instead (a restart would make a new stack), and so is any cluster restarted
 *    MAX_WORKFLOW_RESUMES times already.
 * Every action goes on the cluster's timeline (`workflow.reconciled`). One cluster's failure does not stop the others.
 */
export async function reconcileClusters(deps: ReconcileDeps): Promise<ReconcileSummary> {
  const now = deps.clock.now();
  const quietSince = new Date(now.getTime() - deps.graceSeconds * 1000).toISOString();
  const summary: ReconcileSummary = { examined: 0, running: 0, resumed: 0, ended: 0, raced: 0, failed: 0 };
  summary.examined = await sweep((page) => deps.store.listTransitional({ quietSince, ...page }), deps.batchSize, (candidate) => visitGuarded(RECONCILER, candidate.id, summary, () => reconcileOne(deps, candidate.id, quietSince, summary)));
  if (summary.resumed + summary.ended + summary.failed > 0) logger.info('reconciler run finished', { ...summary });
  return summary;
}

async function reconcileOne(deps: ReconcileDeps, clusterId: string, quietSince: string, summary: ReconcileSummary): Promise<void> {
  const cluster = await deps.store.get(clusterId);
  // Settled, or changed since the (eventually consistent) index was read: whoever changed it is driving it.
  if (!cluster || !isTransitional(cluster.status) || cluster.updatedAt >= quietSince) return;
  const transitional = cluster as Cluster & { status: TransitionalStatus };
  const { executionArn } = drivingExecution(transitional);
  const state: ExecutionState = executionArn ? await deps.executions.describe(executionArn) : { state: 'missing' };
  if (state.state === 'running') {
    summary.running += 1;
    return;
  }
  const settlement = await settle(deps, transitional, state);
  if (settlement.action === 'resume') await resume(deps, transitional);
  else await end(deps, transitional, settlement.why);
  summary[settlement.action === 'resume' ? 'resumed' : 'ended'] += 1;
}

async function settle(deps: ReconcileDeps, cluster: Cluster & { status: TransitionalStatus }, state: Exclude<ExecutionState, { state: 'running' }>): Promise<Settlement> {
  const { workflow, executionArn } = drivingExecution(cluster);
  if (state.state === 'ended') {
    const how = `${state.status.toLowerCase().replace('_', ' ')}${state.error ? ` (${state.error})` : ''}`;
    return { action: 'end', why: `the ${workflow} workflow ended ${how} without settling the cluster` };
  }
  if (!executionArn) return { action: 'end', why: `no ${workflow} workflow execution is on record` };
  const resumes = resumesOf(executionArn);
  if (resumes >= MAX_WORKFLOW_RESUMES) {
    return { action: 'end', why: `the ${workflow} workflow was lost ${resumes + 1} times (started again ${resumes} times)` };
  }
  if (cluster.status === 'CREATING' && cluster.stackId) {
    const stack = await deps.stacks.describeStack(cluster.region, cluster.stackId);
    if (!stack || stack.status === 'DELETE_COMPLETE') {
      return { action: 'end', why: `the create workflow was lost and its stack ${cluster.stackName} no longer exists` };
    }
  }
  return { action: 'resume' };
}

/** Claims the restart on the version read (a second run loses the write), then starts the execution by its new name. */
async function resume(deps: ReconcileDeps, cluster: Cluster & { status: TransitionalStatus }): Promise<void> {
  const { workflow, field, executionArn } = drivingExecution(cluster);
  const previous = executionArn!;
  const next = resumedExecutionArn(previous);
  const now = deps.clock.now().toISOString();
  await deps.store.update(cluster, { [field]: next, updatedAt: now });
  // The update workflow is started for one change: its input names it (the steps check it is still the cluster's).
  await deps.executions.startAt(next, cluster.id, cluster.status === 'UPDATING' && cluster.update ? { updateId: cluster.update.id } : {});
  await record(deps, cluster.id, 'workflow.reconciled', `the ${workflow} workflow's execution no longer exists; the reconciler started it again`, {
    action: 'resumed',
    previousExecutionArn: previous,
    executionArn: next,
    resume: resumesOf(next),
  });
  logger.warn('workflow started again by the reconciler', { clusterId: cluster.id, workflow, previous, executionArn: next });
}

/** Ends the cluster (conditional on the version read) with the reason, and sends the webhook of that ending. */
async function end(deps: ReconcileDeps, cluster: Cluster & { status: TransitionalStatus }, why: string): Promise<void> {
  const ending = ENDING[cluster.status];
  const reason = `${why}; ended by the reconciler${ending.advice}`;
  const updated = await transition(
    deps,
    cluster,
    ending.status,
    { statusReason: reason, ...(ending.at ? { [ending.at]: deps.clock.now().toISOString() } : {}) },
    { type: ending.event, details: { reconciled: true } },
  );
  await record(deps, cluster.id, 'workflow.reconciled', `the reconciler ended the cluster ${ending.status}: ${why}`, { action: 'ended', from: cluster.status, to: ending.status });
  try {
    await notifyClusterOutcome(deps, { clusterId: cluster.id, event: ending.event, version: updated.version });
  } catch (error) {
    // The status is what matters and it is written; the delivery's own failure is logged for an operator.
    logger.error('webhook of a reconciled cluster could not be scheduled', { clusterId: cluster.id, error });
  }
}
