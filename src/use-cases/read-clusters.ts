import type { Cluster, ClusterStatus, TimelineEvent } from '../domain/cluster';
import { NotFoundError } from '../domain/errors';
import type { ClusterStore, Page } from './ports';

/** Another owner's cluster and a missing one look the same to a caller: 404 either way. */
export async function getCluster(store: ClusterStore, owner: string, id: string): Promise<Cluster> {
  const cluster = await store.get(id);
  if (!cluster || cluster.owner !== owner) throw new NotFoundError(`There is no cluster ${id}.`);
  return cluster;
}

/** Newest first; with `idleSince`, the live clusters with no activity since then, least recently active first. */
export function listClusters(store: ClusterStore, owner: string, query: { status?: ClusterStatus; idleSince?: string; limit: number; cursor?: string }): Promise<Page<Cluster>> {
  const { idleSince, ...rest } = query;
  if (idleSince === undefined) return store.listByOwner(owner, rest);
  return store.listIdleByOwner(owner, { ...rest, idleSince: new Date(idleSince).toISOString() });
}

export async function listClusterEvents(store: ClusterStore, owner: string, id: string, query: { limit: number; cursor?: string }): Promise<Page<TimelineEvent>> {
  await getCluster(store, owner, id);
  return store.listEvents(id, query);
}
