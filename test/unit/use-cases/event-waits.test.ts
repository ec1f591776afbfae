/**
 * The event-driven waits against the embedded DynamoDB (their conditional writes are what is under test), with a
 * recording stand-in for Step Functions' SendTask* calls: whichever of the event and the waiting task comes second
 * resumes the workflow, once; duplicates, late and out-of-order events change nothing.
 */
import type { Cluster } from '../../../src/domain/cluster';
import { StackWaitClosedError } from '../../../src/domain/errors';
import { openWait, progressOf } from '../../../src/domain/stack-wait';
import { awaitInstances, onInstanceState } from '../../../src/use-cases/await-instances';
import { awaitStack } from '../../../src/use-cases/await-stack';
import { onResourceStatus, onStackStatus } from '../../../src/use-cases/stack-events';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeInstances, fakeTokens } from '../../support/fakes';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const SINCE = '2026-11-26T12:00:00.000Z';
const stackIdOf = (cluster: Cluster) => `arn:aws:cloudformation:us-east-1:123456789012:stack/${cluster.stackName}/6a7e8feb-b491-4cf7-a9f1-bf3703467718`;

async function waiting(overrides: Partial<Cluster> = {}, key = 'create', target: 'create' | 'delete' | 'cleanup' | 'update' = 'create'): Promise<Cluster> {
  const cluster = aCluster({ status: 'CREATING', stackWait: openWait(key, target, new Date(SINCE)), ...overrides });
  await db.store.create(cluster);
  await db.store.openStackResources(cluster.id, 4);
  return cluster;
}

function deps(tokens = fakeTokens()) {
  return { waits: db.waits, tokens: tokens.tokens, store: db.store, clock: fixedClock('2026-11-26T12:10:00.000Z'), maxRounds: 3, heartbeatEverySeconds: 60 };
}

const timelineOf = async (id: string) => (await db.store.listEvents(id, { limit: 100 })).items;

describe('waiting for the stack', () => {
  it('resumes the workflow from the event when the token came first', async () => {
    const cluster = await waiting();
    const tokens = fakeTokens();

    const waited = await awaitStack(deps(tokens), { clusterId: cluster.id, key: 'create', target: 'create', stackId: stackIdOf(cluster), taskToken: 't1' });
    const effect = await onStackStatus(deps(tokens), { stackId: stackIdOf(cluster), status: 'CREATE_COMPLETE', time: '2026-11-26T12:05:00Z' });

    expect(waited).toEqual({ waiting: true });
    expect(effect).toBe('resumed');
    expect(tokens.answers).toEqual([{ token: 't1', kind: 'success', output: { status: 'CREATE_COMPLETE', progress: 'complete', exhausted: false } }]);
    expect((await timelineOf(cluster.id)).map((e) => e.message)).toEqual(['stack CREATE_COMPLETE']);
  });

  it('resumes the workflow at once, with no DescribeStacks, when the final event came before the token', async () => {
    const cluster = await waiting();
    const tokens = fakeTokens();

    const effect = await onStackStatus(deps(tokens), { stackId: stackIdOf(cluster), status: 'ROLLBACK_COMPLETE', reason: 'The following resource(s) failed to create: [ManagerAsg].', time: '2026-11-26T12:05:00Z' });
    const waited = await awaitStack(deps(tokens), { clusterId: cluster.id, key: 'create', target: 'create', taskToken: 't1' });

    expect(effect).toBe('recorded');
    expect(waited).toEqual({ waiting: false });
    // The reason travels with the status: a failure is never reported without it.
    expect(tokens.answers).toEqual([
      { token: 't1', kind: 'success', output: { status: 'ROLLBACK_COMPLETE', reason: 'The following resource(s) failed to create: [ManagerAsg].', progress: 'failed', exhausted: false } },
    ]);
  });

  it('takes a duplicate of the final event as already known: one timeline entry, one answer', async () => {
    const cluster = await waiting();
    const tokens = fakeTokens();
    await awaitStack(deps(tokens), { clusterId: cluster.id, key: 'create', target: 'create', taskToken: 't1' });
    const event = { stackId: stackIdOf(cluster), status: 'CREATE_COMPLETE', time: '2026-11-26T12:05:00Z' };

    const first = await onStackStatus(deps(tokens), event);
    const duplicate = await onStackStatus(deps(tokens), event);

    expect([first, duplicate]).toEqual(['resumed', 'ignored']);
    expect(tokens.answers).toHaveLength(1);
    expect(await timelineOf(cluster.id)).toHaveLength(1);
  });

  it('resumes the workflow from the retried invocation when the one that recorded the final status failed to resume it', async () => {
    // Prepare: the first SendTaskSuccess fails (Step Functions throttled), as the invocation that recorded the status
    // sends it. Lambda retries a failed asynchronous invocation, which is how EventBridge invokes it
    // (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
    const cluster = await waiting();
    const tokens = fakeTokens();
    await awaitStack(deps(tokens), { clusterId: cluster.id, key: 'create', target: 'create', taskToken: 't1' });
    const flaky = { ...tokens.tokens, succeed: jest.fn().mockRejectedValueOnce(new Error('ThrottlingException')).mockImplementation(tokens.tokens.succeed) };
    const event = { stackId: stackIdOf(cluster), status: 'CREATE_COMPLETE', time: '2026-11-26T12:05:00Z' };

    // Act
    await expect(onStackStatus({ ...deps(tokens), tokens: flaky }, event)).rejects.toThrow('ThrottlingException');
    const retried = await onStackStatus({ ...deps(tokens), tokens: flaky }, event);
    const duplicate = await onStackStatus({ ...deps(tokens), tokens: flaky }, event);

    // Assess: the retry resumed the task with the recorded outcome; the duplicate after it found the token spent.
    expect([retried, duplicate]).toEqual(['resumed', 'ignored']);
    expect(tokens.answers).toEqual([{ token: 't1', kind: 'success', output: { status: 'CREATE_COMPLETE', progress: 'complete', exhausted: false } }]);
    expect(flaky.succeed).toHaveBeenCalledTimes(3);
  });

  it('ignores a status that does not end the wait, and a final status from before the wait was opened', async () => {
    const cluster = await waiting({ status: 'DELETING' }, 'delete-1-2', 'delete');
    const tokens = fakeTokens();
    await awaitStack(deps(tokens), { clusterId: cluster.id, key: 'delete-1-2', target: 'delete', taskToken: 't1' });

    // The previous attempt's DELETE_FAILED, delivered late (it happened a second before this attempt began).
    const late = await onStackStatus(deps(tokens), { stackId: stackIdOf(cluster), status: 'DELETE_FAILED', time: '2026-11-26T11:59:59Z' });
    const notFinal = await onStackStatus(deps(tokens), { stackId: stackIdOf(cluster), status: 'DELETE_IN_PROGRESS', time: '2026-11-26T12:00:00Z' });
    const ours = await onStackStatus(deps(tokens), { stackId: stackIdOf(cluster), status: 'DELETE_COMPLETE', time: '2026-11-26T12:03:00Z' });

    const again = await onStackStatus(deps(tokens), { stackId: stackIdOf(cluster), status: 'DELETE_IN_PROGRESS', time: '2026-11-26T12:00:00Z' });

    // Both go on the timeline (once each, the repeat does not), but neither ends the wait.
    expect([late, notFinal, ours, again]).toEqual(['recorded', 'recorded', 'resumed', 'ignored']);
    expect(tokens.answers.map((a) => (a.output as { status: string }).status)).toEqual(['DELETE_COMPLETE']);
    expect((await timelineOf(cluster.id)).map((e) => e.message)).toEqual(['stack DELETE_FAILED', 'stack DELETE_IN_PROGRESS', 'stack DELETE_COMPLETE']);
  });

  it('an update wait: the cleanup phases do not end it, UPDATE_ROLLBACK_COMPLETE does, with the reason-less status as AWS sends it', async () => {
    // Stack status codes: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html
    const cluster = await waiting({ status: 'UPDATING' }, 'update-u7', 'update');
    const tokens = fakeTokens();
    await awaitStack(deps(tokens), { clusterId: cluster.id, key: 'update-u7', target: 'update', taskToken: 't1' });

    const effects = [];
    for (const [status, time] of [
      ['UPDATE_IN_PROGRESS', '2026-11-26T12:01:00Z'],
      ['UPDATE_ROLLBACK_IN_PROGRESS', '2026-11-26T12:02:00Z'],
      ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', '2026-11-26T12:03:00Z'],
      ['UPDATE_ROLLBACK_COMPLETE', '2026-11-26T12:04:00Z'],
    ]) {
      effects.push(await onStackStatus(deps(tokens), { stackId: stackIdOf(cluster), status: status!, time: time! }));
    }

    expect(effects).toEqual(['recorded', 'recorded', 'recorded', 'resumed']);
    expect(tokens.answers).toEqual([{ token: 't1', kind: 'success', output: { status: 'UPDATE_ROLLBACK_COMPLETE', progress: 'rolled_back', exhausted: false } }]);
  });

  it('an update’s progress counts the resources in an UPDATE_* state, the rollback’s included', () => {
    const at = '2026-11-26T12:01:00.000Z';
    const state = (status: string) => ({ status, at, order: at });

    const progress = progressOf({ Vpc: state('CREATE_COMPLETE'), ManagerLaunchTemplate: state('UPDATE_COMPLETE'), NodeAsg: state('UPDATE_IN_PROGRESS'), ManagerAsg: state('UPDATE_ROLLBACK_COMPLETE') }, 'update');

    expect(progress).toMatchObject({ resourcesDone: 2, resourcesTotal: 3, inProgress: ['NodeAsg'] });
  });

  it('ignores events of stacks that are not ours', async () => {
    const effect = await onStackStatus(deps(), { stackId: 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack', status: 'CREATE_COMPLETE', time: '2017-12-22T18:43:48Z' });
    expect(effect).toBe('ignored');
  });

  it('refuses a token for a wait that is not open (a later operation replaced it)', async () => {
    const cluster = await waiting({}, 'delete-1-1', 'delete');
    await expect(awaitStack(deps(), { clusterId: cluster.id, key: 'create', target: 'create', taskToken: 't1' })).rejects.toBeInstanceOf(StackWaitClosedError);
  });

  it('counts the safety net’s rounds and resumes with `exhausted` once they are spent', async () => {
    const cluster = await waiting();
    const tokens = fakeTokens();

    const rounds = [];
    for (const token of ['t1', 't2', 't3', 't4']) rounds.push(await awaitStack(deps(tokens), { clusterId: cluster.id, key: 'create', target: 'create', taskToken: token }));

    expect(rounds.map((r) => r.waiting)).toEqual([true, true, true, false]);
    expect(tokens.answers).toEqual([{ token: 't4', kind: 'success', output: expect.objectContaining({ progress: 'in_progress', exhausted: true, reason: 'the stack reached no final status in 3 waits' }) }]);
  });

  it('answers a spent token quietly: the event after the safety net already moved on changes nothing', async () => {
    const cluster = await waiting();
    const tokens = fakeTokens();
    await awaitStack(deps(tokens), { clusterId: cluster.id, key: 'create', target: 'create', taskToken: 't1' });
    tokens.spent.add('t1'); // the wait timed out: Step Functions answers TaskTimedOut, the adapter reports false

    const effect = await onStackStatus(deps(tokens), { stackId: stackIdOf(cluster), status: 'CREATE_COMPLETE', time: '2026-11-26T12:05:00Z' });

    expect(effect).toBe('recorded');
    expect(tokens.answers).toEqual([]);
  });
});

describe('live progress', () => {
  const resource = (cluster: Cluster, logicalId: string, status: string, time: string) => ({ stackId: stackIdOf(cluster), logicalId, status, time });

  it('records each resource’s latest status, never moves back on an older event, and heartbeats the wait when one finishes', async () => {
    const cluster = await waiting();
    const tokens = fakeTokens();
    await awaitStack(deps(tokens), { clusterId: cluster.id, key: 'create', target: 'create', taskToken: 't1' });

    await onResourceStatus(deps(tokens), resource(cluster, 'Vpc', 'CREATE_IN_PROGRESS', '2026-11-26T12:00:01Z'));
    await onResourceStatus(deps(tokens), resource(cluster, 'Vpc', 'CREATE_COMPLETE', '2026-11-26T12:00:20Z'));
    // Out of order: an IN_PROGRESS delivered after the COMPLETE of the same second, and an older one.
    const sameSecond = await onResourceStatus(deps(tokens), resource(cluster, 'Vpc', 'CREATE_IN_PROGRESS', '2026-11-26T12:00:20Z'));
    const older = await onResourceStatus(deps(tokens), resource(cluster, 'Vpc', 'CREATE_IN_PROGRESS', '2026-11-26T12:00:01Z'));
    await onResourceStatus(deps(tokens), resource(cluster, 'LogGroup', 'CREATE_IN_PROGRESS', '2026-11-26T12:00:21Z'));

    const after = (await db.store.getWithResources(cluster.id))!;
    expect([sameSecond, older]).toEqual(['ignored', 'ignored']);
    expect(progressOf(after.stackResources!, 'create', after.resourcesPlanned)).toEqual({ resourcesDone: 1, resourcesTotal: 4, inProgress: ['LogGroup'], updatedAt: '2026-11-26T12:00:21.000Z' });
    // A heartbeat per resource finished (the one Vpc completion), not per event.
    expect(tokens.answers.filter((a) => a.kind === 'heartbeat')).toHaveLength(1);
  });

  it('puts one progress entry on the timeline per 25 % step, not one per resource', async () => {
    const cluster = await waiting();
    const ids = ['Vpc', 'InternetGateway', 'LogGroup', 'SwarmTable'];
    for (const [i, id] of ids.entries()) {
      await onResourceStatus(deps(), resource(cluster, id, 'CREATE_IN_PROGRESS', `2026-11-26T12:00:0${i}Z`));
      await onResourceStatus(deps(), resource(cluster, id, 'CREATE_COMPLETE', `2026-11-26T12:00:1${i}Z`));
    }

    expect((await timelineOf(cluster.id)).filter((e) => e.type === 'stack.progress').map((e) => e.message)).toEqual([
      'stack 25% created (1 of 4 resources)',
      'stack 50% created (2 of 4 resources)',
      'stack 75% created (3 of 4 resources)',
      'stack 100% created (4 of 4 resources)',
    ]);
  });

  it('skips the stack’s own entry and a cluster from before progress existed', async () => {
    const cluster = await waiting();
    const old = aCluster({ status: 'CREATING' });
    await db.store.create(old);

    const own = await onResourceStatus(deps(), resource(cluster, cluster.stackName, 'CREATE_IN_PROGRESS', '2026-11-26T12:00:01Z'));
    const noMap = await onResourceStatus(deps(), resource(old, 'Vpc', 'CREATE_IN_PROGRESS', '2026-11-26T12:00:01Z'));

    expect([own, noMap]).toEqual(['ignored', 'ignored']);
  });
});

describe('waiting for the instances', () => {
  const instanceDeps = (instances: ReturnType<typeof fakeInstances>, tokens: ReturnType<typeof fakeTokens>) => ({
    store: db.store,
    instances: instances.inventory,
    waits: db.instanceWaits,
    tokens: tokens.tokens,
    clock: fixedClock(),
    maxRounds: 3,
  });
  const eventDeps = (tokens: ReturnType<typeof fakeTokens>) => ({ waits: db.instanceWaits, nodes: db.nodes, tokens: tokens.tokens });

  it('resumes the delete when the last instance it waits for is terminated, not before', async () => {
    const cluster = aCluster({ status: 'DELETING' });
    await db.store.create(cluster);
    const tokens = fakeTokens();
    const instances = fakeInstances([
      { instanceId: 'i-a', state: 'shutting-down' },
      { instanceId: 'i-b', state: 'running' },
    ]);
    await awaitInstances(instanceDeps(instances, tokens), { clusterId: cluster.id, taskToken: 't1' });

    const first = await onInstanceState(eventDeps(tokens), { instanceId: 'i-a', state: 'terminated', time: '2026-11-26T12:01:00Z' });
    const duplicate = await onInstanceState(eventDeps(tokens), { instanceId: 'i-a', state: 'terminated', time: '2026-11-26T12:01:00Z' });
    const notYet = await onInstanceState(eventDeps(tokens), { instanceId: 'i-b', state: 'shutting-down', time: '2026-11-26T12:00:30Z' });
    const last = await onInstanceState(eventDeps(tokens), { instanceId: 'i-b', state: 'terminated', time: '2026-11-26T12:01:00Z' });
    const stranger = await onInstanceState(eventDeps(tokens), { instanceId: 'i-someone-else', state: 'terminated', time: '2026-11-26T12:01:00Z' });

    // The shutting-down is news for the node inventory (the delete recorded i-b running), not for the wait.
    expect([first, duplicate, notYet, last, stranger]).toEqual(['recorded', 'recorded', 'recorded', 'resumed', 'ignored']);
    expect(tokens.answers).toEqual([{ token: 't1', kind: 'success', output: { remaining: 0, total: 2 } }]);
  });

  it('counts a terminated event that came between DescribeInstances and the wait: the wait resumes itself', async () => {
    const cluster = aCluster({ status: 'DELETING' });
    await db.store.create(cluster);
    const tokens = fakeTokens();
    const instances = fakeInstances([{ instanceId: 'i-race', state: 'shutting-down' }]);
    // The event arrives after the instance was mapped to the cluster but before the wait is written.
    const watch = db.instanceWaits.watch;
    const racing = {
      ...db.instanceWaits,
      watch: async (clusterId: string, ids: string[]) => {
        await watch(clusterId, ids);
        await onInstanceState(eventDeps(tokens), { instanceId: 'i-race', state: 'terminated', time: '2026-11-26T12:01:00Z' });
      },
    };

    const result = await awaitInstances({ ...instanceDeps(instances, tokens), waits: racing }, { clusterId: cluster.id, taskToken: 't1' });

    expect(result).toEqual({ waiting: false });
    expect(tokens.answers).toEqual([{ token: 't1', kind: 'success', output: { remaining: 0, total: 1 } }]);
  });
});
