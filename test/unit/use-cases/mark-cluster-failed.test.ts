/**
 * The workflows' last resort (mark-cluster-failed.ts): a CREATING cluster ends FAILED with a reason naming the step
 * and the error; a cluster already past CREATING keeps its status. In-memory store, fixed clock, fake quota and chat.
 */
import type { ClusterStatus } from '../../../src/domain/cluster';
import { ClusterMissingError } from '../../../src/domain/errors';
import { markClusterFailed } from '../../../src/use-cases/mark-cluster-failed';
import { aCluster } from '../../support/clusters';
import { fixedClock } from '../../support/dynamodb';
import { fakeFollowUps, fakeQuotas } from '../../support/fakes';
import { memoryStore } from '../../support/memory-store';

const NOW = '2026-11-26T12:40:00.000Z';

function harness(status: ClusterStatus = 'CREATING') {
  const cluster = aCluster({ status, version: 4 });
  const { store, writes, events } = memoryStore(cluster);
  const quotas = fakeQuotas();
  const chat = fakeFollowUps();
  const deps = { store, clock: fixedClock(NOW), quotas: quotas.quotas, followUps: chat.followUps };
  return { cluster, deps, writes, events, released: quotas.released, announced: chat.announced };
}

describe('marking a cluster failed after its workflow broke', () => {
  it('names the step and the error in the reason, stamps failedAt, tells the timeline and the chat user', async () => {
    // Prepare
    const h = harness();

    // Act
    const result = await markClusterFailed(h.deps, { clusterId: h.cluster.id, failure: { step: 'StartStack', error: 'States.Timeout' } });

    // Assess
    expect(result).toEqual({ event: 'cluster.failed', version: 5 });
    const reason = 'the create workflow stopped while StartStack: States.Timeout';
    expect(h.writes).toEqual([{ id: h.cluster.id, changes: { statusReason: reason, failedAt: NOW, status: 'FAILED', updatedAt: NOW } }]);
    expect(h.events).toEqual([{ clusterId: h.cluster.id, at: NOW, type: 'cluster.failed', message: reason, details: { step: 'StartStack', error: 'States.Timeout' } }]);
    expect(h.announced).toEqual([{ clusterId: h.cluster.id, status: 'FAILED', responseUrl: undefined }]);
    // A failed stack may still hold instances: its share stays until the clean-up or a delete.
    expect(h.released).toEqual([]);
  });

  it('without a step or an error: says so in plain words', async () => {
    // Prepare
    const h = harness();

    // Act
    await markClusterFailed(h.deps, { clusterId: h.cluster.id, failure: {} });

    // Assess
    expect(h.writes[0]?.changes.statusReason).toBe('the create workflow stopped: unknown error');
    expect(h.events[0]?.details).toEqual({});
  });

  it.each(['READY', 'DELETING', 'DELETED', 'FAILED'] as const)('leaves a %s cluster as it is and reports no event', async (status) => {
    // Prepare
    const h = harness(status);

    // Act
    const result = await markClusterFailed(h.deps, { clusterId: h.cluster.id, failure: { step: 'Notify', error: 'Lambda.Unknown' } });

    // Assess
    expect(result).toEqual({ event: undefined, version: 4 });
    expect(h.writes).toEqual([]);
    expect(h.events).toEqual([]);
    expect(h.announced).toEqual([]);
  });

  it('refuses a cluster that does not exist', async () => {
    // Prepare
    const h = harness();

    // Act / Assess
    await expect(markClusterFailed(h.deps, { clusterId: 'c-missing', failure: {} })).rejects.toThrow(ClusterMissingError);
  });
});
