import { asCaller, mayAccess, type Caller, type ClusterAction } from '../domain/access';
import type { Cluster, ClusterStatus, TimelineEvent } from '../domain/cluster';
import { ForbiddenError, NotFoundError } from '../domain/errors';
import type { ClusterReader, Page } from './ports';

/**
 * The one door to a cluster for every route that names one: its owner gets it; an operator gets it for reading and
 * deleting; anyone else gets the same 404 as for a cluster that does not exist, so ids cannot be probed.
 *
 * Routes still to come pass the action they perform: DELETE /clusters/{id} → 'delete' (operators may, the reaper
 * does); PATCH, POST .../activity and POST .../redeliver → 'change' (owner only); GET .../deliveries → 'read'.
 * A caller given as a plain owner name (code written before operators existed) is treated as a non-operator.
 */
export async function getCluster(store: ClusterReader, caller: Caller | string, id: string, action: ClusterAction = 'read'): Promise<Cluster> {
  const cluster = await store.get(id);
  if (!cluster || !mayAccess(asCaller(caller), cluster, action)) throw new NotFoundError(`There is no cluster ${id}.`);
  return cluster;
}

/** GET /clusters/{id}: the same door, and the cluster's stack resources with it (its `progress`), in one read. */
export async function getClusterWithProgress(store: ClusterReader, caller: Caller | string, id: string): Promise<Cluster> {
  const cluster = await store.getWithResources(id);
  if (!cluster || !mayAccess(asCaller(caller), cluster, 'read')) throw new NotFoundError(`There is no cluster ${id}.`);
  return cluster;
}

/**
 * A caller's clusters, newest first; with `idleSince`, the live clusters with no activity since then, least recently
 * active first. An operator may name another owner (`owner=`) to list theirs; anyone else asking for someone else's
 * list is refused outright rather than silently shown their own.
 */
export function listClusters(
  store: ClusterReader,
  caller: Caller | string,
  query: { owner?: string; status?: ClusterStatus; idleSince?: string; limit: number; cursor?: string },
): Promise<Page<Cluster>> {
  const who = asCaller(caller);
  const owner = query.owner ?? who.principal;
  if (owner !== who.principal && !who.operator) throw new ForbiddenError('Only an operator may list another owner’s clusters.');
  const page = { status: query.status, limit: query.limit, cursor: query.cursor };
  if (query.idleSince === undefined) return store.listByOwner(owner, page);
  return store.listIdleByOwner(owner, { ...page, idleSince: new Date(query.idleSince).toISOString() });
}

export async function listClusterEvents(store: ClusterReader, caller: Caller | string, id: string, query: { limit: number; cursor?: string }): Promise<Page<TimelineEvent>> {
  await getCluster(store, caller, id, 'read');
  return store.listEvents(id, query);
}
