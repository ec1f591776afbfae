/**
 * Callback Tasks (`arn:aws:states:::lambda:invoke.waitForTaskToken`) on the local Step Functions endpoint, driven
 * through the real SFNClient. AWS's rules this follows:
 * - the callback pattern and `$$.Task.Token`: https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token
 * - SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat and their errors (InvalidToken, TaskDoesNotExist, and
 *   TaskTimedOut: "The task token has either expired or the task associated with the token has already been
 *   closed."): https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
 * - States.HeartbeatTimeout and States.Timeout as error names Retry and Catch match:
 *   https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ExecutionStatusChangeEvent, type LocalStepFunctions, startLocalStepFunctions, type TaskHandler } from '../../sandbox/stepfunctions';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:waitForStack';
const CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let sfn: LocalStepFunctions | undefined;
let client: SFNClient | undefined;

afterEach(async () => {
  client?.destroy();
  await sfn?.close();
  sfn = undefined;
  client = undefined;
});

/** A callback Task calling the one local function with the token in its payload. */
function callbackTask(extra: Record<string, unknown> = {}, payload: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Type: 'Task',
    Resource: CALLBACK,
    Parameters: { FunctionName: '${WaitForStackFunctionArn}', Payload: { 'taskToken.$': '$$.Task.Token', ...payload } },
    ...extra,
  };
}

/** Starts the endpoint with one machine; every call of the function is recorded with the payload it got. */
async function start(definition: object) {
  const payloads: Payload[] = [];
  const handler: TaskHandler = async (payload) => {
    payloads.push(payload as Payload);
    return { accepted: true };
  };
  sfn = await startLocalStepFunctions({
    stateMachines: [
      { name: 'callback', definition: JSON.stringify(definition), substitutions: { WaitForStackFunctionArn: FUNCTION_ARN }, taskHandlers: { [FUNCTION_ARN]: handler } },
    ],
  });
  client = new SFNClient({ endpoint: sfn.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: sfn.stateMachineArn('callback'), input: JSON.stringify({ clusterId: 'c-1' }) }));
  return { executionArn: executionArn!, payloads, client };
}

async function until<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`);
    await sleep(10);
  }
}

type Payload = { taskToken: string; [key: string]: unknown };
const tokensCalled = (payloads: Payload[], count: number) => until(() => payloads, (list) => list.length >= count, `${count} function call(s)`);

async function ended(target: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return until(() => target.send(new DescribeExecutionCommand({ executionArn })), (execution) => execution.status !== 'RUNNING', 'the execution to end');
}

async function historyOf(target: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  return (await target.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

const types = (events: HistoryEvent[]) => events.map((event) => event.type);

describe('local Step Functions: callback tasks (lambda:invoke.waitForTaskToken)', () => {
  it('calls the function with a task token and resumes with the output SendTaskSuccess sends', async () => {
    const { executionArn, payloads, client } = await start({ StartAt: 'WaitForStack', States: { WaitForStack: callbackTask({ End: true }, { 'clusterId.$': '$.clusterId' }) } });
    const [call] = await tokensCalled(payloads, 1);
    expect(call).toEqual({ taskToken: expect.any(String), clusterId: 'c-1' });
    expect((await client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

    await client.send(new SendTaskSuccessCommand({ taskToken: call!.taskToken, output: JSON.stringify({ stackStatus: 'CREATE_COMPLETE' }) }));

    const execution = await ended(client, executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ stackStatus: 'CREATE_COMPLETE' });
    const history = await historyOf(client, executionArn);
    expect(types(history)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded', 'TaskStateExited', 'ExecutionSucceeded']);
    const scheduled = history.find((event) => event.type === 'TaskScheduled')!.taskScheduledEventDetails!;
    expect(scheduled).toMatchObject({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken' });
    // The parameters AWS records carry the real token, not the placeholder the interpreter evaluated.
    expect(JSON.parse(scheduled.parameters!)).toEqual({ FunctionName: FUNCTION_ARN, Payload: { taskToken: call!.taskToken, clusterId: 'c-1' } });
  });

  it('fails the task with the error and cause SendTaskFailure sends, which a Catch on that error name catches', async () => {
    const { executionArn, payloads, client } = await start({
      StartAt: 'WaitForStack',
      States: {
        WaitForStack: callbackTask({ Catch: [{ ErrorEquals: ['StackFailed'], ResultPath: '$.failure', Next: 'RecordFailure' }], End: true }),
        RecordFailure: { Type: 'Pass', End: true },
      },
    });
    const [call] = await tokensCalled(payloads, 1);

    await client.send(new SendTaskFailureCommand({ taskToken: call!.taskToken, error: 'StackFailed', cause: 'ROLLBACK_COMPLETE: subnet not found' }));

    const execution = await ended(client, executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ clusterId: 'c-1', failure: { Error: 'StackFailed', Cause: 'ROLLBACK_COMPLETE: subnet not found' } });
    const failed = (await historyOf(client, executionArn)).find((event) => event.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toMatchObject({ error: 'StackFailed', cause: 'ROLLBACK_COMPLETE: subnet not found' });
  });

  it('keeps a task alive past HeartbeatSeconds while SendTaskHeartbeat keeps coming', async () => {
    const { executionArn, payloads, client } = await start({ StartAt: 'WaitForStack', States: { WaitForStack: callbackTask({ HeartbeatSeconds: 1, End: true }) } });
    const [call] = await tokensCalled(payloads, 1);

    // 2.4 s of waiting, more than twice the heartbeat interval, with a heartbeat every 0.4 s.
    for (let beat = 0; beat < 6; beat += 1) {
      await sleep(400);
      await client.send(new SendTaskHeartbeatCommand({ taskToken: call!.taskToken }));
    }
    expect((await client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await client.send(new SendTaskSuccessCommand({ taskToken: call!.taskToken, output: '{"done":true}' }));

    expect((await ended(client, executionArn)).status).toBe('SUCCEEDED');
  });

  it('fails a task without heartbeats with States.HeartbeatTimeout, which Catch catches, and closes its token', async () => {
    const { executionArn, payloads, client } = await start({
      StartAt: 'WaitForStack',
      States: {
        WaitForStack: callbackTask({ HeartbeatSeconds: 1, Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.failure', Next: 'GiveUp' }], End: true }),
        GiveUp: { Type: 'Pass', End: true },
      },
    });
    const [call] = await tokensCalled(payloads, 1);

    const execution = await ended(client, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).failure.Error).toBe('States.HeartbeatTimeout');
    const history = await historyOf(client, executionArn);
    expect(history.find((event) => event.type === 'TaskTimedOut')?.taskTimedOutEventDetails?.error).toBe('States.HeartbeatTimeout');
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: call!.taskToken, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('fails a task that outlives TimeoutSeconds with States.Timeout, which a Catch on States.Timeout catches', async () => {
    const { executionArn, payloads, client } = await start({
      StartAt: 'WaitForStack',
      States: {
        WaitForStack: callbackTask({ TimeoutSeconds: 1, Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.failure', Next: 'GiveUp' }], End: true }),
        GiveUp: { Type: 'Pass', End: true },
      },
    });
    const [call] = await tokensCalled(payloads, 1);

    const execution = await ended(client, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).failure.Error).toBe('States.Timeout');
    expect(types(await historyOf(client, executionArn))).toContain('TaskTimedOut');
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: call!.taskToken, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('gives every task entry a token of its own, even two waiting at once in one execution', async () => {
    const { executionArn, payloads, client } = await start({
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Manager', States: { Manager: callbackTask({ End: true }, { role: 'manager' }) } },
            { StartAt: 'Worker', States: { Worker: callbackTask({ End: true }, { role: 'worker' }) } },
          ],
          End: true,
        },
      },
    });
    const calls = await tokensCalled(payloads, 2);
    expect(new Set(calls.map((call) => call.taskToken)).size).toBe(2);

    for (const call of calls) await client.send(new SendTaskSuccessCommand({ taskToken: call.taskToken, output: JSON.stringify({ role: call.role }) }));

    const execution = await ended(client, executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual([{ role: 'manager' }, { role: 'worker' }]);
  });

  it('answers a token used twice with TaskTimedOut, a malformed one with InvalidToken and an unknown one with TaskDoesNotExist', async () => {
    const { executionArn, payloads, client } = await start({ StartAt: 'WaitForStack', States: { WaitForStack: callbackTask({ End: true }) } });
    const [call] = await tokensCalled(payloads, 1);
    await client.send(new SendTaskSuccessCommand({ taskToken: call!.taskToken, output: '{"first":true}' }));

    await expect(client.send(new SendTaskSuccessCommand({ taskToken: call!.taskToken, output: '{"second":true}' }))).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(client.send(new SendTaskFailureCommand({ taskToken: call!.taskToken, error: 'Late' }))).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(client.send(new SendTaskHeartbeatCommand({ taskToken: 'not-a-token' }))).rejects.toBeInstanceOf(InvalidToken);
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: `${call!.taskToken.slice(0, -4)}AAAA`, output: '{}' }))).rejects.toBeInstanceOf(TaskDoesNotExist);
    expect(JSON.parse((await ended(client, executionArn)).output!)).toEqual({ first: true });
  });

  it('closes the tokens of an execution stopped while it waits', async () => {
    const { executionArn, payloads, client } = await start({ StartAt: 'WaitForStack', States: { WaitForStack: callbackTask({ End: true }) } });
    const [call] = await tokensCalled(payloads, 1);

    await client.send(new StopExecutionCommand({ executionArn, error: 'Cancelled' }));

    expect((await ended(client, executionArn)).status).toBe('ABORTED');
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: call!.taskToken, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
    // Nothing is left waiting on the token.
    await sfn!.idle();
  });

  it('runs a plain lambda:invoke task and returns the Invoke response with the function result as Payload', async () => {
    const { executionArn, client } = await start({
      StartAt: 'Invoke',
      States: { Invoke: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'waitForStack', 'Payload.$': '$' }, End: true } },
    });

    const execution = await ended(client, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toMatchObject({ StatusCode: 200, Payload: { accepted: true } });
  });
});

describe('local Step Functions: execution status change events', () => {
  async function run(definition: object): Promise<{ executionArn: string; events: ExecutionStatusChangeEvent[] }> {
    const events: ExecutionStatusChangeEvent[] = [];
    sfn = await startLocalStepFunctions({
      stateMachines: [{ name: 'machine', definition: JSON.stringify(definition), substitutions: {}, taskHandlers: {} }],
      onExecutionStatusChange: (event) => events.push(event),
    });
    client = new SFNClient({ endpoint: sfn.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: sfn.stateMachineArn('machine'), name: 'run-1', input: '{"clusterId":"c-9"}' }));
    await ended(client, executionArn!);
    await sfn.idle();
    return { executionArn: executionArn!, events };
  }

  it("publishes RUNNING, then SUCCEEDED with exactly the fields of AWS's example event", async () => {
    // The "Execution succeeded" example of https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html.
    const example = JSON.parse(readFileSync(resolve(__dirname, '../fixtures/aws-events/stepfunctions-execution-status-change.json'), 'utf8'));

    const { executionArn, events } = await run({ StartAt: 'Done', States: { Done: { Type: 'Pass', Result: 'Hello World!', End: true } } });

    expect(events.map((event) => event.detail.status)).toEqual(['RUNNING', 'SUCCEEDED']);
    const succeeded = events[1]!;
    expect(Object.keys(succeeded).sort()).toEqual(Object.keys(example).sort());
    expect(Object.keys(succeeded.detail).sort()).toEqual(Object.keys(example.detail).sort());
    expect(succeeded).toMatchObject({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      resources: [executionArn],
      detail: { executionArn, stateMachineArn: sfn!.stateMachineArn('machine'), name: 'run-1', input: '{"clusterId":"c-9"}', output: '"Hello World!"', outputDetails: { included: true } },
    });
    expect(succeeded.detail.stopDate).toBeGreaterThanOrEqual(succeeded.detail.startDate);
    expect(events[0]!.detail.stopDate).toBeNull();
  });

  it('carries the error and cause of a FAILED execution, which the execution-ended backstop reads', async () => {
    const { events } = await run({ StartAt: 'Fail', States: { Fail: { Type: 'Fail', Error: 'StackFailed', Cause: 'no subnet' } } });

    expect(events.at(-1)!.detail).toMatchObject({ status: 'FAILED', output: null, outputDetails: null, error: 'StackFailed', cause: 'no subnet' });
  });
});
