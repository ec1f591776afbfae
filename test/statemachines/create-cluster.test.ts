/**
 * The real statemachines/create-cluster.asl.json, one scenario per path, on the in-process Step Functions endpoint
 * (harness: test/support/state-machine.ts). Two scenarios shorten a TimeoutSeconds, and say so.
 */
import { WORKFLOWS } from '../../src/handlers/workflow/registry';
import { namedError, readAsl, scenarioRunner, stepsOf as steps, withTimeout as shortened } from '../support/state-machine';

const workflow = WORKFLOWS.createCluster;
type Step = (typeof workflow.tasks)[keyof typeof workflow.tasks];

const defaults: Record<Step, (input: any, call: number) => unknown> = {
  createStack: () => ({ proceed: true, stackId: 'stack-1', poll: { attempt: 1, waitSeconds: 1 }, lastStatus: 'CREATE_IN_PROGRESS' }),
  checkStack: (input) => ({ stackId: input.stackId, progress: 'complete', lastStatus: 'CREATE_COMPLETE', poll: input.poll, exhausted: false }),
  recordReady: () => ({ event: 'cluster.ready', version: 3 }),
  recordFailure: () => ({ event: 'cluster.failed', version: 3 }),
  deleteFailedStack: () => ({ poll: { attempt: 1, waitSeconds: 1 } }),
  checkStackDeletion: (input) => ({ deleted: true, stackStatus: 'DELETE_COMPLETE', poll: input.poll, settled: true }),
  markFailed: () => ({ event: 'cluster.failed', version: 2 }),
  notify: () => ({ scheduled: true, deliveryId: 'dlv_1' }),
  webhookGivenUp: () => null,
};

const runScenario = scenarioRunner<Step>({ workflow, defaults, input: { clusterId: 'c-1' }, executionName: 'c-1' });

/** Time compression for the two timeout scenarios: the same definition with one TimeoutSeconds shortened. */
const withTimeout = (path: 'machine' | string, seconds: number) => shortened(readAsl(workflow.aslFile), path, seconds);

describe('create-cluster state machine', () => {
  it('happy path: creates the stack, polls, records READY, notifies', async () => {
    const outcome = await runScenario({});
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['createStack', 'checkStack', 'recordReady', 'notify']);
    expect(outcome.calls[3]!.input).toEqual({ clusterId: 'c-1', event: 'cluster.ready', version: 3 });
  });

  it('keeps polling while the stack is in progress, passing the growing interval back in', async () => {
    const outcome = await runScenario({
      checkStack: (input, call) => ({ stackId: input.stackId, progress: call < 3 ? 'in_progress' : 'complete', lastStatus: 'CREATE_IN_PROGRESS', poll: { attempt: input.poll.attempt + 1, waitSeconds: input.poll.waitSeconds * 2 }, exhausted: false }),
    });
    expect(outcome.status).toBe('SUCCEEDED');
    const checks = outcome.calls.filter((c) => c.step === 'checkStack').map((c) => c.input.poll.waitSeconds);
    expect(checks).toEqual([1, 2, 4]);
  });

  it('rollback: records the failure, deletes the failed stack, waits for it, then sends cluster.failed', async () => {
    const outcome = await runScenario({
      checkStack: (input) => ({ stackId: input.stackId, progress: 'failed', lastStatus: 'ROLLBACK_COMPLETE', poll: input.poll, exhausted: false }),
      checkStackDeletion: (input, call) => ({ deleted: call > 1, stackStatus: call > 1 ? 'DELETE_COMPLETE' : 'DELETE_IN_PROGRESS', poll: input.poll, settled: call > 1 }),
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['createStack', 'checkStack', 'recordFailure', 'deleteFailedStack', 'checkStackDeletion', 'checkStackDeletion', 'notify']);
    expect(outcome.calls.at(-1)!.input.event).toBe('cluster.failed');
  });

  it('throttling: retries a step that failed transiently, then goes on', async () => {
    const outcome = await runScenario({
      createStack: (input, call) => {
        if (call <= 2) throw namedError('TransientAwsError', 'CreateStack failed transiently');
        return defaults.createStack(input, call);
      },
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['createStack', 'createStack', 'createStack', 'checkStack', 'recordReady', 'notify']);
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

  it('poll budget spent: records a timeout failure and cleans up', async () => {
    const outcome = await runScenario({
      checkStack: (input) => ({ stackId: input.stackId, progress: 'in_progress', lastStatus: 'CREATE_IN_PROGRESS', poll: input.poll, exhausted: true }),
    });
    expect(steps(outcome)).toEqual(['createStack', 'checkStack', 'recordFailure', 'deleteFailedStack', 'checkStackDeletion', 'notify']);
    expect(outcome.calls[2]!.input.reason).toMatch(/did not reach CREATE_COMPLETE/);
  });

  it('task timeout: a hung step is retried, then the cluster is marked failed with States.Timeout', async () => {
    const outcome = await runScenario({ createStack: () => new Promise(() => undefined) }, { definition: withTimeout('CreateStack', 1), deadlineMs: 20_000 });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['createStack', 'createStack', 'createStack', 'markFailed', 'notify']);
    expect(outcome.calls[3]!.input.failure).toEqual({ error: 'States.Timeout' });
  });

  it('machine timeout: the execution ends TIMED_OUT (the execution-ended backstop then marks the cluster)', async () => {
    const outcome = await runScenario(
      { checkStack: (input) => ({ stackId: input.stackId, progress: 'in_progress', lastStatus: 'CREATE_IN_PROGRESS', poll: input.poll, exhausted: false }) },
      { definition: withTimeout('machine', 1) },
    );
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
    expect(steps(outcome)).toEqual(['createStack', 'checkStack', 'recordReady', 'notify', 'webhookGivenUp']);
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
