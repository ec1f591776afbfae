import type { Caller } from '../domain/access';
import type { Delivery } from '../domain/delivery';
import type { ClusterReader, DeliveryReader, Page } from './ports';
import { getCluster } from './read-clusters';

/** The delivery log of a cluster, oldest first; another owner's cluster is a 404, as for every cluster read. */
export async function listClusterDeliveries(
  deps: { store: ClusterReader; deliveries: DeliveryReader },
  caller: Caller | string,
  clusterId: string,
  query: { limit: number; cursor?: string },
): Promise<Page<Delivery>> {
  await getCluster(deps.store, caller, clusterId, 'read');
  return deps.deliveries.list(clusterId, query);
}
