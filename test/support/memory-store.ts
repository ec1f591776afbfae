/**
 * The part of the cluster store the lifecycle uses (get, a versioned update, the timeline), in memory: for the use
 * case tests that check what is written, without a dynalite start each (the conditional write is kept: a stale
 * version is refused as DynamoDB's condition would be).
 */
import type { Cluster, TimelineEvent } from '../../src/domain/cluster';
import { StaleClusterError } from '../../src/domain/errors';
import type { ClusterChanges, ClusterStore } from '../../src/use-cases/ports';

export function memoryStore(...clusters: Cluster[]) {
  const records = new Map(clusters.map((c) => [c.id, c]));
  const writes: { id: string; changes: ClusterChanges }[] = [];
  const events: TimelineEvent[] = [];
  const store = {
    get: async (id: string) => records.get(id),
    update: async (read: Cluster, changes: ClusterChanges) => {
      const current = records.get(read.id);
      if (!current || current.version !== read.version) throw new StaleClusterError(read.id, read.version);
      writes.push({ id: read.id, changes });
      const next = { ...current, ...changes, version: current.version + 1 } as Cluster;
      records.set(read.id, next);
      return next;
    },
    appendEvent: async (event: TimelineEvent) => {
      events.push(event);
    },
  } as Pick<ClusterStore, 'get' | 'update' | 'appendEvent'> as ClusterStore;
  return { store, writes, events, records };
}
