/**
 * The real statemachines/update-cluster.asl.json, one scenario per path, on the in-process Step Functions endpoint
 * (harness: test/support/state-machine.ts). The waiting state is a callback Task (`lambda:invoke.waitForTaskToken`):
 * a scenario plays CloudFormation's final update event by answering the task's token, now or later, or not at all (a
 * lost event). The waiting state's heartbeat and timeout are shortened to 1 s and 3 s (compressWaits, as in the
 * sandbox). The statuses that end an update are CloudFormation's ("Stack status codes",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html).
 */
import { buildDiagnosticsStore } from '../../src/adapters/dynamodb/diagnostics-store';
import type { Config } from '../../src/config';
import type { ClusterUpdate } from '../../src/domain/cluster';
import { WORKFLOWS } from '../../src/handlers/workflow/registry';
import { updateClusterStep } from '../../src/handlers/workflow/update-cluster-steps';
import { compressWaits } from '../../sandbox/workflows';
import { aCluster } from '../support/clusters';
import { fixedClock, startTestDynamoDB } from '../support/dynamodb';
import { fakeFollowUps, fakeInstances, fakeQuotas, fakeStacks } from '../support/fakes';
import { namedError, readAsl, scenarioRunner, stepsOf as steps, type CallbackTask } from '../support/state-machine';

const workflow = WORKFLOWS.updateCluster;
type Step = (typeof workflow.tasks)[keyof typeof workflow.tasks];

const outcomeOf = (status: string, progress: string, extra: Record<string, unknown> = {}) => ({ status, progress, exhausted: false, ...extra });
const COMPLETE = outcomeOf('UPDATE_COMPLETE', 'complete');
const ROLLED_BACK = outcomeOf('UPDATE_ROLLBACK_COMPLETE', 'rolled_back');
const ROLLBACK_FAILED = outcomeOf('UPDATE_ROLLBACK_FAILED', 'failed', { reason: 'The following resource(s) failed to update: [NodeAsg]. ' });
const eventLater = (task: CallbackTask, output: unknown, ms = 20) => {
  setTimeout(() => void task.succeed(output).catch(() => undefined), ms);
  return { waiting: true };
};
const STARTED = { proceed: true, unchanged: false, stackId: 'stack-1', wait: { key: 'update-u7' } };

const defaults: Record<Step, (input: any, call: number, task: CallbackTask) => unknown> = {
  updateStack: () => STARTED,
  awaitStackUpdate: (_input, _call, task) => eventLater(task, COMPLETE),
  checkStackUpdate: () => COMPLETE,
  recordUpdateOutcome: (input) => ({ event: input.stackStatus === 'UPDATE_COMPLETE' || input.unchanged ? 'cluster.updated' : 'cluster.update_failed', version: 9 }),
  markUpdateFailed: () => ({ event: 'cluster.update_failed', version: 8 }),
  notifyUpdateOutcome: () => ({ scheduled: true, deliveryId: 'dlv_1' }),
  updateWebhookGivenUp: () => null,
};

const SHORT_WAITS = compressWaits(readAsl(workflow.aslFile), { heartbeatSeconds: 1, timeoutSeconds: 3 });
const scenario = scenarioRunner<Step>({ workflow, defaults, input: { clusterId: 'c-1', updateId: 'u7' }, executionName: 'c-1-u7' });
const runScenario = (script: Parameters<typeof scenario>[0], options: Parameters<typeof scenario>[1] = {}) => scenario(script, { definition: SHORT_WAITS, ...options });
const recorded = (outcome: Awaited<ReturnType<typeof runScenario>>) => outcome.calls.filter((c) => c.step === 'recordUpdateOutcome').map((c) => c.input);

describe('update-cluster state machine', () => {
  it('update completes: UpdateStack, the UPDATE_COMPLETE event, the outcome recorded with the status, cluster.updated sent', async () => {
    const outcome = await runScenario({});

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['updateStack', 'awaitStackUpdate', 'recordUpdateOutcome', 'notifyUpdateOutcome']);
    expect(outcome.calls[0]!.input).toEqual({ clusterId: 'c-1', updateId: 'u7' });
    expect(outcome.calls[1]!.input).toEqual({ clusterId: 'c-1', stackId: 'stack-1', target: 'update', key: 'update-u7', taskToken: expect.any(String) });
    expect(recorded(outcome)).toEqual([{ clusterId: 'c-1', updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_COMPLETE' }]);
    expect(outcome.calls.at(-1)!.input).toEqual({ clusterId: 'c-1', event: 'cluster.updated', version: 9 });
  });

  it('nothing to update ("No updates are to be performed."): no wait, the outcome recorded as unchanged', async () => {
    const outcome = await runScenario({ updateStack: () => ({ ...STARTED, unchanged: true }) });

    expect(steps(outcome)).toEqual(['updateStack', 'recordUpdateOutcome', 'notifyUpdateOutcome']);
    expect(recorded(outcome)).toEqual([{ clusterId: 'c-1', updateId: 'u7', stackId: 'stack-1', unchanged: true }]);
  });

  it('the cluster left UPDATING before the stack was touched (a delete): ends at once, records and sends nothing', async () => {
    const outcome = await runScenario({ updateStack: () => ({ proceed: false, status: 'DELETING' }) });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['updateStack']);
  });

  it('update rolled back: the outcome is recorded with UPDATE_ROLLBACK_COMPLETE and cluster.update_failed is sent', async () => {
    const outcome = await runScenario({ awaitStackUpdate: (_input, _call, task) => eventLater(task, ROLLED_BACK) });

    expect(steps(outcome)).toEqual(['updateStack', 'awaitStackUpdate', 'recordUpdateOutcome', 'notifyUpdateOutcome']);
    expect(recorded(outcome)[0]).toMatchObject({ stackStatus: 'UPDATE_ROLLBACK_COMPLETE' });
    expect(outcome.calls.at(-1)!.input.event).toBe('cluster.update_failed');
  });

  it('rollback failed: the outcome is recorded with UPDATE_ROLLBACK_FAILED (the step makes it UPDATE_FAILED)', async () => {
    const outcome = await runScenario({ awaitStackUpdate: (_input, _call, task) => eventLater(task, ROLLBACK_FAILED) });

    expect(steps(outcome)).toEqual(['updateStack', 'awaitStackUpdate', 'recordUpdateOutcome', 'notifyUpdateOutcome']);
    expect(recorded(outcome)[0]).toMatchObject({ stackStatus: 'UPDATE_ROLLBACK_FAILED' });
  });

  it('final event lost: the heartbeat runs out, one check sees UPDATE_COMPLETE, and the outcome is recorded', async () => {
    const outcome = await runScenario({ awaitStackUpdate: () => ({ waiting: true }) }, { deadlineMs: 15_000 });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['updateStack', 'awaitStackUpdate', 'checkStackUpdate', 'recordUpdateOutcome', 'notifyUpdateOutcome']);
    expect(outcome.calls[2]!.input).toEqual({ clusterId: 'c-1', stackId: 'stack-1', key: 'update-u7' });
  });

  it('a check that finds the stack still updating sends the workflow back to waiting, as a new round', async () => {
    const outcome = await runScenario(
      {
        awaitStackUpdate: (_input, call, task) => (call === 1 ? { waiting: true } : eventLater(task, COMPLETE)),
        checkStackUpdate: () => outcomeOf('UPDATE_IN_PROGRESS', 'in_progress'),
      },
      { deadlineMs: 15_000 },
    );

    expect(steps(outcome)).toEqual(['updateStack', 'awaitStackUpdate', 'checkStackUpdate', 'awaitStackUpdate', 'recordUpdateOutcome', 'notifyUpdateOutcome']);
  });

  it('the safety net’s rounds spent: the outcome is recorded with the reason (UPDATE_FAILED), not a status', async () => {
    const outcome = await runScenario({
      awaitStackUpdate: (_input, _call, task) => eventLater(task, outcomeOf('UNSETTLED', 'in_progress', { exhausted: true, reason: 'the stack reached no final status in 6 waits' })),
    });

    expect(steps(outcome)).toEqual(['updateStack', 'awaitStackUpdate', 'recordUpdateOutcome', 'notifyUpdateOutcome']);
    expect(recorded(outcome)[0]).toEqual({ clusterId: 'c-1', updateId: 'u7', stackId: 'stack-1', reason: 'the stack reached no final update status within the time allowed' });
  });

  it('a stack held by an earlier rollback (StackNotYetUpdatableError): UpdateStack is tried again until it is taken, then the update goes on', async () => {
    const outcome = await runScenario({
      updateStack: (_input, call) => {
        if (call < 4) throw namedError('StackNotYetUpdatableError', 'the stack is UPDATE_ROLLBACK_IN_PROGRESS from an earlier update');
        return STARTED;
      },
    });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['updateStack', 'updateStack', 'updateStack', 'updateStack', 'awaitStackUpdate', 'recordUpdateOutcome', 'notifyUpdateOutcome']);
    expect(recorded(outcome)).toEqual([{ clusterId: 'c-1', updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_COMPLETE' }]);
  });

  it('a rollback that never lets go: after its 12 retries the cluster is marked UPDATE_FAILED with the error', async () => {
    const outcome = await runScenario({
      updateStack: () => {
        throw namedError('StackNotYetUpdatableError', 'the stack is UPDATE_ROLLBACK_FAILED from an earlier update');
      },
    });

    expect(steps(outcome).filter((step) => step === 'updateStack')).toHaveLength(13);
    expect(steps(outcome).slice(-2)).toEqual(['markUpdateFailed', 'notifyUpdateOutcome']);
    expect(outcome.calls.find((c) => c.step === 'markUpdateFailed')!.input).toMatchObject({ failure: { error: 'StackNotYetUpdatableError' } });
  });

  it('UpdateStack keeps failing: the last resort marks the cluster UPDATE_FAILED and sends cluster.update_failed', async () => {
    const outcome = await runScenario({
      updateStack: () => {
        throw namedError('ValidationError', 'Parameter validation failed');
      },
    });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['updateStack', 'markUpdateFailed', 'notifyUpdateOutcome']);
    expect(outcome.calls[1]!.input).toEqual({ clusterId: 'c-1', updateId: 'u7', failure: { error: 'ValidationError' } });
  });

  it('the failure cannot be recorded either: the execution fails, for the execution-ended backstop', async () => {
    const outcome = await runScenario({
      updateStack: () => {
        throw namedError('ValidationError');
      },
      markUpdateFailed: () => {
        throw namedError('ResourceNotFoundException');
      },
    });

    expect(outcome.status).toBe('FAILED');
  });

  it('a webhook that cannot be handed over is recorded as given up; the update itself succeeded', async () => {
    const outcome = await runScenario({
      notifyUpdateOutcome: () => {
        throw namedError('ResourceNotFoundException');
      },
    });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(steps(outcome)).toEqual(['updateStack', 'awaitStackUpdate', 'recordUpdateOutcome', 'notifyUpdateOutcome', 'updateWebhookGivenUp']);
  });

  describe('with the real outcome step (embedded DynamoDB, fake CloudFormation and EC2)', () => {
    let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
    beforeAll(async () => {
      db = await startTestDynamoDB();
    });
    afterAll(() => db.close());

    it('new nodes did not come up (a FAILURE signal, then UPDATE_ROLLBACK_COMPLETE): the reason names the node log, diagnostics are stored, cluster.update_failed goes out', async () => {
      const base = aCluster({ id: 'c-1', status: 'UPDATING', stackId: 'stack-1' });
      const update: ClusterUpdate = { id: 'u7', operation: 'scale', target: { ...base.parameters, workers: 3 }, previous: base.parameters, requestedAt: '2026-11-26T13:00:00.000Z', requestedBy: 'alice' };
      await db.store.create({ ...base, update });
      const asg = { logicalResourceId: 'NodeAsg', resourceType: 'AWS::AutoScaling::AutoScalingGroup' };
      const diagnostics = buildDiagnosticsStore(db.documents, 'clusters');
      const recordOutcome = updateClusterStep.recordUpdateOutcome({
        config: { quota: { maxActiveClusters: 5, maxInstances: 50 } } as Config,
        store: db.store,
        clock: fixedClock('2026-11-26T13:10:00.000Z'),
        quotas: fakeQuotas().quotas,
        followUps: fakeFollowUps().followUps,
        stacks: fakeStacks([{ stackId: 'stack-1', status: 'UPDATE_ROLLBACK_COMPLETE' }], [
          { ...asg, timestamp: '2026-11-26T13:00:04Z', resourceStatus: 'UPDATE_IN_PROGRESS', resourceStatusReason: 'Received FAILURE signal with UniqueId i-0e1f' },
          { ...asg, timestamp: '2026-11-26T13:00:05Z', resourceStatus: 'UPDATE_FAILED', resourceStatusReason: 'Received 1 FAILURE signal(s) out of 1. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement' },
        ]).gateway,
        instances: fakeInstances([]).inventory,
        instanceWaits: db.instanceWaits,
        diagnostics,
        consoleOutput: { consoleOutput: async () => 'cloud-init[2011]: Error response from daemon: Timeout was reached before node joined.' },
      });

      const outcome = await runScenario({ awaitStackUpdate: (_input, _call, task) => eventLater(task, ROLLED_BACK), recordUpdateOutcome: (input) => recordOutcome(input) });

      expect(outcome.status).toBe('SUCCEEDED');
      expect(steps(outcome)).toEqual(['updateStack', 'awaitStackUpdate', 'recordUpdateOutcome', 'notifyUpdateOutcome']);
      expect(outcome.calls.at(-1)!.input.event).toBe('cluster.update_failed');
      const after = (await db.store.get('c-1'))!;
      expect(after.lastUpdate).toMatchObject({ outcome: 'rolled_back', reason: expect.stringMatching(/; node log i-0e1f: .*Timeout was reached before node joined/) });
      expect(await diagnostics.get('c-1')).toMatchObject({ trigger: 'update-failed', nodes: [{ instanceId: 'i-0e1f' }] });
    });
  });
});
