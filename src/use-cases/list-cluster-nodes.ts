import type { Caller } from '../domain/access';
import type { ClusterNode } from '../domain/cluster';
import { StaleClusterError } from '../domain/errors';
import { getCluster } from './read-clusters';
import type { Clock, ClusterStore, InstanceInventory } from './ports';

export interface NodeList {
  items: ClusterNode[];
  refreshedAt?: string;
}

/**
 * The AWS side of `docker node ls`. By default the inventory recorded when the cluster became READY; with
 * `refresh`, read from EC2 now and kept on the record (unless the record moved on meanwhile).
 */
export async function listClusterNodes(
  deps: { store: ClusterStore; instances: InstanceInventory; clock: Clock },
  query: { caller: Caller | string; id: string; refresh: boolean },
): Promise<NodeList> {
  const cluster = await getCluster(deps.store, query.caller, query.id, 'read');
  if (!query.refresh) return { items: cluster.nodes };
  const items = await deps.instances.instancesOfCluster(cluster.region, cluster.id);
  const refreshedAt = deps.clock.now().toISOString();
  try {
    await deps.store.update(cluster, { nodes: items, updatedAt: refreshedAt });
  } catch (error) {
    if (!(error instanceof StaleClusterError)) throw error;
  }
  return { items, refreshedAt };
}
