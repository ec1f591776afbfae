/**
 * The real statemachines/delete-cluster.asl.json, one scenario per path, on the in-process Step Functions endpoint
 * (harness: test/support/state-machine.ts). The waiting states are callback Tasks: a scenario plays CloudFormation's
 * and EC2's events by answering the task's token, now, later, or never (a lost event). The waiting states' heartbeat
 * and timeout are shortened to 1 s and 3 s (compressWaits, as in the sandbox); the machine-timeout scenario shortens
 * the machine's TimeoutSeconds, and says so.
 */
import { WORKFLOWS } from '../../src/handlers/workflow/registry';
import { compressWaits } from '../../sandbox/workflows';
import { namedError, readAsl, scenarioRunner, stepsOf as steps, withTimeout, type CallbackTask, type ScenarioOutcome } from '../support/state-machine';

const workflow = WORKFLOWS.deleteCluster;
type Step = (typeof workflow.tasks)[keyof typeof workflow.tasks];

const wait = (attempt = 1) => ({ key: `delete-1-${attempt}` });
const removal = (progress: string, attempt = 1, stackId: string | null = 'stack-1') => ({ proceed: true, stackId, progress, wait: wait(attempt) });
const outcomeOf = (status: string, progress: string, extra: Record<string, unknown> = {}) => ({ status, progress, exhausted: false, ...extra });
const DELETED = outcomeOf('DELETE_COMPLETE', 'deleted');
const FAILED = outcomeOf('DELETE_FAILED', 'failed', { reason: 'The following resource(s) failed to delete: [SwarmWideSecurityGroup].' });
/** An event arriving a little after the wait began. */
const later = (task: CallbackTask, output: unknown, ms = 20) => {
  setTimeout(() => void task.succeed(output).catch(() => undefined), ms);
  return { waiting: true };
};
/** The instance wait's one DescribeInstances finds every instance terminated: it resumes itself. */
const allTerminated = async (task: CallbackTask, total = 8) => (await task.succeed({ remaining: 0, total }), { waiting: false });

const defaults: Record<Step, (input: any, call: number, task: CallbackTask) => unknown> = {
  removeStack: (input) => removal('in_progress', input.attempt),
  awaitStackRemoval: (_input, _call, task) => later(task, DELETED),
  checkStackRemoval: (input) => ({ ...DELETED, stackId: input.stackId }),
  readDeleteFailure: (input) => ({ retry: true, attempt: input.attempt + 1, waitSeconds: 1, blockers: 'SwarmWideSecurityGroup', reason: 'stack DELETE_FAILED' }),
  awaitInstances: (_input, _call, task) => allTerminated(task),
  markDeleted: () => ({ event: 'cluster.deleted', version: 9 }),
  markDeleteFailed: () => ({ event: 'cluster.delete_failed', version: 9 }),
  notifyDeleteOutcome: () => ({ scheduled: true, deliveryId: 'dlv_1' }),
  deleteWebhookGivenUp: () => null,
};

const SHORT_WAITS = compressWaits(readAsl(workflow.aslFile), { heartbeatSeconds: 1, timeoutSeconds: 3 });
const scenario = scenarioRunner<Step>({ workflow, defaults, input: { clusterId: 'c-1' } });
const runScenario = (script: Parameters<typeof scenario>[0], options: Parameters<typeof scenario>[1] = {}) => scenario(script, { definition: SHORT_WAITS, ...options });
const inputsOf = (outcome: ScenarioOutcome<Step>, step: Step) => outcome.calls.filter((c) => c.step === step).map((c) => c.input);
const transitions = (outcome: ScenarioOutcome<Step>) => outcome.history.filter((event) => event.stateEnteredEventDetails).length;

describe('delete-cluster state machine', () => {
  it('happy path: DeleteStack, the DELETE_COMPLETE event, one look at the instances, DELETED, notify: 8 state transitions', async () => {
    const outcome = await runScenario({});

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['removeStack', 'awaitStackRemoval', 'awaitInstances', 'markDeleted', 'notifyDeleteOutcome']);
    expect(outcome.calls[0]!.input).toEqual({ clusterId: 'c-1', attempt: 1 });
    expect(outcome.calls[1]!.input).toEqual({ clusterId: 'c-1', stackId: 'stack-1', target: 'delete', key: 'delete-1-1', taskToken: expect.any(String) });
    expect(inputsOf(outcome, 'markDeleted')).toEqual([{ clusterId: 'c-1', total: 8 }]);
    expect(outcome.calls.at(-1)!.input).toEqual({ clusterId: 'c-1', event: 'cluster.deleted', version: 9 });
    expect(transitions(outcome)).toBe(8);
  });

  it('a stack mid-update: waits for the cancelled update to roll back (an update wait), then RemoveStack deletes it', async () => {
    const outcome = await runScenario({
      removeStack: (input, call) => (call === 1 ? { proceed: true, stackId: 'stack-1', progress: 'settling', wait: { key: 'delete-1-1-settle' } } : removal('in_progress', input.attempt)),
      awaitStackRemoval: (input, _call, task) => later(task, input.target === 'update' ? outcomeOf('UPDATE_ROLLBACK_COMPLETE', 'rolled_back') : DELETED),
    });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['removeStack', 'awaitStackRemoval', 'removeStack', 'awaitStackRemoval', 'awaitInstances', 'markDeleted', 'notifyDeleteOutcome']);
    expect(outcome.calls[1]!.input).toMatchObject({ target: 'update', key: 'delete-1-1-settle' });
    expect(outcome.calls[3]!.input).toMatchObject({ target: 'delete', key: 'delete-1-1' });
  });

  it('a stack mid-update whose rollback event is lost: the heartbeat brings it back to RemoveStack, which looks again', async () => {
    const outcome = await runScenario(
      {
        removeStack: (input, call) => (call === 1 ? { proceed: true, stackId: 'stack-1', progress: 'settling', wait: { key: 'delete-1-1-settle' } } : removal('in_progress', input.attempt)),
        awaitStackRemoval: (input, _call, task) => (input.target === 'update' ? { waiting: true } : later(task, DELETED)),
      },
      { deadlineMs: 15_000 },
    );

    expect(steps(outcome)).toEqual(['removeStack', 'awaitStackRemoval', 'removeStack', 'awaitStackRemoval', 'awaitInstances', 'markDeleted', 'notifyDeleteOutcome']);
  });

  it('instances still shutting down at DELETE_COMPLETE: waits for the last terminated event, then DELETED', async () => {
    const outcome = await runScenario({ awaitInstances: (_input, _call, task) => later(task, { remaining: 0, total: 8 }, 200) });

    expect(steps(outcome)).toEqual(['removeStack', 'awaitStackRemoval', 'awaitInstances', 'markDeleted', 'notifyDeleteOutcome']);
    expect(inputsOf(outcome, 'awaitInstances')).toEqual([{ clusterId: 'c-1', taskToken: expect.any(String) }]);
  });

  it('a terminated event lost: the instance wait times out and looks once more, which finds them all gone', async () => {
    const outcome = await runScenario({ awaitInstances: (_input, call, task) => (call === 1 ? { waiting: true } : allTerminated(task)) }, { deadlineMs: 15_000 });

    expect(steps(outcome)).toEqual(['removeStack', 'awaitStackRemoval', 'awaitInstances', 'awaitInstances', 'markDeleted', 'notifyDeleteOutcome']);
  });

  it('instances that never terminate: the wait fails naming them, and the cluster ends DELETE_FAILED with that reason', async () => {
    const outcome = await runScenario({
      awaitInstances: async (_input, _call, task) => (await task.fail('InstancesNotTerminated', 'the stack is deleted but 1 instance has not terminated in the time allowed: i-1 (shutting-down)'), { waiting: false }),
    });

    expect(steps(outcome)).toEqual(['removeStack', 'awaitStackRemoval', 'awaitInstances', 'markDeleteFailed', 'notifyDeleteOutcome']);
    expect(inputsOf(outcome, 'markDeleteFailed')).toEqual([{ clusterId: 'c-1', reason: expect.stringContaining('i-1 (shutting-down)') }]);
  });

  it('final event lost: the heartbeat runs out, one check sees the stack gone, and the delete goes on', async () => {
    const outcome = await runScenario({ awaitStackRemoval: () => ({ waiting: true }) }, { deadlineMs: 15_000 });

    expect(steps(outcome)).toEqual(['removeStack', 'awaitStackRemoval', 'checkStackRemoval', 'awaitInstances', 'markDeleted', 'notifyDeleteOutcome']);
    expect(inputsOf(outcome, 'checkStackRemoval')).toEqual([{ clusterId: 'c-1', stackId: 'stack-1', attempt: 1 }]);
  });

  it('stack already gone: goes straight to the instances without waiting on the stack', async () => {
    const outcome = await runScenario({ removeStack: () => removal('deleted', 1, null) });

    expect(steps(outcome)).toEqual(['removeStack', 'awaitInstances', 'markDeleted', 'notifyDeleteOutcome']);
  });

  it('DELETE_FAILED then success: reads why, waits, deletes again with the next attempt number and its own wait, then finishes', async () => {
    const outcome = await runScenario({ awaitStackRemoval: (input, _call, task) => later(task, input.key === 'delete-1-1' ? FAILED : DELETED) });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['removeStack', 'awaitStackRemoval', 'readDeleteFailure', 'removeStack', 'awaitStackRemoval', 'awaitInstances', 'markDeleted', 'notifyDeleteOutcome']);
    expect(inputsOf(outcome, 'readDeleteFailure')).toEqual([{ clusterId: 'c-1', stackId: 'stack-1', attempt: 1 }]);
    expect(inputsOf(outcome, 'awaitStackRemoval').map((i) => i.key)).toEqual(['delete-1-1', 'delete-1-2']);
  });

  it('DELETE_FAILED until the retries run out: DELETE_FAILED with the blocking resources, and cluster.delete_failed', async () => {
    const outcome = await runScenario({
      awaitStackRemoval: (_input, _call, task) => later(task, FAILED),
      readDeleteFailure: (input) => ({
        retry: input.attempt < 3,
        attempt: input.attempt + 1,
        waitSeconds: 1,
        blockers: 'SwarmWideSecurityGroup (AWS::EC2::SecurityGroup): has a dependent object',
        reason: 'stack DELETE_FAILED after 3 attempts; blocked by SwarmWideSecurityGroup (AWS::EC2::SecurityGroup): has a dependent object',
      }),
    });

    expect(inputsOf(outcome, 'removeStack').map((i) => i.attempt)).toEqual([1, 2, 3]);
    expect(steps(outcome).slice(-2)).toEqual(['markDeleteFailed', 'notifyDeleteOutcome']);
    expect(steps(outcome)).not.toContain('awaitInstances');
    expect(inputsOf(outcome, 'markDeleteFailed')).toEqual([{ clusterId: 'c-1', reason: expect.stringContaining('SwarmWideSecurityGroup') }]);
  });

  it('cancel during create: no stack visible yet; the safety net finds it under the name and deletes it; its event ends the wait', async () => {
    const outcome = await runScenario(
      {
        removeStack: () => removal('in_progress', 1, null),
        awaitStackRemoval: (_input, call, task) => (call === 1 ? { waiting: true } : later(task, DELETED)),
        checkStackRemoval: () => ({ ...outcomeOf('DELETE_IN_PROGRESS', 'in_progress'), stackId: 'stack-late' }),
      },
      { deadlineMs: 15_000 },
    );

    expect(outcome.status).toBe('SUCCEEDED');
    expect(inputsOf(outcome, 'checkStackRemoval').map((i) => i.stackId)).toEqual([null]);
    expect(steps(outcome)).toEqual(['removeStack', 'awaitStackRemoval', 'checkStackRemoval', 'awaitStackRemoval', 'awaitInstances', 'markDeleted', 'notifyDeleteOutcome']);
  });

  it('the safety net’s rounds spent: DELETE_FAILED with the reason the wait gives', async () => {
    const outcome = await runScenario({
      awaitStackRemoval: (_input, _call, task) => later(task, outcomeOf('UNSETTLED', 'in_progress', { exhausted: true, reason: 'the stack reached no final status in 6 waits' })),
    });
    expect(steps(outcome)).toEqual(['removeStack', 'awaitStackRemoval', 'markDeleteFailed', 'notifyDeleteOutcome']);
    expect(inputsOf(outcome, 'markDeleteFailed')[0]!.reason).toMatch(/no final status/);
  });

  it('a cluster that is not DELETING ends the workflow at once, with no webhook', async () => {
    const outcome = await runScenario({ removeStack: () => ({ proceed: false, status: 'DELETED' }) });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['removeStack']);
  });

  it('throttling: retries a step that failed transiently, then goes on', async () => {
    const outcome = await runScenario({
      removeStack: (input, call, task) => {
        if (call <= 2) throw namedError('TransientAwsError', 'DeleteStack failed transiently');
        return defaults.removeStack(input, call, task);
      },
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome).slice(0, 4)).toEqual(['removeStack', 'removeStack', 'removeStack', 'awaitStackRemoval']);
    expect(steps(outcome).at(-2)).toBe('markDeleted');
  });

  it('a permanent error marks the cluster DELETE_FAILED with the error name, and still notifies', async () => {
    const outcome = await runScenario({
      awaitInstances: () => {
        throw namedError('AccessDeniedException');
      },
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(inputsOf(outcome, 'markDeleteFailed')).toEqual([{ clusterId: 'c-1', failure: { error: 'AccessDeniedException' } }]);
    expect(outcome.calls.at(-1)!.input.event).toBe('cluster.delete_failed');
  });

  it('machine timeout: the execution ends TIMED_OUT (the execution-ended backstop then marks DELETE_FAILED)', async () => {
    const outcome = await runScenario(
      { awaitStackRemoval: () => ({ waiting: true }), checkStackRemoval: (input) => ({ ...outcomeOf('DELETE_IN_PROGRESS', 'in_progress'), stackId: input.stackId }) },
      { definition: withTimeout(SHORT_WAITS, 'machine', 2) },
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
