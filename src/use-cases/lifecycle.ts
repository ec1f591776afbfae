/** The one way a use case changes a cluster's status: check the transition, write it conditionally, log it. */
import { assertTransition, type Cluster, type ClusterStatus, type TimelineEventType } from '../domain/cluster';
import { ConflictError, StaleClusterError } from '../domain/errors';
import { logger } from '../logger';
import type { Clock, ClusterChanges, ClusterStore } from './ports';

export interface LifecycleDeps {
  store: ClusterStore;
  clock: Clock;
}

export async function transition(
  deps: LifecycleDeps,
  cluster: Cluster,
  to: ClusterStatus,
  changes: ClusterChanges & { statusReason: string },
  event: { type: TimelineEventType; details?: Record<string, unknown> },
): Promise<Cluster> {
  // A step retried after its write landed finds the cluster already there: nothing to do.
  if (cluster.status === to) return cluster;
  assertTransition(cluster.status, to);
  const now = deps.clock.now().toISOString();
  const updated = await deps.store.update(cluster, { ...changes, status: to, updatedAt: now });
  await record(deps, cluster.id, event.type, changes.statusReason, event.details);
  logger.info('cluster status changed', { clusterId: cluster.id, from: cluster.status, to, reason: changes.statusReason });
  return updated;
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

/** A workflow step was handed a cluster id that has no record: a bug or a manual start, never retried. */
export class ClusterMissingError extends Error {
  constructor(readonly clusterId: string) {
    super(`cluster ${clusterId} has no record`);
    this.name = 'ClusterMissingError';
  }
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
