/**
 * The one way a use case changes a cluster's status: check the transition, write it conditionally, log it, and do
 * what a status means for the rest of the service (the owner's quota, the chat user who asked).
 */
import { assertTransition, type Cluster, type ClusterStatus, type TimelineEventType } from '../domain/cluster';
import { ClusterMissingError, ConflictError, StaleClusterError } from '../domain/errors';
import { instancesOf } from '../domain/quota';
import { logger } from '../logger';
import type { ChatFollowUps, Clock, ClusterChanges, ClusterStore, QuotaLedger } from './ports';

export interface LifecycleDeps {
  store: ClusterStore;
  clock: Clock;
}

export interface TransitionDeps extends LifecycleDeps {
  quotas: QuotaLedger;
  followUps: ChatFollowUps;
}

/**
 * Statuses in which a cluster's AWS resources are known to be gone, so its quota share goes back. FAILED is not one:
 * a failed stack may still hold instances (a workflow error, a machine timeout). A FAILED cluster gives its share
 * back when the create workflow has seen its failed stack deleted (releaseQuota from clean-up-failed-stack), or when
 * it is DELETED. DELETE_FAILED keeps it: whatever blocked the delete is still there.
 */
const RELEASES_QUOTA: ReadonlySet<ClusterStatus> = new Set(['DELETED']);

/**
 * The outcomes a person who asked in chat is told about: of a create, a delete, and an update (READY after any change,
 * HIBERNATED after a hibernate, UPDATE_FAILED). An update that is not a chat user's clears the follow-up when it
 * starts (request-cluster-update.ts), so an old create's person is not told of someone else's change.
 */
const ANNOUNCED: ReadonlySet<ClusterStatus> = new Set(['READY', 'HIBERNATED', 'UPDATE_FAILED', 'FAILED', 'DELETED', 'DELETE_FAILED']);

export async function transition(
  deps: TransitionDeps,
  cluster: Cluster,
  to: ClusterStatus,
  changes: ClusterChanges & { statusReason: string },
  event: { type: TimelineEventType; details?: Record<string, unknown> },
): Promise<Cluster> {
  // A step retried after its write landed finds the cluster already there: nothing to write or announce again, but
  // the quota release is repeated (it is idempotent), in case it was the release that failed the first time.
  const moved = cluster.status !== to;
  let updated = cluster;
  if (moved) {
    assertTransition(cluster.status, to);
    const now = deps.clock.now().toISOString();
    updated = await deps.store.update(cluster, { ...changes, status: to, updatedAt: now });
    await record(deps, cluster.id, event.type, changes.statusReason, event.details);
    logger.info('cluster status changed', { clusterId: cluster.id, from: cluster.status, to, reason: changes.statusReason });
  }
  if (RELEASES_QUOTA.has(to)) await releaseQuota(deps, updated, `cluster ${to}`);
  if (moved && ANNOUNCED.has(to)) await deps.followUps.announce(updated);
  return updated;
}

/** Gives the cluster's quota share back to its owner; safe to call any number of times. */
export async function releaseQuota(deps: { quotas: QuotaLedger }, cluster: Cluster, reason: string): Promise<void> {
  const released = await deps.quotas.release(cluster.owner, { clusterId: cluster.id, instances: instancesOf(cluster.parameters) });
  if (released) logger.info('quota share released', { clusterId: cluster.id, reason });
}

export async function record(
  deps: LifecycleDeps,
  clusterId: string,
  type: TimelineEventType,
  message: string,
  details?: Record<string, unknown>,
): Promise<void> {
  await deps.store.appendEvent({ clusterId, at: deps.clock.now().toISOString(), type, message, details });
}

export async function loadCluster(store: ClusterStore, clusterId: string): Promise<Cluster> {
  const cluster = await store.get(clusterId);
  if (!cluster) throw new ClusterMissingError(clusterId);
  return cluster;
}

/**
 * Runs a read-then-write again when the write lost a race (the record moved on between the two), a few times; for
 * the requests of a person, who should not see a 500 because a workflow step wrote at the same moment.
 */
export async function retryOnStale<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof StaleClusterError)) throw error;
      if (attempt >= attempts) throw new ConflictError('The cluster kept changing while this request was applied; try again.', { cause: error });
    }
  }
}
