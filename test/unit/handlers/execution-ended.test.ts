/**
 * The execution-ended backstop for both workflows, with the merged dependencies: a create that ends without an outcome
 * leaves the cluster FAILED, a delete DELETE_FAILED; the event then goes through the durable webhook delivery (a
 * delivery record and its own workflow), and the lifecycle's quota and chat follow-up rules apply.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import type { Cluster } from '../../../src/domain/cluster';
import { executionEndedHandler, type ExecutionStatusChange } from '../../../src/handlers/events/execution-ended';
import type { DeliveryExecutionInput } from '../../../src/use-cases/ports';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeFollowUps, fakeQuotas } from '../../support/fakes';

const CREATE = 'arn:aws:states:us-east-1:1:stateMachine:create-cluster';
const DELETE = 'arn:aws:states:us-east-1:1:stateMachine:delete-cluster';
const UPDATE = 'arn:aws:states:us-east-1:1:stateMachine:update-cluster';
const DELIVER = 'arn:aws:states:us-east-1:1:stateMachine:deliver-webhook';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const ended = (detail: Partial<ExecutionStatusChange>) =>
  ({ detail: { status: 'TIMED_OUT', error: 'States.Timeout', input: null, ...detail } }) as EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>;

async function stored(overrides: Partial<Cluster>): Promise<Cluster> {
  const cluster = aCluster({ webhook: { url: 'https://hooks.example.com/x', events: ['cluster.delete_failed', 'cluster.failed'], secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' }, ...overrides });
  await db.store.create(cluster);
  return cluster;
}

describe('execution-ended backstop', () => {
  let scheduled: Omit<DeliveryExecutionInput, 'attempt'>[];
  let quotas: ReturnType<typeof fakeQuotas>;
  let followUps: ReturnType<typeof fakeFollowUps>;
  beforeEach(() => {
    scheduled = [];
    quotas = fakeQuotas();
    followUps = fakeFollowUps();
  });
  const handler = () =>
    executionEndedHandler({
      store: db.store,
      clock: fixedClock(),
      deliveries: db.deliveries,
      deliveryWorkflow: { start: async (input) => (scheduled.push(input), 'arn:aws:states:us-east-1:1:execution:deliver-webhook:x') },
      quotas: quotas.quotas,
      followUps: followUps.followUps,
      config: { createClusterStateMachineArn: CREATE, deleteClusterStateMachineArn: DELETE, updateClusterStateMachineArn: UPDATE },
    });
  const eventsScheduled = async (clusterId: string) =>
    Promise.all(scheduled.filter((s) => s.clusterId === clusterId).map(async (s) => (await db.deliveries.get(s.clusterId, s.deliveryId))!.eventType));

  it('leaves a cluster whose delete execution timed out DELETE_FAILED, not DELETING, and schedules cluster.delete_failed', async () => {
    const cluster = await stored({ status: 'DELETING', followUp: { kind: 'slack', responseUrl: 'https://hooks.slack.com/commands/T1/1/x' } });
    const executionArn = `arn:aws:states:us-east-1:1:execution:delete-cluster:${cluster.id}-delete-1`;
    await db.store.update(cluster, { deleteExecutionArn: executionArn });

    await handler()(ended({ stateMachineArn: DELETE, executionArn, name: `${cluster.id}-delete-1` }));

    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'DELETE_FAILED', statusReason: 'the delete workflow stopped while the workflow was timed out: States.Timeout' });
    expect(await eventsScheduled(cluster.id)).toEqual(['cluster.delete_failed']);
    // DELETE_FAILED keeps the quota share; the chat user who asked is told.
    expect(quotas.released).toEqual([]);
    expect(followUps.announced.map((a) => a.status)).toEqual(['DELETE_FAILED']);
  });

  describe('the update workflow', () => {
    const updating = async (status: Cluster['status'] = 'UPDATING') => {
      const cluster = await stored({ status });
      const executionArn = `arn:aws:states:us-east-1:1:execution:update-cluster:${cluster.id}-u1`;
      const update = { id: 'u1', operation: 'scale' as const, target: { ...cluster.parameters, workers: 2 }, previous: cluster.parameters, requestedAt: cluster.requestedAt, requestedBy: cluster.owner };
      await db.store.update(cluster, { update, updateExecutionArn: executionArn });
      return { cluster, executionArn };
    };

    it('leaves a cluster whose update execution timed out UPDATE_FAILED with the reason, not UPDATING', async () => {
      const { cluster, executionArn } = await updating();

      await handler()(ended({ stateMachineArn: UPDATE, executionArn, name: `${cluster.id}-u1` }));

      expect(await db.store.get(cluster.id)).toMatchObject({
        status: 'UPDATE_FAILED',
        statusReason: 'the update workflow stopped while the workflow was timed out: States.Timeout',
        lastUpdate: { id: 'u1', operation: 'scale', outcome: 'failed' },
      });
    });

    it('leaves a cluster alone whose update a delete stopped (ABORTED while DELETING)', async () => {
      const { cluster, executionArn } = await updating('DELETING');

      await handler()(ended({ stateMachineArn: UPDATE, executionArn, name: `${cluster.id}-u1`, status: 'ABORTED', error: undefined }));

      expect(await db.store.get(cluster.id)).toMatchObject({ status: 'DELETING' });
    });

    it('leaves a cluster alone whose current update is a newer one (an older execution ending late)', async () => {
      const { cluster } = await updating();

      await handler()(ended({ stateMachineArn: UPDATE, executionArn: `arn:aws:states:us-east-1:1:execution:update-cluster:${cluster.id}-u0`, name: `${cluster.id}-u0`, status: 'FAILED' }));

      expect(await db.store.get(cluster.id)).toMatchObject({ status: 'UPDATING' });
    });
  });

  it('leaves a cluster whose create execution failed FAILED, and schedules cluster.failed', async () => {
    const cluster = await stored({ status: 'CREATING' });

    await handler()(ended({ stateMachineArn: CREATE, executionArn: `arn:aws:states:us-east-1:1:execution:create-cluster:${cluster.id}`, name: cluster.id, status: 'FAILED', error: 'Lambda.Unknown' }));

    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'FAILED', statusReason: 'the create workflow stopped while the workflow was failed: Lambda.Unknown' });
    expect(await eventsScheduled(cluster.id)).toEqual(['cluster.failed']);
  });

  it('finds the cluster of a create execution the reconciler restarted by its name when the event carries no input', async () => {
    const cluster = await stored({ status: 'CREATING' });
    const name = `${cluster.id}-resume-2`;

    await handler()(ended({ stateMachineArn: CREATE, executionArn: `arn:aws:states:us-east-1:1:execution:create-cluster:${name}`, name, status: 'FAILED' }));

    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'FAILED' });
  });

  it('ignores an older delete execution of a cluster that is being deleted again', async () => {
    const cluster = await stored({ status: 'DELETING', deleteExecutionArn: 'arn:aws:states:us-east-1:1:execution:delete-cluster:x-delete-2' });

    await handler()(ended({ stateMachineArn: DELETE, executionArn: 'arn:aws:states:us-east-1:1:execution:delete-cluster:x-delete-1', name: `${cluster.id}-delete-1`, status: 'FAILED' }));

    expect((await db.store.get(cluster.id))?.status).toBe('DELETING');
    expect(scheduled).toEqual([]);
  });

  it('leaves a cancelled create alone: its execution was aborted because the cluster is DELETING', async () => {
    const cluster = await stored({ status: 'DELETING' });

    await handler()(ended({ stateMachineArn: CREATE, executionArn: `arn:create:${cluster.id}`, name: cluster.id, status: 'ABORTED', error: 'ClusterDeleted' }));

    expect((await db.store.get(cluster.id))?.status).toBe('DELETING');
    expect(scheduled).toEqual([]);
  });

  it('ignores executions of any other state machine (a delivery workflow carries a cluster id too)', async () => {
    const cluster = await stored({ status: 'CREATING' });

    await handler()(ended({ stateMachineArn: DELIVER, executionArn: 'arn:aws:states:us-east-1:1:execution:deliver-webhook:x', name: 'x', input: JSON.stringify({ clusterId: cluster.id }), status: 'FAILED' }));

    expect((await db.store.get(cluster.id))?.status).toBe('CREATING');
    expect(scheduled).toEqual([]);
  });
});
