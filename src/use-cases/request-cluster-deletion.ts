import type { Caller } from '../domain/access';
import type { ChatFollowUp, Cluster, DeleteReason } from '../domain/cluster';
import { resumesOf } from '../domain/reconciliation';
import { logger } from '../logger';
import { getCluster } from './read-clusters';
import { record, retryOnStale, transition } from './lifecycle';
import type { ChatFollowUps, Clock, ClusterStore, QuotaLedger, WorkflowStarter } from './ports';

export interface RequestDeletionDeps {
  store: ClusterStore;
  workflows: WorkflowStarter;
  clock: Clock;
  /** The lifecycle's: DELETED gives the owner's quota share back, and a chat user who asked is told the outcome. */
  quotas: QuotaLedger;
  followUps: ChatFollowUps;
}

export interface DeletionRequest {
  reason: DeleteReason;
  /** The status reason while deleting, e.g. "delete requested by the owner" or "expired at ...: deleting". */
  statusReason: string;
  /** The owner's own request counts as activity; the reaper's (and an operator's) does not. */
  isActivity: boolean;
  /** Where to tell a chat user how the delete ended (a Slack command's response_url); replaces an older one. */
  followUp?: ChatFollowUp;
}

/**
 * Primary course (DELETE /clusters/{id}, and the Slack `delete` command):
 * 1. Load the cluster for the caller with action 'delete': its owner's, or any cluster for an operator; anyone
 *    else, like a missing cluster, gets a 404.
 * 2. Begin its deletion (below); a write that lost a race is tried again on the fresh record.
 */
export async function requestClusterDeletion(
  deps: RequestDeletionDeps,
  command: { caller: Caller | string; id: string; followUp?: ChatFollowUp },
): Promise<Cluster> {
  return retryOnStale(async () => {
    const cluster = await getCluster(deps.store, command.caller, command.id, 'delete');
    const byOwner = cluster.owner === (typeof command.caller === 'string' ? command.caller : command.caller.principal);
    return beginDeletion(deps, cluster, {
      reason: 'requested',
      statusReason: byOwner ? 'delete requested by the owner' : 'delete requested by an operator',
      isActivity: byOwner,
      followUp: command.followUp,
    });
  });
}

/**
 * Primary course, for a cluster as read at `cluster.version`:
 * 1. DELETING or DELETED: nothing new. A DELETING cluster's workflow is started by its deterministic name, which
 *    finds the execution already running (or already ended) rather than starting another; it only matters if the
 *    request that marked it DELETING died before starting it.
 * 2. Mark it DELETING with a conditional write on the version read: a racing writer (activity the reaper has not
 *    seen, another DELETE) makes this throw StaleClusterError and nothing is started.
 * 3. A CREATING cluster's create execution is stopped. Whatever stack it made is found by the delete workflow.
 * 4. Start the delete workflow for this request. If it cannot be started, the cluster is DELETE_FAILED (so a DELETE
 *    can retry it) rather than DELETING with nothing behind it.
 */
export async function beginDeletion(deps: RequestDeletionDeps, cluster: Cluster, request: DeletionRequest): Promise<Cluster> {
  if (cluster.status === 'DELETED') return cluster;
  if (cluster.status === 'DELETING') {
    const current = await rememberFollowUp(deps, cluster, request.followUp);
    await ensureDeleteWorkflow(deps, current);
    return current;
  }

  const now = deps.clock.now().toISOString();
  const deleteRequests = (cluster.deleteRequests ?? 0) + 1;
  const deleting = await transition(
    deps,
    cluster,
    'DELETING',
    {
      statusReason: request.statusReason,
      deleteReason: request.reason,
      deleteRequests,
      deleteExecutionArn: deps.workflows.deleteExecutionArn(cluster.id, deleteRequests),
      deletingAt: now,
      ...(request.isActivity ? { lastActivityAt: now } : {}),
      ...(request.followUp ? { followUp: request.followUp } : {}),
    },
    { type: 'cluster.delete_requested', details: { reason: request.reason, from: cluster.status } },
  );

  if (cluster.status === 'CREATING' && cluster.createExecutionArn) await cancelCreate(deps, deleting, cluster.createExecutionArn);
  if (cluster.status === 'UPDATING' && cluster.updateExecutionArn) await cancelUpdate(deps, deleting, cluster.updateExecutionArn);

  try {
    const executionArn = await deps.workflows.startDelete(cluster.id, deleteRequests);
    await record(deps, cluster.id, 'workflow.started', 'delete workflow started', { executionArn });
    logger.info('cluster delete started', { clusterId: cluster.id, reason: request.reason, executionArn });
  } catch (error) {
    logger.error('delete workflow could not be started; marking the cluster DELETE_FAILED', { clusterId: cluster.id, error });
    await transition(
      deps,
      deleting,
      'DELETE_FAILED',
      { statusReason: 'the delete workflow could not be started; delete it again to retry', deleteFailedAt: deps.clock.now().toISOString() },
      { type: 'cluster.delete_failed' },
    ).catch((markError: unknown) => logger.error('delete failure could not be recorded', { clusterId: cluster.id, error: markError }));
    throw error;
  }
  return deleting;
}

/**
 * Stops the create workflow. Only an optimisation: a create step that runs anyway finds the cluster DELETING and
 * stops there (the stack claim in start-stack-creation makes sure any stack it made is one the delete workflow
 * finds), so a failure here is logged, not fatal.
 */
async function cancelCreate(deps: RequestDeletionDeps, cluster: Cluster, createExecutionArn: string): Promise<void> {
  try {
    await deps.workflows.stop(createExecutionArn, { error: 'ClusterDeleted', cause: 'The cluster was deleted while it was being created.' });
    await record(deps, cluster.id, 'workflow.cancelled', 'create workflow stopped: the cluster is being deleted', { executionArn: createExecutionArn });
  } catch (error) {
    logger.warn('create workflow could not be stopped; it stops at its next step', { clusterId: cluster.id, error });
  }
}

/**
 * Stops the update workflow. Only an optimisation too: an update step that runs anyway finds the cluster DELETING and
 * records nothing; the delete workflow cancels the stack's update itself (CancelUpdateStack) before DeleteStack.
 */
async function cancelUpdate(deps: RequestDeletionDeps, cluster: Cluster, updateExecutionArn: string): Promise<void> {
  try {
    await deps.workflows.stop(updateExecutionArn, { error: 'ClusterDeleted', cause: 'The cluster was deleted while it was being updated.' });
    await record(deps, cluster.id, 'workflow.cancelled', 'update workflow stopped: the cluster is being deleted', { executionArn: updateExecutionArn });
  } catch (error) {
    logger.warn('update workflow could not be stopped; it stops at its next step', { clusterId: cluster.id, error });
  }
}

async function ensureDeleteWorkflow(deps: RequestDeletionDeps, cluster: Cluster): Promise<void> {
  // A delete the reconciler restarted runs under a name of its own; starting the first name again would run two.
  if (cluster.deleteExecutionArn && resumesOf(cluster.deleteExecutionArn) > 0) return;
  try {
    await deps.workflows.startDelete(cluster.id, cluster.deleteRequests ?? 1);
  } catch (error) {
    // The answer is the cluster's state either way; the request that marked it DELETING started (or reported) it.
    logger.warn('delete workflow of a DELETING cluster could not be confirmed', { clusterId: cluster.id, error });
  }
}

/**
 * A chat user asking to delete a cluster that is already DELETING is told the outcome too: their response_url
 * replaces the older one (Slack's expire after 30 minutes, so the newest is the one most likely to still work).
 */
async function rememberFollowUp(deps: RequestDeletionDeps, cluster: Cluster, followUp: ChatFollowUp | undefined): Promise<Cluster> {
  if (!followUp || cluster.followUp?.responseUrl === followUp.responseUrl) return cluster;
  return deps.store.update(cluster, { followUp, updatedAt: deps.clock.now().toISOString() });
}
