/**
 * The scenario harness with callback Tasks: a step resumes or fails the task that called it by its token, as the
 * event-driven workflows' functions will (callback pattern:
 * https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token).
 */
import { TaskTimedOut } from '@aws-sdk/client-sfn';
import { runScenario, stepsOf } from '../support/state-machine';

const definition = JSON.stringify({
  StartAt: 'StartStack',
  States: {
    StartStack: { Type: 'Task', Resource: '${StartStackFunctionArn}', Next: 'WaitForStack' },
    WaitForStack: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: '${WaitForStackFunctionArn}', Payload: { 'clusterId.$': '$.clusterId', 'taskToken.$': '$$.Task.Token' } },
      HeartbeatSeconds: 5,
      ResultPath: '$.stack',
      Catch: [{ ErrorEquals: ['StackFailed'], ResultPath: '$.failure', Next: 'RecordFailure' }],
      Next: 'RecordReady',
    },
    RecordReady: { Type: 'Task', Resource: '${RecordReadyFunctionArn}', End: true },
    RecordFailure: { Type: 'Task', Resource: '${RecordFailureFunctionArn}', End: true },
  },
});

const tasks = {
  StartStackFunctionArn: 'startStack',
  WaitForStackFunctionArn: 'waitForStack',
  RecordReadyFunctionArn: 'recordReady',
  RecordFailureFunctionArn: 'recordFailure',
} as const;

describe('scenario harness: callback tasks', () => {
  it('resumes a waiting task with the output a step sends later by its token', async () => {
    const outcome = await runScenario({
      definition,
      tasks,
      input: { clusterId: 'c-1' },
      steps: {
        startStack: (input) => input,
        // Answers after returning, as the stack's final event would arrive some time after the wait began.
        waitForStack: (_input, _call, task) => {
          setTimeout(() => void task.succeed({ status: 'CREATE_COMPLETE' }), 50);
          return {};
        },
        recordReady: (input) => input,
        recordFailure: (input) => input,
      },
    });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(stepsOf(outcome)).toEqual(['startStack', 'waitForStack', 'recordReady']);
    expect(outcome.calls[1]!.input).toEqual({ clusterId: 'c-1', taskToken: expect.any(String) });
    expect(outcome.output).toEqual({ clusterId: 'c-1', stack: { status: 'CREATE_COMPLETE' } });
  });

  it('fails a waiting task with an error the Catch routes, and a second answer with its token is TaskTimedOut', async () => {
    let secondAnswer: unknown;
    const outcome = await runScenario({
      definition,
      tasks,
      input: { clusterId: 'c-2' },
      steps: {
        startStack: (input) => input,
        waitForStack: async (_input, _call, task) => {
          await task.heartbeat();
          await task.fail('StackFailed', 'ROLLBACK_COMPLETE');
          secondAnswer = await task.succeed({ status: 'CREATE_COMPLETE' }).then(
            () => 'accepted',
            (error: unknown) => error,
          );
          return {};
        },
        recordReady: (input) => input,
        recordFailure: (input) => input,
      },
    });

    expect(stepsOf(outcome)).toEqual(['startStack', 'waitForStack', 'recordFailure']);
    expect(outcome.output).toEqual({ clusterId: 'c-2', failure: { Error: 'StackFailed', Cause: 'ROLLBACK_COMPLETE' } });
    expect(secondAnswer).toBeInstanceOf(TaskTimedOut);
  });
});
