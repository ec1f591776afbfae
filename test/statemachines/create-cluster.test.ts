/**
 * The real statemachines/create-cluster.asl.json, one scenario per path, on the in-process Step Functions endpoint
 * (harness: test/support/state-machine.ts). The waiting states are callback Tasks (`lambda:invoke.waitForTaskToken`):
 * a scenario plays CloudFormation's event by answering the task's token, now or later, or not at all (a lost event).
 * The waiting states' heartbeat and timeout are shortened to 1 s and 3 s (compressWaits, as in the sandbox), and two
 * scenarios shorten a TimeoutSeconds, and say so.
 */
import { WORKFLOWS } from '../../src/handlers/workflow/registry';
import { compressWaits } from '../../sandbox/workflows';
import { namedError, readAsl, scenarioRunner, stepsOf as steps, withTimeout as shortened, type CallbackTask, type ScenarioOutcome } from '../support/state-machine';

const workflow = WORKFLOWS.createCluster;
type Step = (typeof workflow.tasks)[keyof typeof workflow.tasks];

const outcomeOf = (status: string, progress: string, extra: Record<string, unknown> = {}) => ({ status, progress, exhausted: false, ...extra });
const COMPLETE = outcomeOf('CREATE_COMPLETE', 'complete');
/** The stack's final event, arriving a little after the wait began. */
const eventLater = (task: CallbackTask, output: unknown, ms = 20) => {
  setTimeout(() => void task.succeed(output).catch(() => undefined), ms);
  return { waiting: true };
};

const defaults: Record<Step, (input: any, call: number, task: CallbackTask) => unknown> = {
  createStack: () => ({ proceed: true, stackId: 'stack-1', wait: { key: 'create' } }),
  awaitCreation: (input, _call, task) => eventLater(task, input.target === 'cleanup' ? outcomeOf('DELETE_COMPLETE', 'deleted') : COMPLETE),
  checkStack: () => COMPLETE,
  recordReady: () => ({ event: 'cluster.ready', version: 3 }),
  recordFailure: () => ({ event: 'cluster.failed', version: 3 }),
  deleteFailedStack: () => ({ wait: { key: 'cleanup' } }),
  checkStackDeletion: () => ({ deleted: true, stackStatus: 'DELETE_COMPLETE', settled: true }),
  settleCleanup: (input) => ({ deleted: input.status === 'DELETE_COMPLETE', stackStatus: input.status, settled: true }),
  markFailed: () => ({ event: 'cluster.failed', version: 2 }),
  notify: () => ({ scheduled: true, deliveryId: 'dlv_1' }),
  webhookGivenUp: () => null,
};

const SHORT_WAITS = compressWaits(readAsl(workflow.aslFile), { heartbeatSeconds: 1, timeoutSeconds: 3 });
const scenario = scenarioRunner<Step>({ workflow, defaults, input: { clusterId: 'c-1' }, executionName: 'c-1' });
const runScenario = (script: Parameters<typeof scenario>[0], options: Parameters<typeof scenario>[1] = {}) => scenario(script, { definition: SHORT_WAITS, ...options });

/** Time compression for the two timeout scenarios: the same definition with one TimeoutSeconds shortened. */
const withTimeout = (path: 'machine' | string, seconds: number) => shortened(SHORT_WAITS, path, seconds);
/** Every state entered, retries included: what Step Functions bills as state transitions. */
const transitions = (outcome: ScenarioOutcome<Step>) => outcome.history.filter((event) => event.stateEnteredEventDetails).length;

describe('create-cluster state machine', () => {
  it('happy path: creates the stack, waits for its final event, records READY, notifies: 6 state transitions', async () => {
    const outcome = await runScenario({});

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['createStack', 'awaitCreation', 'recordReady', 'notify']);
    expect(outcome.calls[1]!.input).toEqual({ clusterId: 'c-1', stackId: 'stack-1', target: 'create', key: 'create', taskToken: expect.any(String) });
    expect(outcome.calls[3]!.input).toEqual({ clusterId: 'c-1', event: 'cluster.ready', version: 3 });
    expect(transitions(outcome)).toBe(6);
  });

  it('final event before the token: the waiting step resumes itself at once, with no check', async () => {
    const outcome = await runScenario({ awaitCreation: async (_input, _call, task) => (await task.succeed(COMPLETE), { waiting: false }) });

    expect(steps(outcome)).toEqual(['createStack', 'awaitCreation', 'recordReady', 'notify']);
  });

  it('final event lost: the heartbeat runs out, one check sees CREATE_COMPLETE, and the create goes on', async () => {
    const outcome = await runScenario({ awaitCreation: () => ({ waiting: true }) }, { deadlineMs: 15_000 });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['createStack', 'awaitCreation', 'checkStack', 'recordReady', 'notify']);
    expect(outcome.calls[2]!.input).toEqual({ clusterId: 'c-1', stackId: 'stack-1', key: 'create' });
  });

  it('resource events keep the wait alive with heartbeats; the final event still ends it', async () => {
    const outcome = await runScenario(
      {
        awaitCreation: (_input, _call, task) => {
          const beats = setInterval(() => void task.heartbeat().catch(() => undefined), 300);
          setTimeout(() => {
            clearInterval(beats);
            void task.succeed(COMPLETE).catch(() => undefined);
          }, 3000);
          return { waiting: true };
        },
      },
      // A 2 s heartbeat here (room for a loaded machine's late timers), outlived by 3 s of waiting.
      { definition: compressWaits(readAsl(workflow.aslFile), { heartbeatSeconds: 2, timeoutSeconds: 10 }), deadlineMs: 15_000 },
    );

    // The heartbeats kept the safety net out of it.
    expect(steps(outcome)).toEqual(['createStack', 'awaitCreation', 'recordReady', 'notify']);
  });

  it('a check that finds the stack still creating sends the workflow back to waiting, as a new round', async () => {
    const outcome = await runScenario(
      {
        awaitCreation: (_input, call, task) => (call === 1 ? { waiting: true } : eventLater(task, COMPLETE)),
        checkStack: () => outcomeOf('CREATE_IN_PROGRESS', 'in_progress'),
      },
      { deadlineMs: 15_000 },
    );

    expect(steps(outcome)).toEqual(['createStack', 'awaitCreation', 'checkStack', 'awaitCreation', 'recordReady', 'notify']);
    expect(outcome.calls[1]!.input.taskToken).not.toEqual(outcome.calls[3]!.input.taskToken);
  });

  it('a duplicate final event changes nothing: its answer meets a spent token, the outcome is recorded once', async () => {
    const answers: string[] = [];
    const outcome = await runScenario({
      // The event and its redelivery, one after the other (awaited here, so the scenario cannot end between them).
      awaitCreation: async (_input, _call, task) => {
        for (let i = 0; i < 2; i++) await task.succeed(COMPLETE).then(() => answers.push('accepted'), (error: Error) => answers.push(error.name));
        return { waiting: false };
      },
    });

    expect(steps(outcome)).toEqual(['createStack', 'awaitCreation', 'recordReady', 'notify']);
    expect(answers[0]).toBe('accepted');
    expect(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']).toContain(answers[1]);
  });

  it('stack failure: records it with the status, deletes the failed stack, waits for that the same way, then sends cluster.failed', async () => {
    const outcome = await runScenario({
      awaitCreation: (input, _call, task) =>
        eventLater(task, input.target === 'create' ? outcomeOf('ROLLBACK_COMPLETE', 'failed', { reason: 'The following resource(s) failed to create: [ManagerAsg].' }) : outcomeOf('DELETE_COMPLETE', 'deleted')),
    });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['createStack', 'awaitCreation', 'recordFailure', 'deleteFailedStack', 'awaitCreation', 'settleCleanup', 'notify']);
    expect(outcome.calls[2]!.input).toEqual({ clusterId: 'c-1', stackId: 'stack-1', stackStatus: 'ROLLBACK_COMPLETE' });
    expect(outcome.calls[4]!.input).toMatchObject({ target: 'cleanup', key: 'cleanup' });
    expect(outcome.calls[5]!.input).toEqual({ clusterId: 'c-1', status: 'DELETE_COMPLETE' });
    expect(outcome.calls.at(-1)!.input.event).toBe('cluster.failed');
  });

  it('clean-up event lost: one check settles it, then the webhook', async () => {
    const outcome = await runScenario(
      {
        awaitCreation: (input, _call, task) => (input.target === 'create' ? eventLater(task, outcomeOf('ROLLBACK_COMPLETE', 'failed')) : { waiting: true }),
      },
      { deadlineMs: 15_000 },
    );

    expect(steps(outcome)).toEqual(['createStack', 'awaitCreation', 'recordFailure', 'deleteFailedStack', 'awaitCreation', 'checkStackDeletion', 'notify']);
  });

  it('the safety net’s rounds spent: records a timeout failure and cleans up', async () => {
    const outcome = await runScenario({
      awaitCreation: (input, _call, task) =>
        eventLater(task, input.target === 'create' ? outcomeOf('UNSETTLED', 'in_progress', { exhausted: true, reason: 'the stack reached no final status in 6 waits' }) : outcomeOf('DELETE_COMPLETE', 'deleted')),
    });

    expect(steps(outcome)).toEqual(['createStack', 'awaitCreation', 'recordFailure', 'deleteFailedStack', 'awaitCreation', 'settleCleanup', 'notify']);
    expect(outcome.calls[2]!.input.reason).toMatch(/did not reach CREATE_COMPLETE/);
  });

  it('a wait that is no longer open (a later operation replaced it) marks the cluster failed', async () => {
    const outcome = await runScenario({
      awaitCreation: () => {
        throw namedError('StackWaitClosedError');
      },
    });

    expect(steps(outcome)).toEqual(['createStack', 'awaitCreation', 'markFailed', 'notify']);
    expect(outcome.calls[2]!.input).toEqual({ clusterId: 'c-1', failure: { error: 'StackWaitClosedError' } });
  });

  it('throttling: retries a step that failed transiently, then goes on', async () => {
    const outcome = await runScenario({
      createStack: (input, call, task) => {
        if (call <= 2) throw namedError('TransientAwsError', 'CreateStack failed transiently');
        return defaults.createStack(input, call, task);
      },
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['createStack', 'createStack', 'createStack', 'awaitCreation', 'recordReady', 'notify']);
  });

  it('a permanent error marks the cluster failed with the error name, and still notifies', async () => {
    const outcome = await runScenario({
      createStack: () => {
        throw namedError('StackNameTakenError');
      },
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['createStack', 'markFailed', 'notify']);
    expect(outcome.calls[1]!.input).toEqual({ clusterId: 'c-1', failure: { error: 'StackNameTakenError' } });
  });

  it('task timeout: a hung step is retried, then the cluster is marked failed with States.Timeout', async () => {
    const outcome = await runScenario({ createStack: () => new Promise(() => undefined) }, { definition: withTimeout('CreateStack', 1), deadlineMs: 20_000 });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['createStack', 'createStack', 'createStack', 'markFailed', 'notify']);
    expect(outcome.calls[3]!.input.failure).toEqual({ error: 'States.Timeout' });
  });

  it('machine timeout: the execution ends TIMED_OUT (the execution-ended backstop then marks the cluster)', async () => {
    const outcome = await runScenario({ awaitCreation: () => ({ waiting: true }), checkStack: () => outcomeOf('CREATE_IN_PROGRESS', 'in_progress') }, { definition: withTimeout('machine', 2) });
    expect(outcome.status).toBe('TIMED_OUT');
    expect(steps(outcome)).not.toContain('recordReady');
  });

  it('notify: a transient failure handing the event to its delivery workflow is retried, then goes on', async () => {
    const outcome = await runScenario({
      notify: (_input, call) => {
        if (call <= 2) throw namedError('TransientAwsError');
        return { scheduled: true, deliveryId: 'dlv_1' };
      },
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome).filter((s) => s === 'notify')).toHaveLength(3);
    expect(steps(outcome)).not.toContain('webhookGivenUp');
  });

  it('notify: only transient errors are retried; the receiver\'s retries belong to the delivery workflow', async () => {
    const outcome = await runScenario({
      notify: () => {
        throw namedError('ClusterMissingError');
      },
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['createStack', 'awaitCreation', 'recordReady', 'notify', 'webhookGivenUp']);
  });

  it('webhook given up: the delivery cannot be scheduled, the timeline is told with the event and version, the execution still succeeds', async () => {
    const outcome = await runScenario({
      notify: () => {
        throw namedError('TransientAwsError');
      },
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome).filter((s) => s === 'notify')).toHaveLength(7);
    expect(outcome.calls.at(-1)).toEqual({ step: 'webhookGivenUp', input: { clusterId: 'c-1', event: 'cluster.ready', version: 3 } });
    expect(steps(outcome)).not.toContain('markFailed');
  });

  it('a cluster that left CREATING before its stack was made ends the workflow without a stack', async () => {
    const outcome = await runScenario({ createStack: () => ({ proceed: false, status: 'DELETING' }) });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['createStack']);
  });

  it('a failure that cannot even be recorded fails the execution, for the backstop to handle', async () => {
    const outcome = await runScenario({
      createStack: () => {
        throw namedError('StackNameTakenError');
      },
      markFailed: () => {
        throw namedError('ClusterMissingError');
      },
    });
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toBe('ClusterStatusUnrecorded');
  });
});
