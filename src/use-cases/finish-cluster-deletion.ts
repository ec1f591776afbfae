/**
 * The end of the delete workflow: once every instance the cluster ran is `terminated` (await-instances.ts), DELETED; or
 * DELETE_FAILED with a reason a person can act on.
 */
import { canTransition, type ClusterNode } from '../domain/cluster';
import { counted } from '../domain/words';
import { logger } from '../logger';
import { loadCluster, transition, type TransitionDeps } from './lifecycle';
import type { WorkflowFailure } from './mark-cluster-failed';
import type { InstanceInventory } from './ports';

/**
 * Every instance of the cluster: those EC2 lists under the cluster-id tag, plus those in the inventory recorded at
 * READY that the tag query did not return (a tag removed by hand, say), read by id. An id EC2 no longer lists at
 * all was terminated long enough ago to be forgotten.
 */
export async function instancesOf(deps: { instances: InstanceInventory }, cluster: { id: string; region: string; nodes: ClusterNode[] }): Promise<ClusterNode[]> {
  const tagged = await deps.instances.instancesOfCluster(cluster.region, cluster.id);
  const seen = new Set(tagged.map((node) => node.instanceId));
  const untagged = cluster.nodes.map((node) => node.instanceId).filter((id) => !seen.has(id));
  const byId = untagged.length > 0 ? await deps.instances.instancesById(cluster.region, untagged) : [];
  const found = new Set(byId.map((node) => node.instanceId));
  const forgotten = cluster.nodes.filter((node) => !seen.has(node.instanceId) && !found.has(node.instanceId)).map((node) => ({ ...node, state: 'terminated' }));
  return [...tagged, ...byId, ...forgotten];
}

export interface DeleteOutcome {
  event: 'cluster.deleted' | 'cluster.delete_failed' | undefined;
  version: number;
}

/**
 * Primary course: the stack is gone and no instance is left → DELETED, with the final node states, and the
 * `cluster.deleted` event for the webhook.
 */
export async function markClusterDeleted(deps: TransitionDeps, input: { clusterId: string; total: number }): Promise<DeleteOutcome> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  const nodes = cluster.nodes.map((node) => ({ ...node, state: 'terminated' }));
  const instances = input.total === 0 ? 'it ran no instances' : `all ${counted(input.total, 'instance')} terminated`;
  const updated = await transition(
    deps,
    cluster,
    'DELETED',
    { statusReason: `stack deleted and ${instances}`, nodes, deletedAt: deps.clock.now().toISOString() },
    { type: 'cluster.deleted', details: { instances: input.total } },
  );
  return { event: 'cluster.deleted', version: updated.version };
}

/**
 * The delete workflow's last resort, and the execution-ended backstop's: a DELETING cluster ends DELETE_FAILED with
 * the reason (the blocking resources, the poll budget spent, or the step that broke). A cluster that already
 * settled, or whose current delete is another execution's, is left alone.
 */
export async function markClusterDeleteFailed(
  deps: TransitionDeps,
  input: { clusterId: string; reason?: string; failure?: WorkflowFailure; executionArn?: string },
): Promise<DeleteOutcome> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  const stale = input.executionArn !== undefined && cluster.deleteExecutionArn !== input.executionArn;
  if (stale || !canTransition(cluster.status, 'DELETE_FAILED')) {
    logger.warn('delete workflow ended after the cluster settled; status kept', { clusterId: cluster.id, status: cluster.status, ...input.failure });
    return { event: undefined, version: cluster.version };
  }
  const where = input.failure?.step ? ` while ${input.failure.step}` : '';
  const reason = input.reason ?? `the delete workflow stopped${where}: ${input.failure?.error ?? 'unknown error'}`;
  const updated = await transition(
    deps,
    cluster,
    'DELETE_FAILED',
    { statusReason: reason, deleteFailedAt: deps.clock.now().toISOString() },
    { type: 'cluster.delete_failed', details: { ...input.failure } },
  );
  return { event: 'cluster.delete_failed', version: updated.version };
}
