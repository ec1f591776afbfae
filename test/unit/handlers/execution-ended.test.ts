import type { EventBridgeEvent } from 'aws-lambda';
import type { Dependencies } from '../../../src/composition';
import type { Cluster } from '../../../src/domain/cluster';
import { executionEndedHandler, type ExecutionStatusChange } from '../../../src/handlers/events/execution-ended';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';

const CREATE = 'arn:aws:states:us-east-1:1:stateMachine:create-cluster';
const DELETE = 'arn:aws:states:us-east-1:1:stateMachine:delete-cluster';

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
  const send = jest.fn(async () => ({ attemptedAt: '2026-11-26T12:00:00.000Z', durationMs: 1, outcome: 'delivered' as const }));
  const handler = () => executionEndedHandler({ store: db.store, clock: fixedClock(), sendWebhook: send, config: { deleteClusterStateMachineArn: DELETE } } as unknown as Dependencies);
  beforeEach(() => send.mockClear());

  it('leaves a cluster whose delete execution timed out DELETE_FAILED, not DELETING, and says so by webhook', async () => {
    const cluster = await stored({ status: 'DELETING' });
    const executionArn = `arn:aws:states:us-east-1:1:execution:delete-cluster:${cluster.id}-delete-1`;
    await db.store.update(cluster, { deleteExecutionArn: executionArn });

    await handler()(ended({ stateMachineArn: DELETE, executionArn, name: `${cluster.id}-delete-1` }));

    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'DELETE_FAILED', statusReason: 'the delete workflow stopped while the workflow was timed out: States.Timeout' });
    expect(send).toHaveBeenCalledWith(expect.objectContaining({ eventType: 'cluster.delete_failed' }));
  });

  it('ignores an older delete execution of a cluster that is being deleted again', async () => {
    const cluster = await stored({ status: 'DELETING', deleteExecutionArn: 'arn:aws:states:us-east-1:1:execution:delete-cluster:x-delete-2' });

    await handler()(ended({ stateMachineArn: DELETE, executionArn: 'arn:aws:states:us-east-1:1:execution:delete-cluster:x-delete-1', name: `${cluster.id}-delete-1`, status: 'FAILED' }));

    expect((await db.store.get(cluster.id))?.status).toBe('DELETING');
    expect(send).not.toHaveBeenCalled();
  });

  it('leaves a cancelled create alone: its execution was aborted because the cluster is DELETING', async () => {
    const cluster = await stored({ status: 'DELETING' });

    await handler()(ended({ stateMachineArn: CREATE, executionArn: `arn:create:${cluster.id}`, name: cluster.id, status: 'ABORTED', error: 'ClusterDeleted' }));

    expect((await db.store.get(cluster.id))?.status).toBe('DELETING');
    expect(send).not.toHaveBeenCalled();
  });
});
