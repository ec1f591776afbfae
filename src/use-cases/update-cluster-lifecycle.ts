import type { Caller } from '../domain/access';
import type { Cluster } from '../domain/cluster';
import { ValidationError } from '../domain/errors';
import type { IdleAction } from '../domain/parameters';
import { getCluster } from './read-clusters';
import { assertNotDeleting } from './record-cluster-activity';
import { record, retryOnStale } from './lifecycle';
import type { Clock, ClusterStore } from './ports';

/** The lifecycle fields PATCH may change; null clears one. */
export interface LifecycleChanges {
  expiresAt?: string | null;
  idleTimeout?: string | null;
  /** What the reaper does once the cluster is idle: delete (the default; null clears to it) or hibernate. */
  idleAction?: IdleAction | null;
}

/** What the schema cannot check: a new expiry must be in the future. */
export function assertLifecycleRules(changes: LifecycleChanges, now: Date): void {
  if (typeof changes.expiresAt === 'string' && Date.parse(changes.expiresAt) <= now.getTime()) {
    throw new ValidationError('The lifecycle change breaks a rule of this service.', { errors: [{ field: 'expiresAt', message: 'must be in the future' }] });
  }
}

/**
 * Primary course (PATCH /clusters/{id}):
 * 1. Check what the schema cannot: a new expiry must be in the future.
 * 2. Load the cluster for the caller with action 'change' (its owner only: operators may read and delete, not
 *    change; anyone else gets a 404); one being deleted is a 409.
 * 3. Apply the changes with a conditional write; the owner's change is activity too. The store re-keys the reaper's
 *    index, so a new deadline gets its own reminder.
 * 4. Put the change on the timeline.
 */
export async function updateClusterLifecycle(
  deps: { store: ClusterStore; clock: Clock },
  command: { caller: Caller | string; id: string; changes: LifecycleChanges },
): Promise<Cluster> {
  const { changes } = command;
  assertLifecycleRules(changes, deps.clock.now());
  return retryOnStale(async () => {
    const cluster = await getCluster(deps.store, command.caller, command.id, 'change');
    assertNotDeleting(cluster);
    const at = deps.clock.now().toISOString();
    const updated = await deps.store.update(cluster, { ...changes, lastActivityAt: at, updatedAt: at });
    const described = Object.entries(changes).map(([field, value]) => `${field} ${value === null ? 'cleared' : `set to ${value}`}`).join(', ');
    await record(deps, cluster.id, 'cluster.updated', described, { ...changes });
    return updated;
  });
}
