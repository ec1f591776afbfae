import { canTransition } from '../domain/cluster';
import { logger } from '../logger';
import { loadCluster, transition, type TransitionDeps } from './lifecycle';

export interface WorkflowFailure {
  /** The state that failed and the error name Step Functions reported (never the cause: it may hold internals). */
  step?: string;
  error?: string;
}

/**
 * The workflows' last resort: whatever broke, a CREATING cluster ends FAILED with a reason a person can act on.
 * A cluster that already reached a final status is left alone.
 */
export async function markClusterFailed(
  deps: TransitionDeps,
  input: { clusterId: string; failure: WorkflowFailure },
): Promise<{ event: 'cluster.failed' | undefined; version: number }> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  if (!canTransition(cluster.status, 'FAILED')) {
    logger.warn('workflow failed after the cluster left CREATING; status kept', { clusterId: cluster.id, status: cluster.status, ...input.failure });
    return { event: undefined, version: cluster.version };
  }
  const where = input.failure.step ? ` while ${input.failure.step}` : '';
  const reason = `the create workflow stopped${where}: ${input.failure.error ?? 'unknown error'}`;
  const updated = await transition(deps, cluster, 'FAILED', { statusReason: reason, failedAt: deps.clock.now().toISOString() }, { type: 'cluster.failed', details: { ...input.failure } });
  return { event: 'cluster.failed', version: updated.version };
}
