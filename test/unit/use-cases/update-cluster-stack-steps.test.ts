/**
 * The update workflow's steps, the branches update-cluster.test.ts leaves open: a start that races another writer, the
 * "no updates are to be performed" answer and a rollback still running, the safety net's one look at the stack, each
 * outcome's exact record (reason, last update, nodes, the hibernated count), and the last resort's wording. The
 * embedded DynamoDB holds the record and the wait; CloudFormation and EC2 are fakes.
 */
import type { Cluster, ClusterUpdate } from '../../../src/domain/cluster';
import { StackNotYetUpdatableError, StaleClusterError } from '../../../src/domain/errors';
import type { ClusterStore } from '../../../src/use-cases/ports';
import { checkStackUpdate, markUpdateFailed, recordUpdateOutcome, startStackUpdate, updateToken, updateWaitKey } from '../../../src/use-cases/update-cluster-stack';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeFollowUps, fakeInstances, fakeQuotas, fakeStacks } from '../../support/fakes';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const UPDATE_AT = '2026-11-26T13:00:00.000Z';
const END_AT = '2026-11-26T13:10:00.000Z';

async function updating(operation: ClusterUpdate['operation'], change: Partial<Cluster['parameters']>, overrides: Partial<Cluster> = {}): Promise<Cluster> {
  const base = aCluster({ status: 'UPDATING', stackId: 'stack-1', outputs: { ManagerDns: 'old.example.com' }, ...overrides });
  const update: ClusterUpdate = { id: 'u7', operation, target: { ...base.parameters, ...change }, previous: base.parameters, requestedAt: UPDATE_AT, requestedBy: 'alice' };
  const cluster = { ...base, update };
  await db.store.create(cluster);
  return cluster;
}

const timeline = async (id: string) => (await db.store.listEvents(id, { limit: 10 })).items.map(({ type, message, details }) => ({ type, message, details }));

describe('starting the stack update', () => {
  const startDeps = (stacks = fakeStacks([{ stackId: 'stack-1' }]), store: ClusterStore = db.store) => ({ store, stackUpdates: stacks.stackUpdates, clock: fixedClock(UPDATE_AT) });

  it('writes the reason and the wait, and tells the timeline which stack and operation', async () => {
    const cluster = await updating('resize', { workerInstanceType: 't3.large' });
    const stacks = fakeStacks([{ stackId: 'stack-1' }]);

    await startStackUpdate(startDeps(stacks), { clusterId: cluster.id, updateId: 'u7' });

    expect(await db.store.get(cluster.id)).toMatchObject({
      statusReason: 'updating the CloudFormation stack (resize)',
      stackWait: { key: 'update-u7', target: 'update', since: UPDATE_AT, round: 0 },
      updatedAt: UPDATE_AT,
      version: 2,
    });
    expect(await timeline(cluster.id)).toEqual([
      { type: 'stack.update_started', message: `stack ${cluster.stackName} update started (resize)`, details: { stackId: 'stack-1', updateId: 'u7' } },
    ]);
    expect(stacks.updates[0]!.parameters).toMatchObject({ ClusterId: cluster.id, InstanceType: 't3.large' });
  });

  it('a retried step whose wait is open already writes nothing before the UpdateStack (same token)', async () => {
    const cluster = await updating('scale', { workers: 2 });
    const stacks = fakeStacks([{ stackId: 'stack-1' }]);
    await startStackUpdate(startDeps(stacks), { clusterId: cluster.id, updateId: 'u7' });
    const afterFirst = await db.store.get(cluster.id);

    const again = await startStackUpdate(startDeps(stacks), { clusterId: cluster.id, updateId: 'u7' });

    expect(again).toEqual({ proceed: true, unchanged: false, stackId: 'stack-1', wait: { key: 'update-u7' } });
    expect(await db.store.get(cluster.id)).toEqual(afterFirst);
    expect(stacks.updates.map((u) => u.token)).toEqual([updateToken(cluster.id, 'u7'), updateToken(cluster.id, 'u7')]);
    expect(updateToken(cluster.id, 'u7')).toBe(`update-${cluster.id}-u7`);
    expect(updateWaitKey('u7')).toBe('update-u7');
  });

  it('a stack with no recorded id is updated by its name', async () => {
    const cluster = await updating('scale', { workers: 2 }, { stackId: undefined });
    const stacks = fakeStacks([{ stackId: 'stack-1', stackName: 'unused' }]);

    const result = await startStackUpdate(startDeps(stacks), { clusterId: cluster.id, updateId: 'u7' });

    expect(result).toEqual({ proceed: true, unchanged: false, stackId: cluster.stackName, wait: { key: 'update-u7' } });
    expect(stacks.updates[0]!.stack).toBe(cluster.stackName);
  });

  it('"No updates are to be performed": proceeds as unchanged, and the timeline says no update was needed', async () => {
    const cluster = await updating('upgrade', {});
    const stacks = fakeStacks([{ stackId: 'stack-1' }]);
    stacks.stackUpdates.updateStack = async () => 'unchanged';

    const result = await startStackUpdate(startDeps(stacks), { clusterId: cluster.id, updateId: 'u7' });

    expect(result).toEqual({ proceed: true, unchanged: true, stackId: 'stack-1', wait: { key: 'update-u7' } });
    expect(await timeline(cluster.id)).toEqual([
      { type: 'stack.update_started', message: 'no stack update needed: the stack is already current', details: { stackId: 'stack-1', updateId: 'u7' } },
    ]);
  });

  it('a cluster UPDATING with a newer change: this execution starts nothing', async () => {
    const cluster = await updating('scale', { workers: 2 });
    const stacks = fakeStacks([{ stackId: 'stack-1' }]);

    const result = await startStackUpdate(startDeps(stacks), { clusterId: cluster.id, updateId: 'u6' });

    expect(result).toEqual({ proceed: false, status: 'UPDATING' });
    expect(stacks.updates).toEqual([]);
  });

  it('a rollback still running (not stuck): the wait goes, no ContinueUpdateRollback, the step fails to be retried', async () => {
    const cluster = await updating('scale', { workers: 2 });
    const stacks = fakeStacks([{ stackId: 'stack-1', status: 'UPDATE_ROLLBACK_IN_PROGRESS' }]);

    const error = await startStackUpdate(startDeps(stacks), { clusterId: cluster.id, updateId: 'u7' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StackNotYetUpdatableError);
    expect((error as StackNotYetUpdatableError).stackStatus).toBe('UPDATE_ROLLBACK_IN_PROGRESS');
    expect(stacks.continues).toEqual([]);
    expect((await db.store.get(cluster.id))!.stackWait).toBeUndefined();
    expect(await timeline(cluster.id)).toEqual([]);
  });

  it('a stuck rollback that will not continue (someone else continued it): nothing on the timeline', async () => {
    const cluster = await updating('scale', { workers: 2 });
    const stacks = fakeStacks([{ stackId: 'stack-1', status: 'UPDATE_ROLLBACK_FAILED' }]);
    stacks.stackUpdates.continueUpdateRollback = async () => false;

    const error = await startStackUpdate(startDeps(stacks), { clusterId: cluster.id, updateId: 'u7' }).catch((e: unknown) => e);

    expect((error as StackNotYetUpdatableError).stackStatus).toBe('UPDATE_ROLLBACK_FAILED');
    expect(await timeline(cluster.id)).toEqual([]);
  });

  it('the stuck rollback continued: the timeline names the stack, the update and the status', async () => {
    const cluster = await updating('scale', { workers: 2 });
    const stacks = fakeStacks([{ stackId: 'stack-1', status: 'UPDATE_ROLLBACK_FAILED' }]);

    await startStackUpdate(startDeps(stacks), { clusterId: cluster.id, updateId: 'u7' }).catch((e: unknown) => e);

    expect((await timeline(cluster.id))[0]).toEqual({
      type: 'stack.status_changed',
      message: 'the stack is UPDATE_ROLLBACK_FAILED from an earlier update: continuing its rollback (ContinueUpdateRollback), then this update',
      details: { stackId: 'stack-1', updateId: 'u7', stackStatus: 'UPDATE_ROLLBACK_FAILED' },
    });
  });

  describe('the wait’s write loses a race', () => {
    const racing = (cluster: Cluster, other: (c: Cluster) => Promise<unknown>): ClusterStore => ({
      ...db.store,
      update: async (c, changes) => {
        if (c.version === cluster.version) {
          await other(c);
          throw new StaleClusterError(c.id, c.version);
        }
        return db.store.update(c, changes);
      },
    });

    it('to a delete: stops, answering the status the cluster is in now', async () => {
      const cluster = await updating('scale', { workers: 2 });
      const stacks = fakeStacks([{ stackId: 'stack-1' }]);
      const store = racing(cluster, (c) => db.store.update(c, { status: 'DELETING', statusReason: 'delete requested by the owner', updatedAt: UPDATE_AT }));

      const result = await startStackUpdate(startDeps(stacks, store), { clusterId: cluster.id, updateId: 'u7' });

      expect(result).toEqual({ proceed: false, status: 'DELETING' });
      expect(stacks.updates).toEqual([]);
    });

    it('to another write on the same update: the stale error goes to the workflow’s retry', async () => {
      const cluster = await updating('scale', { workers: 2 });
      const stacks = fakeStacks([{ stackId: 'stack-1' }]);
      const store = racing(cluster, (c) => db.store.update(c, { lastActivityAt: UPDATE_AT, updatedAt: UPDATE_AT }));

      const error = await startStackUpdate(startDeps(stacks, store), { clusterId: cluster.id, updateId: 'u7' }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(StaleClusterError);
      expect(stacks.updates).toEqual([]);
    });

    it('any other error of the write is thrown as it is', async () => {
      const cluster = await updating('scale', { workers: 2 });
      const stacks = fakeStacks([{ stackId: 'stack-1' }]);
      const broken = new Error('DynamoDB is down');
      const store: ClusterStore = { ...db.store, update: async () => Promise.reject(broken) };

      const error = await startStackUpdate(startDeps(stacks, store), { clusterId: cluster.id, updateId: 'u7' }).catch((e: unknown) => e);

      expect(error).toBe(broken);
      expect(stacks.updates).toEqual([]);
    });
  });
});

describe('the safety net’s look at the stack', () => {
  async function waiting() {
    const cluster = await updating('scale', { workers: 2 });
    await startStackUpdate({ store: db.store, stackUpdates: fakeStacks([{ stackId: 'stack-1' }]).stackUpdates, clock: fixedClock(UPDATE_AT) }, { clusterId: cluster.id, updateId: 'u7' });
    return cluster;
  }
  const checkDeps = (stacks: ReturnType<typeof fakeStacks>) => ({ store: db.store, stacks: stacks.gateway, waits: db.waits, clock: fixedClock(END_AT) });

  it('a final status: recorded on the wait and on the timeline, answered as the wait would', async () => {
    const cluster = await waiting();
    const stacks = fakeStacks([{ stackId: 'stack-1', status: 'UPDATE_ROLLBACK_COMPLETE', statusReason: 'NodeAsg failed' }]);

    const outcome = await checkStackUpdate(checkDeps(stacks), { clusterId: cluster.id, stackId: 'stack-1', key: 'update-u7' });

    expect(outcome).toEqual({ status: 'UPDATE_ROLLBACK_COMPLETE', reason: 'NodeAsg failed', progress: 'rolled_back', exhausted: false });
    expect((await db.store.get(cluster.id))!.stackWait).toMatchObject({ key: 'update-u7', status: 'UPDATE_ROLLBACK_COMPLETE', reason: 'NodeAsg failed' });
    expect((await timeline(cluster.id)).at(-1)).toEqual({
      type: 'stack.status_changed',
      message: 'stack UPDATE_ROLLBACK_COMPLETE (seen by the safety net)',
      details: { stackStatus: 'UPDATE_ROLLBACK_COMPLETE', reason: 'NodeAsg failed' },
    });
  });

  it('a stack that is gone reads as DELETE_COMPLETE, deleted', async () => {
    const cluster = await waiting();

    const outcome = await checkStackUpdate(checkDeps(fakeStacks([])), { clusterId: cluster.id, stackId: 'stack-1', key: 'update-u7' });

    expect(outcome).toEqual({ status: 'DELETE_COMPLETE', progress: 'deleted', exhausted: false });
    expect((await timeline(cluster.id)).at(-1)!.message).toBe('stack DELETE_COMPLETE (seen by the safety net)');
  });

  it('a stack still updating: nothing recorded, back to waiting', async () => {
    const cluster = await waiting();
    const before = await timeline(cluster.id);

    const outcome = await checkStackUpdate(checkDeps(fakeStacks([{ stackId: 'stack-1', status: 'UPDATE_IN_PROGRESS' }])), { clusterId: cluster.id, stackId: 'stack-1', key: 'update-u7' });

    expect(outcome).toEqual({ status: 'UPDATE_IN_PROGRESS', progress: 'in_progress', exhausted: false });
    expect((await db.store.get(cluster.id))!.stackWait).toEqual({ key: 'update-u7', target: 'update', since: UPDATE_AT, round: 0 });
    expect(await timeline(cluster.id)).toEqual(before);
  });

  it('a status for a wait that is not open (another key): not put on the timeline', async () => {
    const cluster = await waiting();
    const before = await timeline(cluster.id);

    await checkStackUpdate(checkDeps(fakeStacks([{ stackId: 'stack-1', status: 'UPDATE_COMPLETE' }])), { clusterId: cluster.id, stackId: 'stack-1', key: 'update-u6' });

    expect(await timeline(cluster.id)).toEqual(before);
  });
});

describe('recording the outcome', () => {
  function outcomeDeps(stacks = fakeStacks([{ stackId: 'stack-1', status: 'UPDATE_COMPLETE', outputs: { ManagerDns: 'new.example.com' } }]), tagged = defaultNodes) {
    const quotas = fakeQuotas();
    const instances = fakeInstances(tagged);
    const watched: { clusterId: string; ids: string[] }[] = [];
    const deps = {
      store: db.store,
      clock: fixedClock(END_AT),
      quotas: quotas.quotas,
      followUps: fakeFollowUps().followUps,
      stacks: stacks.gateway,
      instances: instances.inventory,
      instanceWaits: {
        watch: async (clusterId: string, ids: string[]) => {
          watched.push({ clusterId, ids });
        },
      },
      quotaLimits: { maxActiveClusters: 5, maxInstances: 50 },
    };
    return { deps, quotas, watched };
  }
  const defaultNodes = [
    { instanceId: 'i-m1', role: 'manager' as const, availabilityZone: 'us-east-1a' },
    { instanceId: 'i-m2', role: 'manager' as const, availabilityZone: 'us-east-1b' },
    { instanceId: 'i-m3', role: 'manager' as const, availabilityZone: 'us-east-1c' },
    { instanceId: 'i-w1', role: 'worker' as const, availabilityZone: 'us-east-1a' },
    { instanceId: 'i-w2', role: 'worker' as const, availabilityZone: 'us-east-1b', state: 'shutting-down' },
    { instanceId: 'i-w3', role: 'worker' as const, availabilityZone: 'us-east-1c', state: 'terminated' },
  ];

  it('UPDATE_COMPLETE: the exact record (reason with the nodes asked for, last update, nodes watched) and the cluster.updated event', async () => {
    const cluster = await updating('resize', { workerInstanceType: 't3.large', workers: 2 });
    const { deps, quotas, watched } = outcomeDeps();

    const result = await recordUpdateOutcome(deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_COMPLETE' });

    const after = (await db.store.get(cluster.id))!;
    expect(result).toEqual({ event: 'cluster.updated', version: 2 });
    expect(after).toMatchObject({
      status: 'READY',
      statusReason: 'resize done: stack UPDATE_COMPLETE; 3 managers and 1 worker over 3 availability zones (asked: 3 + 2)',
      parameters: cluster.update!.target,
      outputs: { ManagerDns: 'new.example.com' },
      lastUpdate: { id: 'u7', operation: 'resize', outcome: 'updated', endedAt: END_AT },
    });
    expect(after.nodes.map((n) => [n.instanceId, n.stateAt])).toEqual([
      ['i-m1', END_AT],
      ['i-m2', END_AT],
      ['i-m3', END_AT],
      ['i-w1', END_AT],
    ]);
    expect(watched).toEqual([{ clusterId: cluster.id, ids: ['i-m1', 'i-m2', 'i-m3', 'i-w1'] }]);
    expect(quotas.adjusted).toEqual([{ owner: 'alice', clusterId: cluster.id, from: 8, to: 5 }]);
    expect((await timeline(cluster.id)).at(-1)).toEqual({
      type: 'cluster.updated',
      message: after.statusReason,
      details: { updateId: 'u7', operation: 'resize', nodes: 4, unchanged: false },
    });
  });

  it('a complete resize of the same size moves no quota; a stack that is gone keeps the outputs recorded', async () => {
    const cluster = await updating('resize', { workerInstanceType: 't3.large' });
    const { deps, quotas } = outcomeDeps(fakeStacks([]));

    await recordUpdateOutcome(deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', unchanged: true });

    expect(quotas.adjusted).toEqual([]);
    expect(await db.store.get(cluster.id)).toMatchObject({ outputs: { ManagerDns: 'old.example.com' }, lastUpdate: { outcome: 'updated' } });
    expect((await timeline(cluster.id)).at(-1)!.details).toEqual({ updateId: 'u7', operation: 'resize', nodes: 4, unchanged: true });
  });

  it('an upgrade of a hibernated cluster ends HIBERNATED (cluster.updated); a wake clears the count to restore', async () => {
    const zero = { ...aCluster().parameters, workers: 0 };
    const upgrading = await updating('upgrade', {}, { hibernatedWorkers: 5, parameters: zero });
    const waking = await updating('wake', { workers: 5 }, { hibernatedWorkers: 5, parameters: zero });
    const { deps } = outcomeDeps();

    const upgraded = await recordUpdateOutcome(deps, { clusterId: upgrading.id, updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_COMPLETE' });
    const woken = await recordUpdateOutcome(deps, { clusterId: waking.id, updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_COMPLETE' });

    expect(upgraded.event).toBe('cluster.updated');
    expect(await db.store.get(upgrading.id)).toMatchObject({ status: 'HIBERNATED', hibernatedWorkers: 5 });
    expect((await timeline(upgrading.id)).at(-1)!.type).toBe('cluster.hibernated');
    expect(woken.event).toBe('cluster.updated');
    const awake = (await db.store.get(waking.id))!;
    expect(awake.status).toBe('READY');
    expect('hibernatedWorkers' in awake).toBe(false);
  });

  it('a hibernate rolled back: READY again with its workers, the count to restore cleared', async () => {
    const cluster = await updating('hibernate', { workers: 0 }, { hibernatedWorkers: 5 });
    const { deps, quotas } = outcomeDeps();

    const result = await recordUpdateOutcome(deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_ROLLBACK_COMPLETE' });

    const after = (await db.store.get(cluster.id))!;
    expect(result).toEqual({ event: 'cluster.update_failed', version: 2 });
    expect(after).toMatchObject({ status: 'READY', parameters: { workers: 5 }, lastUpdate: { id: 'u7', operation: 'hibernate', outcome: 'rolled_back', endedAt: END_AT } });
    expect('hibernatedWorkers' in after).toBe(false);
    expect(quotas.adjusted).toEqual([]);
    expect((await timeline(cluster.id)).at(-1)!.details).toEqual({ updateId: 'u7', operation: 'hibernate', outcome: 'rolled_back' });
  });

  it('given up by the safety net: UPDATE_FAILED with its reason, the last update saying so', async () => {
    const cluster = await updating('scale', { workers: 7 });
    const { deps, quotas } = outcomeDeps();

    const result = await recordUpdateOutcome(deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_COMPLETE', reason: 'no final status in 3 hours' });

    expect(result).toEqual({ event: 'cluster.update_failed', version: 2 });
    expect(await db.store.get(cluster.id)).toMatchObject({
      status: 'UPDATE_FAILED',
      statusReason: 'scale failed: no final status in 3 hours',
      parameters: cluster.parameters,
      lastUpdate: { id: 'u7', operation: 'scale', outcome: 'failed', reason: 'no final status in 3 hours', endedAt: END_AT },
    });
    expect(quotas.adjusted).toEqual([]);
    expect((await timeline(cluster.id)).at(-1)).toEqual({
      type: 'cluster.update_failed',
      message: 'scale failed: no final status in 3 hours',
      details: { updateId: 'u7', operation: 'scale', outcome: 'failed' },
    });
  });

  it.each([
    ['the stack gone', 'DELETE_COMPLETE', 'scale failed: the stack no longer exists'],
    ['no status at all', undefined, 'scale failed: the stack no longer exists'],
  ])('%s: UPDATE_FAILED, the stack no longer exists', async (_name, stackStatus, statusReason) => {
    const cluster = await updating('scale', { workers: 7 });
    const { deps } = outcomeDeps();

    await recordUpdateOutcome(deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', stackStatus });

    expect((await db.store.get(cluster.id))!.statusReason).toBe(statusReason);
  });

  it('a status that is not final: UPDATE_FAILED naming it', async () => {
    const cluster = await updating('scale', { workers: 7 });
    const { deps } = outcomeDeps();

    await recordUpdateOutcome(deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_IN_PROGRESS' });

    expect((await db.store.get(cluster.id))!.statusReason).toBe('scale failed: the stack ended UPDATE_IN_PROGRESS');
  });

  it('UPDATE_ROLLBACK_FAILED: the reason says both failed and names the root cause', async () => {
    const cluster = await updating('scale', { workers: 7 });
    const events = [
      { timestamp: '2026-11-26T13:00:05.000Z', logicalResourceId: 'NodeAsg', resourceType: 'AWS::AutoScaling::AutoScalingGroup', resourceStatus: 'UPDATE_FAILED', resourceStatusReason: 'vCPU limit' },
    ];
    const { deps } = outcomeDeps(fakeStacks([{ stackId: 'stack-1', status: 'UPDATE_ROLLBACK_FAILED' }], events));

    await recordUpdateOutcome(deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_ROLLBACK_FAILED' });

    expect((await db.store.get(cluster.id))!.statusReason).toBe(
      'scale failed: the stack update failed and so did its rollback (UPDATE_ROLLBACK_FAILED): NodeAsg (AWS::AutoScaling::AutoScalingGroup) UPDATE_FAILED: vCPU limit',
    );
  });

  it('the root cause reads this update’s events from a second before its wait opened, not older ones', async () => {
    const cluster = await updating('scale', { workers: 7 }, { stackWait: { key: 'update-u7', target: 'update', since: '2026-11-26T13:02:00.000Z', round: 0 } });
    const events = [
      { timestamp: '2026-11-26T13:01:58.000Z', logicalResourceId: 'ManagerAsg', resourceType: 'AWS::AutoScaling::AutoScalingGroup', resourceStatus: 'UPDATE_FAILED', resourceStatusReason: 'before the wait' },
      { timestamp: '2026-11-26T13:01:59.000Z', logicalResourceId: 'NodeAsg', resourceType: 'AWS::AutoScaling::AutoScalingGroup', resourceStatus: 'UPDATE_FAILED', resourceStatusReason: 'within the second' },
    ];
    const { deps } = outcomeDeps(fakeStacks([{ stackId: 'stack-1' }], events));

    await recordUpdateOutcome(deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_ROLLBACK_COMPLETE' });

    expect((await db.store.get(cluster.id))!.lastUpdate!.reason).toBe('NodeAsg (AWS::AutoScaling::AutoScalingGroup) UPDATE_FAILED: within the second');
  });
});

describe('the last resort', () => {
  const lastDeps = () => ({ store: db.store, clock: fixedClock(END_AT), quotas: fakeQuotas().quotas, followUps: fakeFollowUps().followUps });

  it('names the step and the error, and closes the last update', async () => {
    const cluster = await updating('scale', { workers: 2 });

    const result = await markUpdateFailed(lastDeps(), { clusterId: cluster.id, updateId: 'u7', failure: { step: 'waiting for the stack', error: 'States.HeartbeatTimeout' } });

    const reason = 'the update workflow stopped while waiting for the stack: States.HeartbeatTimeout';
    expect(result).toEqual({ event: 'cluster.update_failed', version: 2 });
    expect(await db.store.get(cluster.id)).toMatchObject({
      status: 'UPDATE_FAILED',
      statusReason: reason,
      lastUpdate: { id: 'u7', operation: 'scale', outcome: 'failed', reason, endedAt: END_AT },
    });
    expect((await timeline(cluster.id)).at(-1)).toEqual({
      type: 'cluster.update_failed',
      message: reason,
      details: { step: 'waiting for the stack', error: 'States.HeartbeatTimeout' },
    });
  });

  it('by the execution ARN (the backstop): only the cluster’s current execution; without an error, "unknown error"', async () => {
    const cluster = await updating('scale', { workers: 2 }, { updateExecutionArn: 'arn:update:c-u7' });

    const other = await markUpdateFailed(lastDeps(), { clusterId: cluster.id, executionArn: 'arn:update:c-u6', failure: {} });
    const current = await markUpdateFailed(lastDeps(), { clusterId: cluster.id, executionArn: 'arn:update:c-u7', failure: {} });

    expect(other).toEqual({ event: undefined, version: 1 });
    expect(current).toEqual({ event: 'cluster.update_failed', version: 2 });
    expect((await db.store.get(cluster.id))!.statusReason).toBe('the update workflow stopped: unknown error');
  });

  it('neither id nor ARN: the cluster’s update, whatever it is; one without an update record gets no last update', async () => {
    const base = aCluster({ status: 'UPDATING' });
    await db.store.create(base);

    const result = await markUpdateFailed(lastDeps(), { clusterId: base.id, failure: { error: 'States.Runtime' } });

    const after = (await db.store.get(base.id))!;
    expect(result.event).toBe('cluster.update_failed');
    expect(after.statusReason).toBe('the update workflow stopped: States.Runtime');
    expect(after.lastUpdate).toBeUndefined();
  });

  it('a cluster not UPDATING is left alone', async () => {
    const cluster = await updating('scale', { workers: 2 }, { status: 'READY' });

    const result = await markUpdateFailed(lastDeps(), { clusterId: cluster.id, updateId: 'u7', failure: { error: 'States.Timeout' } });

    expect(result).toEqual({ event: undefined, version: 1 });
    expect((await db.store.get(cluster.id))!.status).toBe('READY');
  });
});
