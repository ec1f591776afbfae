import type { Cluster, ClusterStatus, TimelineEvent } from '../domain/cluster';
import { NotFoundError } from '../domain/errors';
import type { ClusterStore, Page } from './ports';

/** Another owner's cluster and a missing one look the same to a caller: 404 either way. */
export async function getCluster(store: ClusterStore, owner: string, id: string): Promise<Cluster> {
  const cluster = await store.get(id);
  if (!cluster || cluster.owner !== owner) throw new NotFoundError(`There is no cluster ${id}.`);
  return cluster;
}

export function listClusters(store: ClusterStore, owner: string, query: { status?: ClusterStatus; limit: number; cursor?: string }): Promise<Page<Cluster>> {
  return store.listByOwner(owner, query);
}

export async function listClusterEvents(store: ClusterStore, owner: string, id: string, query: { limit: number; cursor?: string }): Promise<Page<TimelineEvent>> {
  await getCluster(store, owner, id);
  return store.listEvents(id, query);
}
