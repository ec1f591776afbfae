import type { Caller } from '../domain/access';
import type { Cluster } from '../domain/cluster';
import { ConflictError } from '../domain/errors';
import { getCluster } from './read-clusters';
import { retryOnStale } from './lifecycle';
import type { Clock, ClusterStore } from './ports';

/** A cluster that is being or has been deleted takes no activity: the answer says so instead of pretending. */
export function assertNotDeleting(cluster: Cluster): void {
  if (cluster.status === 'DELETING' || cluster.status === 'DELETED') {
    throw new ConflictError(`The cluster is ${cluster.status}.`, { errors: [{ field: 'status', message: `is ${cluster.status}` }] });
  }
}

/**
 * Primary course (POST /clusters/{id}/activity, for the jobs and bots that use a cluster):
 * 1. Load the cluster for the caller with action 'change' (its owner only; anyone else gets a 404); one being
 *    deleted is a 409.
 * 2. Set lastActivityAt to now with a conditional write. That moves the idle deadline (the store re-keys the reaper's
 *    index from it), and a reaper that read the cluster before this write can no longer delete it: its write is
 *    conditioned on the version it read.
 * Not on the timeline: activity can be frequent, and lastActivityAt says what matters.
 */
export async function recordClusterActivity(deps: { store: ClusterStore; clock: Clock }, command: { caller: Caller | string; id: string }): Promise<Cluster> {
  return retryOnStale(async () => {
    const cluster = await getCluster(deps.store, command.caller, command.id, 'change');
    assertNotDeleting(cluster);
    const now = deps.clock.now().toISOString();
    return deps.store.update(cluster, { lastActivityAt: now, updatedAt: now });
  });
}
