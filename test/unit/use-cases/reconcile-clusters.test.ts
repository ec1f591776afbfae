/**
 * The reconciler against the embedded DynamoDB (its index query and its conditional writes are what is under test),
 * Step Functions through the real adapter on aws-sdk-client-mock, and fakes for CloudFormation and chat.
 */
import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildWorkflowExecutions } from '../../../src/adapters/stepfunctions/workflow-executions';
import type { Cluster } from '../../../src/domain/cluster';
import { MAX_WORKFLOW_RESUMES, resumedExecutionArn, resumesOf } from '../../../src/domain/reconciliation';
import type { ClusterStore } from '../../../src/use-cases/ports';
import { reconcileClusters, type ReconcileDeps } from '../../../src/use-cases/reconcile-clusters';
import { beginDeletion } from '../../../src/use-cases/request-cluster-deletion';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeFollowUps, fakeQuotas, fakeStacks, fakeWorkflows } from '../../support/fakes';

const CREATE = 'arn:aws:states:us-east-1:123456789012:stateMachine:swarm-create-cluster';
const DELETE = 'arn:aws:states:us-east-1:123456789012:stateMachine:swarm-delete-cluster';
const createArn = (name: string) => `${CREATE.replace(':stateMachine:', ':execution:')}:${name}`;
const deleteArn = (name: string) => `${DELETE.replace(':stateMachine:', ':execution:')}:${name}`;
const sfn = mockClient(SFNClient);
const missing = () => new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
// A table per test: every transitional cluster shares one index partition, so tests would see each other's.
beforeEach(async () => {
  sfn.reset();
  db = await startTestDynamoDB();
});
afterEach(() => db.close());

async function stored(overrides: Partial<Cluster>): Promise<Cluster> {
  const cluster = aCluster(overrides);
  await db.store.create(cluster);
  return cluster;
}

const timelineOf = async (id: string) => (await db.store.listEvents(id, { limit: 100 })).items;

function deps(overrides: Partial<ReconcileDeps> & { stacks?: ReconcileDeps['stacks'] } = {}) {
  const followUps = fakeFollowUps();
  return {
    followUps,
    deps: {
      store: db.store,
      executions: buildWorkflowExecutions(new SFNClient({ region: 'us-east-1' }), { create: CREATE, delete: DELETE }),
      stacks: fakeStacks([{ stackId: 'stack-1', status: 'CREATE_IN_PROGRESS' }]).gateway,
      // Records are written at 12:00; an hour later they have long been quiet.
      clock: fixedClock('2026-11-26T13:00:00.000Z'),
      quotas: fakeQuotas().quotas,
      followUps: followUps.followUps,
      deliveries: db.deliveries,
      deliveryWorkflow: { start: async () => 'arn:delivery' },
      graceSeconds: 300,
      batchSize: 200,
      ...overrides,
    } satisfies ReconcileDeps,
  };
}

describe('reconciling transitional clusters', () => {
  it('starts a CREATING cluster’s lost create workflow again under a derived name, claiming it on the record first', async () => {
    // Prepare
    const cluster = await stored({ status: 'CREATING', createExecutionArn: createArn('c-lost'), stackId: 'stack-1' });
    sfn.on(DescribeExecutionCommand).rejects(missing());
    sfn.on(StartExecutionCommand).resolves({ executionArn: createArn('c-lost-resume-1'), startDate: new Date() });

    // Act
    const summary = await reconcileClusters(deps().deps);

    // Assess
    expect(summary).toMatchObject({ examined: 1, resumed: 1, ended: 0 });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: CREATE, name: 'c-lost-resume-1', input: JSON.stringify({ clusterId: cluster.id }) });
    const after = await db.store.get(cluster.id);
    expect(after).toMatchObject({ status: 'CREATING', createExecutionArn: createArn('c-lost-resume-1'), version: 2, updatedAt: '2026-11-26T13:00:00.000Z' });
    expect(await timelineOf(cluster.id)).toEqual([
      expect.objectContaining({ type: 'workflow.reconciled', details: expect.objectContaining({ action: 'resumed', previousExecutionArn: createArn('c-lost'), resume: 1 }) }),
    ]);
  });

  it('leaves a cluster whose workflow is running alone', async () => {
    const cluster = await stored({ status: 'DELETING', deleteExecutionArn: deleteArn('c-1-delete-1') });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    const summary = await reconcileClusters(deps().deps);

    expect(summary).toMatchObject({ examined: 1, running: 1, resumed: 0, ended: 0 });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect((await db.store.get(cluster.id))?.version).toBe(1);
  });

  it('does not look at a record changed within the grace period: its request may be about to start the workflow', async () => {
    await stored({ status: 'CREATING', createExecutionArn: createArn('c-new'), updatedAt: '2026-11-26T12:58:00.000Z' });

    const summary = await reconcileClusters(deps().deps);

    expect(summary.examined).toBe(0);
    expect(sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  it('never sees settled clusters: only CREATING and DELETING are in the reconciler’s index', async () => {
    await stored({ status: 'READY' });
    await stored({ status: 'FAILED' });
    await stored({ status: 'DELETED' });
    await stored({ status: 'DELETE_FAILED' });

    const summary = await reconcileClusters(deps().deps);

    expect(summary.examined).toBe(0);
  });

  it('ends a CREATING cluster whose stack is gone FAILED with the reason, instead of making a new stack', async () => {
    // Prepare
    const cluster = await stored({ status: 'CREATING', createExecutionArn: createArn('c-gone'), stackId: 'stack-gone' });
    sfn.on(DescribeExecutionCommand).rejects(missing());
    const { deps: reconcileDeps, followUps } = deps({ stacks: fakeStacks([]).gateway });

    // Act
    const summary = await reconcileClusters(reconcileDeps);

    // Assess
    expect(summary).toMatchObject({ ended: 1, resumed: 0 });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    const after = await db.store.get(cluster.id);
    expect(after).toMatchObject({ status: 'FAILED', failedAt: '2026-11-26T13:00:00.000Z' });
    expect(after?.statusReason).toBe(`the create workflow was lost and its stack ${cluster.stackName} no longer exists; ended by the reconciler`);
    expect((await timelineOf(cluster.id)).map((e) => e.type)).toEqual(['cluster.failed', 'workflow.reconciled']);
    expect(followUps.announced).toEqual([expect.objectContaining({ clusterId: cluster.id, status: 'FAILED' })]);
  });

  it('ends a DELETING cluster whose delete execution failed without settling it (a lost event) DELETE_FAILED, to be deleted again', async () => {
    const cluster = await stored({ status: 'DELETING', deleteRequests: 1, deleteExecutionArn: deleteArn('c-2-delete-1') });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'States.TaskFailed' });

    await reconcileClusters(deps().deps);

    const after = await db.store.get(cluster.id);
    expect(after).toMatchObject({ status: 'DELETE_FAILED', deleteFailedAt: '2026-11-26T13:00:00.000Z' });
    expect(after?.statusReason).toBe('the delete workflow ended failed (States.TaskFailed) without settling the cluster; ended by the reconciler; delete it again to retry');
  });

  it(`gives up after ${MAX_WORKFLOW_RESUMES} restarts: a workflow that keeps vanishing ends the cluster`, async () => {
    let arn = deleteArn('c-3-delete-1');
    for (let n = 0; n < MAX_WORKFLOW_RESUMES; n++) arn = resumedExecutionArn(arn);
    const cluster = await stored({ status: 'DELETING', deleteExecutionArn: arn });
    sfn.on(DescribeExecutionCommand).rejects(missing());

    await reconcileClusters(deps().deps);

    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'DELETE_FAILED', statusReason: expect.stringContaining(`lost ${MAX_WORKFLOW_RESUMES + 1} times`) });
  });

  it('restarts a workflow once when two runs overlap: the second finds the record just changed', async () => {
    await stored({ status: 'CREATING', createExecutionArn: createArn('c-twice') });
    sfn.on(DescribeExecutionCommand).rejects(missing());
    sfn.on(StartExecutionCommand).resolves({});
    const { deps: reconcileDeps } = deps();

    await Promise.all([reconcileClusters(reconcileDeps), reconcileClusters(reconcileDeps)]);
    await reconcileClusters(reconcileDeps);

    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('starts nothing when the record changes between its read and the claim (the version no longer matches)', async () => {
    // Prepare: a store whose read is overtaken by another writer, as a workflow step would.
    const cluster = await stored({ status: 'CREATING', createExecutionArn: createArn('c-race') });
    const racing: ClusterStore = {
      ...db.store,
      get: async (id) => {
        const read = await db.store.get(id);
        if (read) await db.store.update(read, { statusReason: 'a step wrote meanwhile' });
        return read;
      },
    };
    sfn.on(DescribeExecutionCommand).rejects(missing());

    // Act
    const summary = await reconcileClusters(deps({ store: racing }).deps);

    // Assess
    expect(summary).toMatchObject({ raced: 1, resumed: 0 });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(await db.store.get(cluster.id)).toMatchObject({ createExecutionArn: createArn('c-race'), statusReason: 'a step wrote meanwhile' });
  });

  it('looks at no more than its batch per run, oldest change first', async () => {
    const older = await stored({ status: 'CREATING', createExecutionArn: createArn('c-a'), updatedAt: '2026-11-26T11:00:00.000Z' });
    await stored({ status: 'CREATING', createExecutionArn: createArn('c-b'), updatedAt: '2026-11-26T12:00:00.000Z' });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    const summary = await reconcileClusters(deps({ batchSize: 1 }).deps);

    expect(summary.examined).toBe(1);
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: older.createExecutionArn });
  });
});

describe('a DELETE of a cluster whose delete the reconciler restarted', () => {
  it('starts nothing under the first execution name: the restarted execution is the one', async () => {
    const cluster = await stored({ status: 'DELETING', deleteRequests: 1, deleteExecutionArn: deleteArn('c-4-delete-1-resume-1') });
    const workflows = fakeWorkflows();

    await beginDeletion(
      { store: db.store, workflows: workflows.workflows, clock: fixedClock(), quotas: fakeQuotas().quotas, followUps: fakeFollowUps().followUps },
      cluster,
      { reason: 'requested', statusReason: 'delete requested by the owner', isActivity: true },
    );

    expect(workflows.started).toEqual([]);
  });
});

describe('workflow executions adapter', () => {
  const executions = () => buildWorkflowExecutions(new SFNClient({ region: 'us-east-1' }), { create: CREATE, delete: DELETE });
  beforeEach(() => sfn.reset());

  it('reads RUNNING and PENDING_REDRIVE as running, an ended status with its error, and an unknown execution as missing', async () => {
    sfn.on(DescribeExecutionCommand, { executionArn: 'a' }).resolves({ status: 'RUNNING' });
    sfn.on(DescribeExecutionCommand, { executionArn: 'b' }).resolves({ status: 'PENDING_REDRIVE' });
    sfn.on(DescribeExecutionCommand, { executionArn: 'c' }).resolves({ status: 'TIMED_OUT', error: 'States.Timeout' });
    sfn.on(DescribeExecutionCommand, { executionArn: 'd' }).rejects(missing());

    await expect(executions().describe('a')).resolves.toEqual({ state: 'running' });
    await expect(executions().describe('b')).resolves.toEqual({ state: 'running' });
    await expect(executions().describe('c')).resolves.toEqual({ state: 'ended', status: 'TIMED_OUT', error: 'States.Timeout' });
    await expect(executions().describe('d')).resolves.toEqual({ state: 'missing' });
  });

  it('treats a start whose name is taken as made before, and refuses to start any other state machine', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    await expect(executions().startAt(deleteArn('c-1-delete-1-resume-1'), 'c-1')).resolves.toBeUndefined();
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: DELETE, name: 'c-1-delete-1-resume-1' });
    await expect(executions().startAt('arn:aws:states:us-east-1:123456789012:execution:other:c-1', 'c-1')).rejects.toThrow(RangeError);
  });

  it('derives each restart’s name from the one before', () => {
    expect(resumedExecutionArn(createArn('c-1'))).toBe(createArn('c-1-resume-1'));
    expect(resumedExecutionArn(createArn('c-1-resume-1'))).toBe(createArn('c-1-resume-2'));
    expect(resumesOf(deleteArn('c-1-delete-2'))).toBe(0);
    expect(resumesOf(deleteArn('c-1-delete-2-resume-3'))).toBe(3);
  });
});
