/**
 * POST /clusters/{id}/activity as a use case, with an in-memory store: who may record activity, which statuses take
 * it, and the retry when the record changed under it. (Through HTTP and DynamoDB: test/unit/access/tenancy.test.ts
 * and the reaper's integration tests.)
 */
import type { Cluster } from '../../../src/domain/cluster';
import { ConflictError, NotFoundError, StaleClusterError } from '../../../src/domain/errors';
import type { ClusterChanges, ClusterStore } from '../../../src/use-cases/ports';
import { recordClusterActivity } from '../../../src/use-cases/record-cluster-activity';
import { aCluster } from '../../support/clusters';
import { fixedClock } from '../../support/dynamodb';

const NOW = '2026-11-26T13:00:00.000Z';

/** One cluster; `staleWrites` conditional writes fail as if another writer got there first. */
function memoryStore(cluster: Cluster, staleWrites = 0) {
  let current = cluster;
  const writes: ClusterChanges[] = [];
  const store = {
    get: async (id: string) => (id === current.id ? current : undefined),
    update: async (read: Cluster, changes: ClusterChanges) => {
      if (staleWrites > 0) {
        staleWrites -= 1;
        throw new StaleClusterError(read.id, read.version);
      }
      writes.push(changes);
      current = { ...read, ...changes, version: read.version + 1 } as Cluster;
      return current;
    },
  } as Pick<ClusterStore, 'get' | 'update'> as ClusterStore;
  return { store, writes };
}

describe('recording activity on a cluster', () => {
  it('moves lastActivityAt to now for the owner', async () => {
    // Prepare
    const cluster = aCluster({ status: 'READY', owner: 'alice' });
    const { store, writes } = memoryStore(cluster);

    // Act
    const updated = await recordClusterActivity({ store, clock: fixedClock(NOW) }, { caller: 'alice', id: cluster.id });

    // Assess
    expect(writes).toEqual([{ lastActivityAt: NOW, updatedAt: NOW }]);
    expect(updated.lastActivityAt).toBe(NOW);
  });

  it('answers 404 to anyone else, operators included (activity is a change, not a read)', async () => {
    // Prepare
    const cluster = aCluster({ status: 'READY', owner: 'alice' });
    const { store, writes } = memoryStore(cluster);

    // Act / Assess
    await expect(recordClusterActivity({ store, clock: fixedClock(NOW) }, { caller: 'bob', id: cluster.id })).rejects.toThrow(NotFoundError);
    await expect(recordClusterActivity({ store, clock: fixedClock(NOW) }, { caller: { principal: 'ops', operator: true }, id: cluster.id })).rejects.toThrow(NotFoundError);
    expect(writes).toEqual([]);
  });

  it.each(['DELETING', 'DELETED'] as const)('answers 409 for a %s cluster, naming its status', async (status) => {
    // Prepare
    const cluster = aCluster({ status, owner: 'alice' });
    const { store, writes } = memoryStore(cluster);

    // Act
    const outcome = recordClusterActivity({ store, clock: fixedClock(NOW) }, { caller: 'alice', id: cluster.id });

    // Assess
    await expect(outcome).rejects.toThrow(ConflictError);
    await expect(outcome).rejects.toMatchObject({ message: `The cluster is ${status}.`, errors: [{ field: 'status', message: `is ${status}` }] });
    expect(writes).toEqual([]);
  });

  it.each(['CREATING', 'UPDATING', 'HIBERNATED', 'FAILED', 'DELETE_FAILED'] as const)('takes activity on a %s cluster', async (status) => {
    // Prepare
    const cluster = aCluster({ status, owner: 'alice' });
    const { store, writes } = memoryStore(cluster);

    // Act
    await recordClusterActivity({ store, clock: fixedClock(NOW) }, { caller: 'alice', id: cluster.id });

    // Assess
    expect(writes).toHaveLength(1);
  });

  it('reads again and retries when the record changed between its read and its write', async () => {
    // Prepare
    const cluster = aCluster({ status: 'READY', owner: 'alice' });
    const { store, writes } = memoryStore(cluster, 1);

    // Act
    await recordClusterActivity({ store, clock: fixedClock(NOW) }, { caller: 'alice', id: cluster.id });

    // Assess
    expect(writes).toEqual([{ lastActivityAt: NOW, updatedAt: NOW }]);
  });
});
