/**
 * A create's outcome against a cancel (DELETE while CREATING): the race the status model exists for. The stack may
 * finish after the owner deleted the cluster; its outcome must not bring a DELETING cluster back to READY (or FAILED),
 * whether the cancel came before the outcome read the record or between that read and its write. The store is the
 * embedded DynamoDB (its conditional write on the version is what decides the second case); the rest are fakes.
 */
import type { Cluster } from '../../../src/domain/cluster';
import { IllegalTransitionError, StaleClusterError } from '../../../src/domain/errors';
import { transition } from '../../../src/use-cases/lifecycle';
import { recordStackFailure, recordStackReady } from '../../../src/use-cases/record-stack-outcome';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeFollowUps, fakeInstances, fakeQuotas, fakeStacks } from '../../support/fakes';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

async function stored(overrides: Partial<Cluster>): Promise<Cluster> {
  const cluster = aCluster({ stackId: 'stack-1', stackRequestedAt: '2026-11-26T12:00:00.000Z', ...overrides });
  await db.store.create(cluster);
  return cluster;
}

function outcomeDeps(options: { onWatch?: () => Promise<void> } = {}) {
  const followUps = fakeFollowUps();
  const deps = {
    store: db.store,
    clock: fixedClock('2026-11-26T12:20:00.000Z'),
    quotas: fakeQuotas().quotas,
    followUps: followUps.followUps,
    stacks: fakeStacks([{ stackId: 'stack-1', status: 'CREATE_COMPLETE', outputs: { ManagerDns: 'm.example.com' } }]).gateway,
    instances: fakeInstances([{ instanceId: 'i-m1', role: 'manager' }]).inventory,
    instanceWaits: {
      watch: async () => {
        await options.onWatch?.();
      },
    },
  };
  return { deps, announced: followUps.announced };
}

/** What DELETE does to a CREATING cluster first (request-cluster-deletion.ts): the same transition, from its own read. */
async function cancel(clusterId: string): Promise<void> {
  const current = (await db.store.get(clusterId))!;
  await transition(outcomeDeps().deps, current, 'DELETING', { statusReason: 'delete requested by the owner', deletingAt: '2026-11-26T12:10:00.000Z' }, { type: 'cluster.delete_requested' });
}

const typesOf = async (id: string) => (await db.store.listEvents(id, { limit: 100 })).items.map((e) => e.type);

describe('a create that finishes after a cancel', () => {
  it('without a cancel, CREATE_COMPLETE makes the cluster READY (the case the others are measured against)', async () => {
    const cluster = await stored({ status: 'CREATING' });
    const { deps, announced } = outcomeDeps();

    const result = await recordStackReady(deps, { clusterId: cluster.id, stackId: 'stack-1' });

    expect(result.event).toBe('cluster.ready');
    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'READY', outputs: { ManagerDns: 'm.example.com' } });
    expect(announced.map((a) => a.status)).toEqual(['READY']);
  });

  it('CREATE_COMPLETE read after the cancel: refused, the cluster stays DELETING, no cluster.ready anywhere', async () => {
    const cluster = await stored({ status: 'CREATING' });
    await cancel(cluster.id);
    const { deps, announced } = outcomeDeps();

    await expect(recordStackReady(deps, { clusterId: cluster.id, stackId: 'stack-1' })).rejects.toThrow(new IllegalTransitionError('DELETING', 'READY'));

    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'DELETING', version: 2, outputs: {} });
    expect(await typesOf(cluster.id)).toEqual(['cluster.delete_requested']);
    expect(announced).toEqual([]);
  });

  it('a cancel that lands between the outcome’s read and its write wins: READY is not written over DELETING', async () => {
    const cluster = await stored({ status: 'CREATING' });
    // The outcome has read CREATING; the DELETE lands while it maps the instances, before its write.
    const { deps, announced } = outcomeDeps({ onWatch: () => cancel(cluster.id) });

    await expect(recordStackReady(deps, { clusterId: cluster.id, stackId: 'stack-1' })).rejects.toBeInstanceOf(StaleClusterError);

    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'DELETING', version: 2, nodes: [] });
    expect(await typesOf(cluster.id)).toEqual(['cluster.delete_requested']);
    expect(announced).toEqual([]);
    // The workflow retries the step: it now reads DELETING and is refused, still without a write.
    await expect(recordStackReady(outcomeDeps().deps, { clusterId: cluster.id, stackId: 'stack-1' })).rejects.toBeInstanceOf(IllegalTransitionError);
    expect((await db.store.get(cluster.id))?.status).toBe('DELETING');
  });

  it('a failed stack after the cancel does not make the cluster FAILED either: the delete workflow owns it', async () => {
    const cluster = await stored({ status: 'CREATING' });
    await cancel(cluster.id);
    const { deps } = outcomeDeps();

    await expect(recordStackFailure(deps, { clusterId: cluster.id, reason: 'NodeAsg CREATE_FAILED' })).rejects.toThrow(new IllegalTransitionError('DELETING', 'FAILED'));

    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'DELETING', version: 2 });
    expect(await typesOf(cluster.id)).toEqual(['cluster.delete_requested']);
  });
});
