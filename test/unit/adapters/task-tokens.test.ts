import { InvalidToken, SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, SFNClient, SFNServiceException, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildTaskTokens } from '../../../src/adapters/stepfunctions/task-tokens';
import { TransientAwsError } from '../../../src/domain/errors';

const sfn = mockClient(SFNClient);
const tokens = () => buildTaskTokens(new SFNClient({ region: 'us-east-1' }));

beforeEach(() => sfn.reset());

describe('task tokens', () => {
  it('resumes a waiting task with the outcome as JSON', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});

    const sent = await tokens().succeed('t1', { status: 'CREATE_COMPLETE', progress: 'complete', exhausted: false });

    expect(sent).toBe(true);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 't1', output: '{"status":"CREATE_COMPLETE","progress":"complete","exhausted":false}' });
  });

  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html, "Errors": a token whose
  // task already ended answers TaskTimedOut, an unknown one InvalidToken, one of an ended execution TaskDoesNotExist.
  it.each([
    ['TaskTimedOut', new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['InvalidToken', new InvalidToken({ message: 'Invalid Token', $metadata: {} })],
    ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'Task does not exist', $metadata: {} })],
  ])('reads %s as a token already spent, not as a failure', async (_name, error) => {
    sfn.on(SendTaskSuccessCommand).rejects(error);
    sfn.on(SendTaskHeartbeatCommand).rejects(error);

    await expect(tokens().succeed('t1', {})).resolves.toBe(false);
    await expect(tokens().heartbeat('t1')).resolves.toBe(false);
  });

  it('fails a waiting task with the error name its Catch matches and the reason as cause', async () => {
    sfn.on(SendTaskFailureCommand).resolves({});

    await tokens().fail('t1', 'InstancesNotTerminated', 'i-1 (shutting-down)');

    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, { taskToken: 't1', error: 'InstancesNotTerminated', cause: 'i-1 (shutting-down)' });
  });

  it('rethrows throttling as TransientAwsError, for the caller’s retry', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
    await expect(tokens().succeed('t1', {})).rejects.toBeInstanceOf(TransientAwsError);
  });
});
