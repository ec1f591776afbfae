/**
 * Asking for a cluster's deletion (DELETE /clusters/{id}, the Slack command, the reaper): the DELETING record, the
 * running create or update execution stopped, the delete workflow's start, and what a repeated request does. The
 * embedded DynamoDB holds the record (the conditional writes and the timeline are under test); Step Functions is a
 * recording fake.
 */
import type { Cluster } from '../../../src/domain/cluster';
import type { ClusterStore, WorkflowStarter } from '../../../src/use-cases/ports';
import { beginDeletion, requestClusterDeletion, type RequestDeletionDeps } from '../../../src/use-cases/request-cluster-deletion';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeFollowUps, fakeQuotas, fakeWorkflows, storeFailingUpdates } from '../../support/fakes';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const NOW = '2026-11-26T13:00:00.000Z';
const OLD_FOLLOW_UP = { kind: 'slack' as const, responseUrl: 'https://hooks.slack.com/commands/T1/1/old' };
const NEW_FOLLOW_UP = { kind: 'slack' as const, responseUrl: 'https://hooks.slack.com/commands/T1/2/new' };

async function stored(overrides: Partial<Cluster> = {}): Promise<Cluster> {
  const cluster = aCluster({ status: 'READY', statusReason: 'stack CREATE_COMPLETE', stackId: 'stack-1', ...overrides });
  await db.store.create(cluster);
  return cluster;
}

/** The record as read, without the store's derived `autoDeleteAt` (domain/expiry.ts, tested there). */
const plain = (cluster: Cluster | undefined) => {
  const { autoDeleteAt: _derived, ...rest } = cluster as Cluster & { autoDeleteAt?: string };
  return rest;
};
const read = async (id: string) => plain(await db.store.get(id));
const timeline = async (id: string) => (await db.store.listEvents(id, { limit: 10 })).items.map(({ type, message, details }) => ({ type, message, details }));

function deps(options: { failStart?: Error; failStop?: Error; store?: ClusterStore } = {}) {
  const fake = fakeWorkflows({ failStart: options.failStart });
  const starts: { clusterId: string; request: number }[] = [];
  const stops: { executionArn: string; reason: { error: string; cause: string } }[] = [];
  const workflows: WorkflowStarter = {
    ...fake.workflows,
    startDelete: (clusterId, request) => {
      starts.push({ clusterId, request });
      return fake.workflows.startDelete(clusterId, request);
    },
    stop: async (executionArn, reason) => {
      stops.push({ executionArn, reason });
      if (options.failStop) throw options.failStop;
    },
  };
  const deletionDeps: RequestDeletionDeps = {
    store: options.store ?? db.store,
    workflows,
    clock: fixedClock(NOW),
    quotas: fakeQuotas().quotas,
    followUps: fakeFollowUps().followUps,
  };
  return { deletionDeps, starts, stops, arnOf: fake.workflows.deleteExecutionArn };
}

describe('a delete asked for', () => {
  it('by the owner: DELETING with every field of the request, the chat user who asked remembered, the workflow of request 1 started', async () => {
    // Prepare
    const cluster = await stored({ followUp: OLD_FOLLOW_UP });
    const { deletionDeps, starts, stops, arnOf } = deps();

    // Act
    const deleting = await requestClusterDeletion(deletionDeps, { caller: 'alice', id: cluster.id, followUp: NEW_FOLLOW_UP });

    // Assess
    const expected: Cluster = {
      ...cluster,
      status: 'DELETING',
      statusReason: 'delete requested by the owner',
      deleteReason: 'requested',
      deleteRequests: 1,
      deleteExecutionArn: arnOf(cluster.id, 1),
      deletingAt: NOW,
      lastActivityAt: NOW,
      followUp: NEW_FOLLOW_UP,
      updatedAt: NOW,
      version: 2,
    };
    expect(plain(deleting)).toEqual(expected);
    expect(await read(cluster.id)).toEqual(expected);
    expect(starts).toEqual([{ clusterId: cluster.id, request: 1 }]);
    expect(stops).toEqual([]);
    expect(await timeline(cluster.id)).toEqual([
      { type: 'cluster.delete_requested', message: 'delete requested by the owner', details: { reason: 'requested', from: 'READY' } },
      { type: 'workflow.started', message: 'delete workflow started', details: { executionArn: arnOf(cluster.id, 1) } },
    ]);
  });

  it('by the owner as a caller record, without a chat user: the older chat user is kept', async () => {
    const cluster = await stored({ followUp: OLD_FOLLOW_UP });
    const { deletionDeps } = deps();

    const deleting = await requestClusterDeletion(deletionDeps, { caller: { principal: 'alice', operator: false }, id: cluster.id });

    expect(deleting).toMatchObject({ statusReason: 'delete requested by the owner', lastActivityAt: NOW, followUp: OLD_FOLLOW_UP });
  });

  it('by an operator: the reason says so, and it is not the owner’s activity', async () => {
    const cluster = await stored();
    const { deletionDeps, starts } = deps();

    const deleting = await requestClusterDeletion(deletionDeps, { caller: { principal: 'ops', operator: true }, id: cluster.id });

    expect(deleting).toMatchObject({ status: 'DELETING', statusReason: 'delete requested by an operator', lastActivityAt: cluster.lastActivityAt });
    expect(starts).toEqual([{ clusterId: cluster.id, request: 1 }]);
  });

  it('by the reaper (beginDeletion): its reason and status reason, the request counted after the earlier ones', async () => {
    const cluster = await stored({ status: 'DELETE_FAILED', deleteRequests: 2 });
    const { deletionDeps, starts, arnOf } = deps();

    const deleting = await beginDeletion(deletionDeps, cluster, { reason: 'expired', statusReason: 'expired at 12:00: deleting', isActivity: false });

    expect(deleting).toMatchObject({
      status: 'DELETING',
      statusReason: 'expired at 12:00: deleting',
      deleteReason: 'expired',
      deleteRequests: 3,
      deleteExecutionArn: arnOf(cluster.id, 3),
      lastActivityAt: cluster.lastActivityAt,
    });
    expect(starts).toEqual([{ clusterId: cluster.id, request: 3 }]);
    expect((await timeline(cluster.id))[0]!.details).toEqual({ reason: 'expired', from: 'DELETE_FAILED' });
  });
});

describe('a delete while another workflow runs', () => {
  it('a CREATING cluster: its create execution is stopped with the reason, and the timeline says so', async () => {
    const cluster = await stored({ status: 'CREATING', createExecutionArn: 'arn:aws:states:us-east-1:000000000000:execution:create-cluster:c' });
    const { deletionDeps, stops, starts } = deps();

    await requestClusterDeletion(deletionDeps, { caller: 'alice', id: cluster.id });

    expect(stops).toEqual([
      { executionArn: cluster.createExecutionArn, reason: { error: 'ClusterDeleted', cause: 'The cluster was deleted while it was being created.' } },
    ]);
    expect(starts).toEqual([{ clusterId: cluster.id, request: 1 }]);
    expect((await timeline(cluster.id)).map(({ type, message }) => ({ type, message }))).toEqual([
      { type: 'cluster.delete_requested', message: 'delete requested by the owner' },
      { type: 'workflow.cancelled', message: 'create workflow stopped: the cluster is being deleted' },
      { type: 'workflow.started', message: 'delete workflow started' },
    ]);
    expect((await timeline(cluster.id))[1]!.details).toEqual({ executionArn: cluster.createExecutionArn });
  });

  it('an UPDATING cluster: its update execution is stopped with the reason, and the timeline says so', async () => {
    const cluster = await stored({ status: 'UPDATING', updateExecutionArn: 'arn:aws:states:us-east-1:000000000000:execution:update-cluster:c-u2' });
    const { deletionDeps, stops } = deps();

    await requestClusterDeletion(deletionDeps, { caller: 'alice', id: cluster.id });

    expect(stops).toEqual([
      { executionArn: cluster.updateExecutionArn, reason: { error: 'ClusterDeleted', cause: 'The cluster was deleted while it was being updated.' } },
    ]);
    expect((await timeline(cluster.id))[1]).toEqual({
      type: 'workflow.cancelled',
      message: 'update workflow stopped: the cluster is being deleted',
      details: { executionArn: cluster.updateExecutionArn },
    });
  });

  it('a stop that fails is no reason not to delete: DELETING, the delete started, no cancel on the timeline', async () => {
    for (const running of [
      { status: 'CREATING' as const, createExecutionArn: 'arn:create' },
      { status: 'UPDATING' as const, updateExecutionArn: 'arn:update' },
    ]) {
      const cluster = await stored(running);
      const { deletionDeps, stops, starts } = deps({ failStop: new Error('ExecutionDoesNotExist') });

      const deleting = await requestClusterDeletion(deletionDeps, { caller: 'alice', id: cluster.id });

      expect(deleting.status).toBe('DELETING');
      expect(stops).toHaveLength(1);
      expect(starts).toEqual([{ clusterId: cluster.id, request: 1 }]);
      expect((await timeline(cluster.id)).map((e) => e.type)).toEqual(['cluster.delete_requested', 'workflow.started']);
    }
  });

  it('nothing to stop without an execution recorded, or for a cluster in another status that has one', async () => {
    const creating = await stored({ status: 'CREATING' });
    const updating = await stored({ status: 'UPDATING' });
    const ready = await stored({ createExecutionArn: 'arn:create', updateExecutionArn: 'arn:update' });
    const { deletionDeps, stops } = deps();

    for (const cluster of [creating, updating, ready]) await requestClusterDeletion(deletionDeps, { caller: 'alice', id: cluster.id });

    expect(stops).toEqual([]);
  });
});

describe('a delete asked for again', () => {
  it('a DELETED cluster: answered as it is, nothing written or started', async () => {
    const cluster = await stored({ status: 'DELETED', followUp: OLD_FOLLOW_UP });
    const { deletionDeps, starts } = deps();

    const answer = await requestClusterDeletion(deletionDeps, { caller: 'alice', id: cluster.id, followUp: NEW_FOLLOW_UP });

    expect(plain(answer)).toEqual(cluster);
    expect(await read(cluster.id)).toEqual(cluster);
    expect(starts).toEqual([]);
  });

  it('a DELETING cluster: its workflow started again by its name (which finds it), nothing written', async () => {
    const cluster = await stored({ status: 'DELETING', deleteRequests: 2, deleteExecutionArn: 'arn:aws:states:us-east-1:000000000000:execution:delete-cluster:c-delete-2' });
    const { deletionDeps, starts } = deps();

    const answer = await requestClusterDeletion(deletionDeps, { caller: 'alice', id: cluster.id });

    expect(plain(answer)).toEqual(cluster);
    expect(await read(cluster.id)).toEqual(cluster);
    expect(starts).toEqual([{ clusterId: cluster.id, request: 2 }]);
  });

  it('a DELETING cluster with no request count (an older record): request 1', async () => {
    const cluster = await stored({ status: 'DELETING' });
    const { deletionDeps, starts } = deps();

    await requestClusterDeletion(deletionDeps, { caller: 'alice', id: cluster.id });

    expect(starts).toEqual([{ clusterId: cluster.id, request: 1 }]);
  });

  it('a DELETING cluster the reconciler restarted: its first execution is not started again', async () => {
    const cluster = await stored({ status: 'DELETING', deleteRequests: 1, deleteExecutionArn: 'arn:aws:states:us-east-1:000000000000:execution:delete-cluster:c-delete-1-resume-1' });
    const { deletionDeps, starts } = deps();

    await requestClusterDeletion(deletionDeps, { caller: 'alice', id: cluster.id });

    expect(starts).toEqual([]);
  });

  it('a DELETING cluster whose workflow cannot be confirmed: still answered with its state', async () => {
    const cluster = await stored({ status: 'DELETING', deleteRequests: 1 });
    const { deletionDeps, starts } = deps({ failStart: new Error('ThrottlingException') });

    const answer = await requestClusterDeletion(deletionDeps, { caller: 'alice', id: cluster.id });

    expect(plain(answer)).toEqual(cluster);
    expect(starts).toEqual([{ clusterId: cluster.id, request: 1 }]);
  });

  it('a chat user asking while DELETING is told the outcome: their follow-up replaces the older one', async () => {
    const cluster = await stored({ status: 'DELETING', deleteRequests: 1, followUp: OLD_FOLLOW_UP });
    const { deletionDeps } = deps();
    deletionDeps.clock = fixedClock('2026-11-26T13:05:00.000Z');

    const answer = await requestClusterDeletion(deletionDeps, { caller: 'alice', id: cluster.id, followUp: NEW_FOLLOW_UP });

    const expected = { ...cluster, followUp: NEW_FOLLOW_UP, updatedAt: '2026-11-26T13:05:00.000Z', version: 2 };
    expect(plain(answer)).toEqual(expected);
    expect(await read(cluster.id)).toEqual(expected);
  });

  it('the same chat user asking again while DELETING: nothing written', async () => {
    const cluster = await stored({ status: 'DELETING', deleteRequests: 1, followUp: OLD_FOLLOW_UP });
    const { deletionDeps } = deps();

    await requestClusterDeletion(deletionDeps, { caller: 'alice', id: cluster.id, followUp: { ...OLD_FOLLOW_UP } });

    expect(await read(cluster.id)).toEqual(cluster);
  });
});

describe('a delete workflow that cannot be started', () => {
  it('leaves the cluster DELETE_FAILED (a DELETE retries it), with the reason and the time, and the error is the caller’s', async () => {
    const cluster = await stored();
    const refused = new Error('ExecutionLimitExceeded');
    const { deletionDeps } = deps({ failStart: refused });

    const error = await requestClusterDeletion(deletionDeps, { caller: 'alice', id: cluster.id }).catch((e: unknown) => e);

    expect(error).toBe(refused);
    expect(await read(cluster.id)).toMatchObject({
      status: 'DELETE_FAILED',
      statusReason: 'the delete workflow could not be started; delete it again to retry',
      deleteFailedAt: NOW,
      deleteRequests: 1,
      version: 3,
    });
    expect((await timeline(cluster.id)).map(({ type, message }) => ({ type, message }))).toEqual([
      { type: 'cluster.delete_requested', message: 'delete requested by the owner' },
      { type: 'cluster.delete_failed', message: 'the delete workflow could not be started; delete it again to retry' },
    ]);
  });

  it('and DELETE_FAILED cannot be written either: the start’s error is still the answer', async () => {
    const cluster = await stored();
    const refused = new Error('ExecutionLimitExceeded');
    const { store, updates } = storeFailingUpdates(db.store, 2, new Error('DynamoDB is down'));
    const { deletionDeps } = deps({ failStart: refused, store });

    const error = await requestClusterDeletion(deletionDeps, { caller: 'alice', id: cluster.id }).catch((e: unknown) => e);

    expect(error).toBe(refused);
    expect(updates()).toBe(2);
    expect((await read(cluster.id)).status).toBe('DELETING');
  });
});
