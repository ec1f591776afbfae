/**
 * The update workflow's use cases against the embedded DynamoDB (the conditional writes are what is under test) with
 * fakes for CloudFormation, EC2 and the quota ledger. CloudFormation's answer to an UpdateStack that changes nothing
 * is a ValidationError "No updates are to be performed." (UpdateStack, "Errors",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStack.html); the adapter turns it into
 * `unchanged`.
 */
import type { Cluster, ClusterUpdate } from '../../../src/domain/cluster';
import type { StackEventView } from '../../../src/domain/stack';
import { StackNotYetUpdatableError, StaleClusterError } from '../../../src/domain/errors';
import { beginDeletion } from '../../../src/use-cases/request-cluster-deletion';
import { markUpdateFailed, recordUpdateOutcome, startStackUpdate } from '../../../src/use-cases/update-cluster-stack';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeFollowUps, fakeInstances, fakeQuotas, fakeStacks, fakeWorkflows } from '../../support/fakes';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const UPDATE_AT = '2026-11-26T13:00:00.000Z';

async function updating(operation: ClusterUpdate['operation'], change: Partial<Cluster['parameters']>, overrides: Partial<Cluster> = {}): Promise<Cluster> {
  const base = aCluster({ status: 'UPDATING', stackId: 'stack-1', readyAt: '2026-11-26T12:30:00.000Z', ...overrides });
  const update: ClusterUpdate = { id: 'u7', operation, target: { ...base.parameters, ...change }, previous: base.parameters, requestedAt: UPDATE_AT, requestedBy: 'alice' };
  const cluster = { ...base, update };
  await db.store.create(cluster);
  return cluster;
}

const failedNodeAsg: StackEventView[] = [
  // An old failure of an earlier update: not this update's root cause.
  { timestamp: '2026-11-26T12:40:00.000Z', logicalResourceId: 'ManagerAsg', resourceType: 'AWS::AutoScaling::AutoScalingGroup', resourceStatus: 'UPDATE_FAILED', resourceStatusReason: 'an older failure' },
  { timestamp: '2026-11-26T13:00:05.000Z', logicalResourceId: 'NodeAsg', resourceType: 'AWS::AutoScaling::AutoScalingGroup', resourceStatus: 'UPDATE_FAILED', resourceStatusReason: 'Received 1 FAILURE signal(s) out of 1.' },
  { timestamp: '2026-11-26T13:00:06.000Z', logicalResourceId: 'swarm-x', resourceType: 'AWS::CloudFormation::Stack', resourceStatus: 'UPDATE_ROLLBACK_IN_PROGRESS', resourceStatusReason: 'The following resource(s) failed to update: [NodeAsg]. ' },
];

function outcomeDeps(stacks = fakeStacks([{ stackId: 'stack-1', status: 'UPDATE_COMPLETE', outputs: { ManagerDns: 'new.example.com' } }], failedNodeAsg)) {
  const quotas = fakeQuotas();
  const instances = fakeInstances([
    { instanceId: 'i-m1', role: 'manager', availabilityZone: 'us-east-1a' },
    { instanceId: 'i-m2', role: 'manager', availabilityZone: 'us-east-1b' },
    { instanceId: 'i-m3', role: 'manager', availabilityZone: 'us-east-1c' },
    { instanceId: 'i-w1', role: 'worker', availabilityZone: 'us-east-1a' },
    { instanceId: 'i-w2', role: 'worker', availabilityZone: 'us-east-1b' },
    { instanceId: 'i-old', role: 'worker', availabilityZone: 'us-east-1c', state: 'terminated' },
  ]);
  const deps = {
    store: db.store,
    clock: fixedClock('2026-11-26T13:10:00.000Z'),
    quotas: quotas.quotas,
    followUps: fakeFollowUps().followUps,
    stacks: stacks.gateway,
    instances: instances.inventory,
    instanceWaits: db.instanceWaits,
    quotaLimits: { maxActiveClusters: 5, maxInstances: 50 },
  };
  return { deps, quotas };
}

describe('starting the stack update', () => {
  it('opens the update wait, then UpdateStack with the target parameters and a token of the update', async () => {
    const cluster = await updating('scale', { workers: 2 });
    const stacks = fakeStacks([{ stackId: 'stack-1' }]);

    const result = await startStackUpdate({ store: db.store, stackUpdates: stacks.stackUpdates, clock: fixedClock(UPDATE_AT) }, { clusterId: cluster.id, updateId: 'u7' });

    expect(result).toEqual({ proceed: true, unchanged: false, stackId: 'stack-1', wait: { key: 'update-u7' } });
    expect(stacks.updates).toEqual([{ stack: 'stack-1', token: `update-${cluster.id}-u7`, parameters: expect.objectContaining({ ClusterSize: '2' }) }]);
    expect((await db.store.get(cluster.id))!.stackWait).toMatchObject({ key: 'update-u7', target: 'update' });
  });

  it('touches nothing for a cluster that left UPDATING (a delete won the race)', async () => {
    const cluster = await updating('scale', { workers: 2 }, { status: 'DELETING' });
    const stacks = fakeStacks([{ stackId: 'stack-1' }]);

    const result = await startStackUpdate({ store: db.store, stackUpdates: stacks.stackUpdates, clock: fixedClock(UPDATE_AT) }, { clusterId: cluster.id, updateId: 'u7' });

    expect(result).toEqual({ proceed: false, status: 'DELETING' });
    expect(stacks.updates).toEqual([]);
  });

  it('a retry from UPDATE_FAILED on a stack stuck in UPDATE_ROLLBACK_FAILED: continues the rollback once, then updates when the stack can take it', async () => {
    // "Stack:<id> is in UPDATE_ROLLBACK_FAILED state and can not be updated." until ContinueUpdateRollback ends the
    // rollback (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-update-rollback-failed).
    const cluster = await updating('scale', { workers: 2 });
    const stacks = fakeStacks([{ stackId: 'stack-1', status: 'UPDATE_ROLLBACK_FAILED' }]);
    const deps = { store: db.store, stackUpdates: stacks.stackUpdates, clock: fixedClock(UPDATE_AT) };

    const first = await startStackUpdate(deps, { clusterId: cluster.id, updateId: 'u7' }).catch((error: Error) => error);
    const second = await startStackUpdate(deps, { clusterId: cluster.id, updateId: 'u7' }).catch((error: Error) => error);
    // No wait while the rollback runs: its UPDATE_ROLLBACK_COMPLETE must not end this update's wait.
    const waitMeanwhile = (await db.store.get(cluster.id))!.stackWait;
    stacks.stacks[0]!.status = 'UPDATE_ROLLBACK_COMPLETE';
    deps.clock.advance(30_000);
    const third = await startStackUpdate(deps, { clusterId: cluster.id, updateId: 'u7' });

    expect(first).toBeInstanceOf(StackNotYetUpdatableError);
    expect((first as StackNotYetUpdatableError).stackStatus).toBe('UPDATE_ROLLBACK_FAILED');
    expect((second as StackNotYetUpdatableError).stackStatus).toBe('UPDATE_ROLLBACK_IN_PROGRESS');
    expect(third).toEqual({ proceed: true, unchanged: false, stackId: 'stack-1', wait: { key: 'update-u7' } });
    expect(waitMeanwhile).toBeUndefined();
    expect((await db.store.get(cluster.id))!.stackWait).toEqual({ key: 'update-u7', target: 'update', since: '2026-11-26T13:00:30.000Z', round: 0 });
    // Continued once (the second attempt found the rollback running), then the update, every attempt the same token.
    expect(stacks.continues).toEqual([{ stack: 'stack-1', token: `continue-update-${cluster.id}-u7` }]);
    expect(stacks.updates.map((u) => u.token)).toEqual([1, 2, 3].map(() => `update-${cluster.id}-u7`));
    const timeline = (await db.store.listEvents(cluster.id, { limit: 10 })).items.map((e) => e.message);
    expect(timeline).toEqual([
      'the stack is UPDATE_ROLLBACK_FAILED from an earlier update: continuing its rollback (ContinueUpdateRollback), then this update',
      'stack swarm-c-1 update started (scale)'.replace('swarm-c-1', cluster.stackName),
    ]);
  });
});

describe('recording the outcome', () => {
  it('UPDATE_COMPLETE of a scale-in: READY with the target, the new nodes and outputs, and the freed instances given back', async () => {
    const cluster = await updating('scale', { workers: 2 });
    const { deps, quotas } = outcomeDeps();

    const result = await recordUpdateOutcome(deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_COMPLETE' });

    const after = (await db.store.get(cluster.id))!;
    expect(result.event).toBe('cluster.updated');
    expect(after).toMatchObject({ status: 'READY', parameters: { workers: 2 }, outputs: { ManagerDns: 'new.example.com' }, lastUpdate: { id: 'u7', operation: 'scale', outcome: 'updated' } });
    expect(after.nodes.map((n) => n.instanceId).sort()).toEqual(['i-m1', 'i-m2', 'i-m3', 'i-w1', 'i-w2']);
    expect(after.statusReason).toBe('scale done: stack UPDATE_COMPLETE; 3 managers and 2 workers over 3 availability zones');
    expect(quotas.adjusted).toEqual([{ owner: 'alice', clusterId: cluster.id, from: 8, to: 5 }]);
  });

  it('UPDATE_ROLLBACK_COMPLETE of a scale-out: READY with the previous parameters, this update’s root cause, the extra quota given back', async () => {
    const cluster = await updating('scale', { workers: 7 });
    const { deps, quotas } = outcomeDeps();

    const result = await recordUpdateOutcome(deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_ROLLBACK_COMPLETE' });

    const after = (await db.store.get(cluster.id))!;
    expect(result.event).toBe('cluster.update_failed');
    expect(after).toMatchObject({ status: 'READY', parameters: { workers: 5 }, lastUpdate: { outcome: 'rolled_back' } });
    expect(after.statusReason).toBe(
      'scale rolled back (stack UPDATE_ROLLBACK_COMPLETE): NodeAsg (AWS::AutoScaling::AutoScalingGroup) UPDATE_FAILED: Received 1 FAILURE signal(s) out of 1.',
    );
    expect(quotas.adjusted).toEqual([{ owner: 'alice', clusterId: cluster.id, from: 10, to: 8 }]);
  });

  it('UPDATE_ROLLBACK_FAILED: UPDATE_FAILED with the reason, the quota left as it is', async () => {
    const cluster = await updating('scale', { workers: 7 });
    const { deps, quotas } = outcomeDeps();

    await recordUpdateOutcome(deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_ROLLBACK_FAILED' });

    const after = (await db.store.get(cluster.id))!;
    expect(after).toMatchObject({ status: 'UPDATE_FAILED', parameters: { workers: 5 }, lastUpdate: { outcome: 'failed' } });
    expect(after.statusReason).toContain('UPDATE_ROLLBACK_FAILED');
    expect(quotas.adjusted).toEqual([]);
  });

  it('a hibernate ends HIBERNATED; a failed wake goes back to HIBERNATED, not READY', async () => {
    const hibernating = await updating('hibernate', { workers: 0 }, { hibernatedWorkers: 5 });
    const waking = await updating('wake', { workers: 5 }, { hibernatedWorkers: 5, parameters: { ...aCluster().parameters, workers: 0 } });
    const { deps } = outcomeDeps();

    const slept = await recordUpdateOutcome(deps, { clusterId: hibernating.id, updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_COMPLETE' });
    await recordUpdateOutcome(deps, { clusterId: waking.id, updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_ROLLBACK_COMPLETE' });

    expect(slept.event).toBe('cluster.hibernated');
    expect(await db.store.get(hibernating.id)).toMatchObject({ status: 'HIBERNATED', parameters: { workers: 0 }, hibernatedWorkers: 5 });
    expect(await db.store.get(waking.id)).toMatchObject({ status: 'HIBERNATED', parameters: { workers: 0 }, hibernatedWorkers: 5 });
  });

  it('nothing to update: READY with the target, "already current"', async () => {
    const cluster = await updating('upgrade', {});
    const { deps } = outcomeDeps();

    await recordUpdateOutcome(deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', unchanged: true });

    expect((await db.store.get(cluster.id))!.statusReason).toMatch(/^upgrade done: already current/);
  });

  it('leaves a cluster alone that is no longer UPDATING with this update (a delete came first)', async () => {
    const cluster = await updating('scale', { workers: 2 }, { status: 'DELETING' });
    const { deps } = outcomeDeps();

    const result = await recordUpdateOutcome(deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', stackStatus: 'UPDATE_COMPLETE' });

    expect(result.event).toBeUndefined();
    expect((await db.store.get(cluster.id))!.status).toBe('DELETING');
  });

  it('the last resort marks UPDATE_FAILED only for the current update', async () => {
    const cluster = await updating('scale', { workers: 2 });
    const { deps } = outcomeDeps();

    const older = await markUpdateFailed(deps, { clusterId: cluster.id, updateId: 'u6', failure: { error: 'States.Timeout' } });
    const current = await markUpdateFailed(deps, { clusterId: cluster.id, updateId: 'u7', failure: { error: 'States.Timeout' } });

    expect(older.event).toBeUndefined();
    expect(current.event).toBe('cluster.update_failed');
    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'UPDATE_FAILED', statusReason: 'the update workflow stopped: States.Timeout' });
  });
});

describe('a delete during an update', () => {
  /** DELETE as the owner sends it (request-cluster-deletion.ts), from its own read of the record. */
  const deleteNow = async (clusterId: string) => {
    const current = (await db.store.get(clusterId))!;
    await beginDeletion(
      { store: db.store, workflows: fakeWorkflows().workflows, clock: fixedClock('2026-11-26T13:05:00.000Z'), quotas: fakeQuotas().quotas, followUps: fakeFollowUps().followUps },
      current,
      { reason: 'requested', statusReason: 'delete requested by the owner', isActivity: true },
    );
  };

  it.each([
    ['UPDATE_COMPLETE', 'READY'],
    ['UPDATE_ROLLBACK_COMPLETE', 'READY'],
    ['UPDATE_ROLLBACK_FAILED', 'UPDATE_FAILED'],
  ])('%s recorded while the delete lands (after the outcome read UPDATING): %s is not written, the cluster stays DELETING', async (stackStatus) => {
    const cluster = await updating('scale', { workers: 2 });
    const { deps } = outcomeDeps();
    // The outcome has read UPDATING with this update; the DELETE lands while it reads the stack, before its write.
    let deleted = false;
    const landDelete = async () => {
      if (deleted) return;
      deleted = true;
      await deleteNow(cluster.id);
    };
    const stacks = deps.stacks;
    const racing = {
      ...deps,
      stacks: { ...stacks, describeStack: async (...args: Parameters<typeof stacks.describeStack>) => (await landDelete(), stacks.describeStack(...args)), listStackEvents: async (...args: Parameters<typeof stacks.listStackEvents>) => (await landDelete(), stacks.listStackEvents(...args)) },
    };

    await expect(recordUpdateOutcome(racing, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', stackStatus })).rejects.toBeInstanceOf(StaleClusterError);

    expect(deleted).toBe(true);
    const after = (await db.store.get(cluster.id))!;
    expect(after).toMatchObject({ status: 'DELETING', parameters: { workers: 5 } });
    expect(after.lastUpdate).toBeUndefined();
    // The workflow retries the step: it reads DELETING, finds its update no longer current, and writes nothing.
    const retried = await recordUpdateOutcome(outcomeDeps().deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', stackStatus });
    expect(retried.event).toBeUndefined();
    expect(await db.store.get(cluster.id)).toEqual(after);
  });

  it('the update workflow’s last resort after the delete leaves the DELETING cluster alone', async () => {
    const cluster = await updating('scale', { workers: 2 });
    await deleteNow(cluster.id);
    const before = (await db.store.get(cluster.id))!;

    const result = await markUpdateFailed(outcomeDeps().deps, { clusterId: cluster.id, updateId: 'u7', failure: { error: 'ClusterDeleted' } });

    expect(result.event).toBeUndefined();
    expect(before.status).toBe('DELETING');
    expect(await db.store.get(cluster.id)).toEqual(before);
  });
});
