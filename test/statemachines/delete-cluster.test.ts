/**
 * The real statemachines/delete-cluster.asl.json, one scenario per path, on the in-process Step Functions endpoint
 * (harness: test/support/state-machine.ts). The machine-timeout scenario shortens the machine's TimeoutSeconds, and
 * says so.
 */
import { WORKFLOWS } from '../../src/handlers/workflow/registry';
import { namedError, readAsl, scenarioRunner, stepsOf as steps, withTimeout } from '../support/state-machine';

const workflow = WORKFLOWS.deleteCluster;
type Step = (typeof workflow.tasks)[keyof typeof workflow.tasks];

const removal = (input: any, progress: string, extra: Record<string, unknown> = {}) => ({
  stackId: input.stackId ?? 'stack-1',
  progress,
  lastStatus: progress === 'deleted' ? 'DELETE_COMPLETE' : progress === 'failed' ? 'DELETE_FAILED' : 'DELETE_IN_PROGRESS',
  poll: { attempt: (input.poll?.attempt ?? 0) + 1, waitSeconds: 1 },
  exhausted: false,
  ...extra,
});

const defaults: Record<Step, (input: any, call: number) => unknown> = {
  removeStack: () => ({ proceed: true, stackId: 'stack-1', progress: 'in_progress', lastStatus: 'DELETE_IN_PROGRESS', poll: { attempt: 1, waitSeconds: 1 }, exhausted: false }),
  checkStackRemoval: (input) => removal(input, 'deleted'),
  readDeleteFailure: (input) => ({ retry: true, attempt: input.attempt + 1, waitSeconds: 1, blockers: 'SwarmWideSecurityGroup', reason: 'stack DELETE_FAILED' }),
  checkInstancesTerminated: (input) => ({ remaining: 0, total: 8, poll: { attempt: input.poll.attempt + 1, waitSeconds: 1 }, exhausted: false }),
  markDeleted: () => ({ event: 'cluster.deleted', version: 9 }),
  markDeleteFailed: () => ({ event: 'cluster.delete_failed', version: 9 }),
  notifyDeleteOutcome: () => ({ scheduled: true, deliveryId: 'dlv_1' }),
  deleteWebhookGivenUp: () => null,
};

const runScenario = scenarioRunner<Step>({ workflow, defaults, input: { clusterId: 'c-1' } });
const inputsOf = (outcome: Awaited<ReturnType<typeof runScenario>>, step: Step) => outcome.calls.filter((c) => c.step === step).map((c) => c.input);

describe('delete-cluster state machine', () => {
  it('happy path: deletes the stack, waits for it, sees every instance terminated, marks DELETED, notifies', async () => {
    const outcome = await runScenario({
      checkStackRemoval: (input, call) => removal(input, call < 2 ? 'in_progress' : 'deleted'),
    });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['removeStack', 'checkStackRemoval', 'checkStackRemoval', 'checkInstancesTerminated', 'markDeleted', 'notifyDeleteOutcome']);
    expect(outcome.calls[0]!.input).toEqual({ clusterId: 'c-1', attempt: 1 });
    expect(inputsOf(outcome, 'markDeleted')).toEqual([{ clusterId: 'c-1', total: 8 }]);
    expect(outcome.calls.at(-1)!.input).toEqual({ clusterId: 'c-1', event: 'cluster.deleted', version: 9 });
  });

  it('stack already gone: goes straight to the instances without waiting on the stack', async () => {
    const outcome = await runScenario({
      removeStack: () => ({ proceed: true, stackId: null, progress: 'deleted', lastStatus: 'DELETE_COMPLETE', poll: { attempt: 1, waitSeconds: 1 }, exhausted: false }),
    });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['removeStack', 'checkInstancesTerminated', 'markDeleted', 'notifyDeleteOutcome']);
  });

  it('DELETE_FAILED then success: reads why, waits, deletes again with the next attempt number, then finishes', async () => {
    const outcome = await runScenario({
      checkStackRemoval: (input) => removal(input, input.attempt === 1 ? 'failed' : 'deleted'),
    });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['removeStack', 'checkStackRemoval', 'readDeleteFailure', 'removeStack', 'checkStackRemoval', 'checkInstancesTerminated', 'markDeleted', 'notifyDeleteOutcome']);
    expect(inputsOf(outcome, 'readDeleteFailure')).toEqual([{ clusterId: 'c-1', stackId: 'stack-1', attempt: 1 }]);
    expect(inputsOf(outcome, 'removeStack').map((i) => i.attempt)).toEqual([1, 2]);
  });

  it('DELETE_FAILED until the retries run out: DELETE_FAILED with the blocking resources, and cluster.delete_failed', async () => {
    const outcome = await runScenario({
      checkStackRemoval: (input) => removal(input, 'failed'),
      readDeleteFailure: (input) => ({
        retry: input.attempt < 3,
        attempt: input.attempt + 1,
        waitSeconds: 1,
        blockers: 'SwarmWideSecurityGroup (AWS::EC2::SecurityGroup): has a dependent object',
        reason: 'stack DELETE_FAILED after 3 attempts; blocked by SwarmWideSecurityGroup (AWS::EC2::SecurityGroup): has a dependent object',
      }),
    });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(inputsOf(outcome, 'removeStack').map((i) => i.attempt)).toEqual([1, 2, 3]);
    expect(steps(outcome).slice(-2)).toEqual(['markDeleteFailed', 'notifyDeleteOutcome']);
    expect(steps(outcome)).not.toContain('checkInstancesTerminated');
    expect(inputsOf(outcome, 'markDeleteFailed')).toEqual([{ clusterId: 'c-1', reason: expect.stringContaining('SwarmWideSecurityGroup') }]);
    expect(outcome.calls.at(-1)!.input.event).toBe('cluster.delete_failed');
  });

  it('instances lingering in shutting-down: keeps checking, passing the last count back, until none is left', async () => {
    const remaining = [8, 8, 3, 0];
    const outcome = await runScenario({
      checkInstancesTerminated: (input, call) => ({ remaining: remaining[call - 1], total: 8, poll: { attempt: input.poll.attempt + 1, waitSeconds: 1 }, exhausted: false }),
    });

    expect(outcome.status).toBe('SUCCEEDED');
    const checks = inputsOf(outcome, 'checkInstancesTerminated');
    expect(checks.map((i) => i.lastRemaining)).toEqual([-1, 8, 8, 3]);
    expect(checks[0]!.poll).toEqual({ attempt: 0, waitSeconds: 0 });
    expect(steps(outcome).slice(-2)).toEqual(['markDeleted', 'notifyDeleteOutcome']);
  });

  it('cancel during create: no stack visible yet, keeps looking by name until it appears, then deletes it', async () => {
    const outcome = await runScenario({
      removeStack: () => ({ proceed: true, stackId: null, progress: 'in_progress', lastStatus: 'DELETE_COMPLETE', poll: { attempt: 1, waitSeconds: 1 }, exhausted: false }),
      checkStackRemoval: (input, call) => (call === 1 ? removal(input, 'in_progress', { stackId: null }) : call === 2 ? removal({ ...input, stackId: 'stack-late' }, 'in_progress') : removal(input, 'deleted')),
    });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(inputsOf(outcome, 'checkStackRemoval').map((i) => i.stackId)).toEqual([null, null, 'stack-late']);
    expect(steps(outcome).slice(-3)).toEqual(['checkInstancesTerminated', 'markDeleted', 'notifyDeleteOutcome']);
  });

  it('a cluster that is not DELETING ends the workflow at once, with no webhook', async () => {
    const outcome = await runScenario({ removeStack: () => ({ proceed: false, status: 'DELETED' }) });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['removeStack']);
  });

  it('throttling: retries a step that failed transiently, then goes on', async () => {
    const outcome = await runScenario({
      removeStack: (input, call) => {
        if (call <= 2) throw namedError('TransientAwsError', 'DeleteStack failed transiently');
        return defaults.removeStack(input, call);
      },
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome).slice(0, 4)).toEqual(['removeStack', 'removeStack', 'removeStack', 'checkStackRemoval']);
    expect(steps(outcome).at(-2)).toBe('markDeleted');
  });

  it('a permanent error marks the cluster DELETE_FAILED with the error name, and still notifies', async () => {
    const outcome = await runScenario({
      checkInstancesTerminated: () => {
        throw namedError('AccessDeniedException');
      },
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(inputsOf(outcome, 'markDeleteFailed')).toEqual([{ clusterId: 'c-1', failure: { error: 'AccessDeniedException' } }]);
    expect(outcome.calls.at(-1)!.input.event).toBe('cluster.delete_failed');
  });

  it('stack poll budget spent: DELETE_FAILED with the reason the check gives', async () => {
    const outcome = await runScenario({
      checkStackRemoval: (input) => removal(input, 'in_progress', { exhausted: true, reason: 'the stack did not finish deleting in the time allowed' }),
    });
    expect(steps(outcome)).toEqual(['removeStack', 'checkStackRemoval', 'markDeleteFailed', 'notifyDeleteOutcome']);
    expect(inputsOf(outcome, 'markDeleteFailed')[0]!.reason).toMatch(/did not finish deleting/);
  });

  it('instance poll budget spent: DELETE_FAILED naming the instances that did not terminate', async () => {
    const outcome = await runScenario({
      checkInstancesTerminated: (input) => ({ remaining: 2, total: 8, poll: input.poll, exhausted: true, reason: '2 instances have not terminated: i-1 (shutting-down), i-2 (running)' }),
    });
    expect(steps(outcome)).toEqual(['removeStack', 'checkStackRemoval', 'checkInstancesTerminated', 'markDeleteFailed', 'notifyDeleteOutcome']);
    expect(inputsOf(outcome, 'markDeleteFailed')[0]!.reason).toMatch(/i-1 \(shutting-down\)/);
  });

  it('machine timeout: the execution ends TIMED_OUT (the execution-ended backstop then marks DELETE_FAILED)', async () => {
    const outcome = await runScenario(
      { checkStackRemoval: (input) => removal(input, 'in_progress') },
      { definition: withTimeout(readAsl(workflow.aslFile), 'machine', 1) },
    );
    expect(outcome.status).toBe('TIMED_OUT');
    expect(steps(outcome)).not.toContain('markDeleted');
  });

  it('notify: a transient failure handing the event to its delivery workflow is retried, then goes on', async () => {
    const outcome = await runScenario({
      notifyDeleteOutcome: (_input, call) => {
        if (call <= 2) throw namedError('TransientAwsError');
        return { scheduled: true, deliveryId: 'dlv_1' };
      },
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome).filter((s) => s === 'notifyDeleteOutcome')).toHaveLength(3);
    expect(steps(outcome)).not.toContain('deleteWebhookGivenUp');
  });

  it("notify: only transient errors are retried; the receiver's retries belong to the delivery workflow", async () => {
    const outcome = await runScenario({
      notifyDeleteOutcome: () => {
        throw namedError('ClusterMissingError');
      },
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome).slice(-2)).toEqual(['notifyDeleteOutcome', 'deleteWebhookGivenUp']);
    expect(steps(outcome).filter((s) => s === 'notifyDeleteOutcome')).toHaveLength(1);
  });

  it('webhook given up: the delivery cannot be scheduled, the timeline is told with the event and version, the execution still succeeds', async () => {
    const outcome = await runScenario({
      notifyDeleteOutcome: () => {
        throw namedError('TransientAwsError');
      },
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome).filter((s) => s === 'notifyDeleteOutcome')).toHaveLength(7);
    expect(outcome.calls.at(-1)).toEqual({ step: 'deleteWebhookGivenUp', input: { clusterId: 'c-1', event: 'cluster.deleted', version: 9 } });
    expect(steps(outcome)).not.toContain('markDeleteFailed');
  });

  it('a failure that cannot even be recorded fails the execution, for the backstop to handle', async () => {
    const outcome = await runScenario({
      removeStack: () => {
        throw namedError('AccessDeniedException');
      },
      markDeleteFailed: () => {
        throw namedError('ClusterMissingError');
      },
    });
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toBe('ClusterStatusUnrecorded');
  });
});
