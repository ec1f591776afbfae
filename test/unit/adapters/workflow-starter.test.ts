import { ExecutionAlreadyExists, ExecutionDoesNotExist, SFNClient, SFNServiceException, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildUpdateStarter, buildWorkflowStarter } from '../../../src/adapters/stepfunctions/workflow-starter';
import { ServiceUnavailableError, TransientAwsError } from '../../../src/domain/errors';

const CREATE = 'arn:aws:states:us-east-1:123456789012:stateMachine:swarm-create-cluster';
const DELETE = 'arn:aws:states:us-east-1:123456789012:stateMachine:swarm-delete-cluster';
const sfn = mockClient(SFNClient);
const UPDATE = 'arn:aws:states:us-east-1:123456789012:stateMachine:swarm-update-cluster';
const starter = () => buildWorkflowStarter(new SFNClient({ region: 'us-east-1' }), { create: CREATE, delete: DELETE, update: UPDATE });

beforeEach(() => sfn.reset());

describe('workflow starter', () => {
  it('names a delete execution after the cluster and the delete request', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:swarm-delete-cluster:c-1-delete-2', startDate: new Date() });

    const arn = await starter().startDelete('c-1', 2);

    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: DELETE, name: 'c-1-delete-2', input: JSON.stringify({ clusterId: 'c-1' }) });
    expect(arn).toBe(starter().deleteExecutionArn('c-1', 2));
  });

  it('reads an execution of that name that already ran as this request’s, starting nothing', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    await expect(starter().startDelete('c-1', 1)).resolves.toBe('arn:aws:states:us-east-1:123456789012:execution:swarm-delete-cluster:c-1-delete-1');
  });

  it('reads a create execution that already ran under the cluster’s name as the cluster’s, starting nothing', async () => {
    // StartExecution answers ExecutionAlreadyExists for a name whose execution has closed
    // (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    await expect(starter().startCreate('c-1')).resolves.toBe('arn:aws:states:us-east-1:123456789012:execution:swarm-create-cluster:c-1');
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: CREATE, name: 'c-1', input: JSON.stringify({ clusterId: 'c-1' }) });
  });

  it('names an update execution after the cluster and the update, with both as its input; a repeat after it ended finds it', async () => {
    sfn.on(StartExecutionCommand).resolvesOnce({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:swarm-update-cluster:c-1-u7', startDate: new Date() });
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    const first = await starter().startUpdate('c-1', 'u7');
    const repeat = await starter().startUpdate('c-1', 'u7');

    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: UPDATE, name: 'c-1-u7', input: JSON.stringify({ clusterId: 'c-1', updateId: 'u7' }) });
    expect([first, repeat]).toEqual([starter().updateExecutionArn('c-1', 'u7'), starter().updateExecutionArn('c-1', 'u7')]);
  });

  it('refuses to start an update where no update workflow is configured, with a 503, calling nothing', async () => {
    const withoutUpdates = buildUpdateStarter(new SFNClient({ region: 'us-east-1' }), undefined);
    await expect(withoutUpdates.startUpdate('c-1', 'u1')).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('turns throttling into TransientAwsError', async () => {
    sfn.on(StartExecutionCommand).rejects(new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    await expect(starter().startDelete('c-1', 1)).rejects.toBeInstanceOf(TransientAwsError);
  });

  it('stops an execution with an error and cause, and leaves one that does not exist alone', async () => {
    sfn.on(StopExecutionCommand, { executionArn: 'arn:gone' }).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
    sfn.on(StopExecutionCommand, { executionArn: 'arn:running' }).resolves({ stopDate: new Date() });

    await starter().stop('arn:running', { error: 'ClusterDeleted', cause: 'deleted while creating' });
    await expect(starter().stop('arn:gone', { error: 'ClusterDeleted', cause: 'x' })).resolves.toBeUndefined();

    expect(sfn).toHaveReceivedCommandWith(StopExecutionCommand, { executionArn: 'arn:running', error: 'ClusterDeleted', cause: 'deleted while creating' });
  });
});
