/**
 * The node inventory as EC2's and Auto Scaling's events keep it, against the embedded DynamoDB (the conditional
 * writes are what is under test): states move forward only, `terminated` is final, duplicates and late events change
 * nothing, a READY cluster gains the instances its groups launch and loses those they terminate, and an instance that
 * is not ours costs one GetItem.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildClusterNodes } from '../../../src/adapters/dynamodb/cluster-nodes';
import { buildInstanceWaits } from '../../../src/adapters/dynamodb/workflow-waits';
import type { Cluster, ClusterNode } from '../../../src/domain/cluster';
import { clusterIdOfAutoScalingGroup, INSTANCE_MAPPING_GRACE_SECONDS, roleOfAutoScalingGroup } from '../../../src/domain/nodes';
import { onInstanceLaunched, onInstanceTerminated, onInstanceTerminating } from '../../../src/use-cases/auto-scaling-events';
import { onInstanceState } from '../../../src/use-cases/await-instances';
import { recordStackReady } from '../../../src/use-cases/record-stack-outcome';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeFollowUps, fakeInstances, fakeQuotas, fakeTokens } from '../../support/fakes';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const READ_AT = '2026-11-26T12:00:00.400Z';
const node = (instanceId: string, extra: Partial<ClusterNode> = {}): ClusterNode => ({
  instanceId,
  role: 'worker',
  availabilityZone: 'us-east-1a',
  state: 'running',
  privateIp: '10.0.1.5',
  publicIp: '54.1.2.3',
  stateAt: READ_AT,
  ...extra,
});

/** A READY cluster whose instances were mapped to it, as recordReady leaves it. */
async function ready(nodes: ClusterNode[], overrides: Partial<Cluster> = {}): Promise<Cluster> {
  const cluster = aCluster({ status: 'READY', nodes, ...overrides });
  await db.store.create(cluster);
  await db.instanceWaits.watch(cluster.id, nodes.map((n) => n.instanceId));
  return cluster;
}

const eventDeps = () => ({ waits: db.instanceWaits, nodes: db.nodes, tokens: fakeTokens().tokens });
const stateOf = async (clusterId: string, instanceId: string) => (await db.store.get(clusterId))?.nodes.find((n) => n.instanceId === instanceId);
const mappingOf = async (instanceId: string) => (await db.documents.send(new GetCommand({ TableName: 'clusters', Key: { pk: `INSTANCE#${instanceId}`, sk: 'INSTANCE' } }))).Item;
/** templates/swarm.yaml names its groups `<stack name>-managers` and `<stack name>-workers`. */
const groupOf = (cluster: Cluster, role: 'managers' | 'workers' = 'workers') => `${cluster.stackName}-${role}`;

describe('READY', () => {
  it('records the inventory as of its read and maps every instance to the cluster, so EC2’s events find it', async () => {
    const cluster = aCluster({ status: 'CREATING' });
    await db.store.create(cluster);
    const instances = fakeInstances([{ instanceId: 'i-ready-m1', role: 'manager' }, { instanceId: 'i-ready-w1' }, { instanceId: 'i-ready-gone', state: 'terminated' }]);
    const deps = {
      store: db.store,
      clock: fixedClock('2026-11-26T12:00:00.400Z'),
      quotas: fakeQuotas().quotas,
      followUps: fakeFollowUps().followUps,
      stacks: { describeStack: async () => undefined, listStackEvents: async () => [] },
      instances: instances.inventory,
      instanceWaits: db.instanceWaits,
    };

    await recordStackReady(deps as never, { clusterId: cluster.id, stackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/x/y' });

    expect((await db.store.get(cluster.id))?.nodes.map((n) => [n.instanceId, n.state, n.stateAt])).toEqual([
      ['i-ready-m1', 'running', '2026-11-26T12:00:00.400Z'],
      ['i-ready-w1', 'running', '2026-11-26T12:00:00.400Z'],
    ]);
    expect([await db.instanceWaits.clusterOf('i-ready-m1'), await db.instanceWaits.clusterOf('i-ready-w1'), await db.instanceWaits.clusterOf('i-ready-gone')]).toEqual([cluster.id, cluster.id, undefined]);
    expect(await onInstanceState(eventDeps(), { instanceId: 'i-ready-w1', state: 'stopping', time: '2026-11-26T12:03:00Z' })).toBe('recorded');
  });
});

describe('EC2 state changes', () => {
  it('moves a node through stopping and stopped, and forgets its public address once stopped', async () => {
    const cluster = await ready([node('i-stop')]);

    const effects = [
      await onInstanceState(eventDeps(), { instanceId: 'i-stop', state: 'stopping', time: '2026-11-26T12:05:00Z' }),
      await onInstanceState(eventDeps(), { instanceId: 'i-stop', state: 'stopped', time: '2026-11-26T12:05:40Z' }),
    ];

    expect(effects).toEqual(['recorded', 'recorded']);
    expect(await stateOf(cluster.id, 'i-stop')).toEqual({ ...node('i-stop'), state: 'stopped', stateAt: '2026-11-26T12:05:40.000Z', publicIp: undefined });
  });

  it('ignores what is older than the recorded state: a late event, a duplicate, and a pending of the same second as the read', async () => {
    const cluster = await ready([node('i-late')]);
    await onInstanceState(eventDeps(), { instanceId: 'i-late', state: 'stopping', time: '2026-11-26T12:05:00Z' });

    const effects = [
      await onInstanceState(eventDeps(), { instanceId: 'i-late', state: 'running', time: '2026-11-26T12:04:00Z' }),
      await onInstanceState(eventDeps(), { instanceId: 'i-late', state: 'stopping', time: '2026-11-26T12:05:00Z' }),
      // EventBridge's time has no fraction: this pending is from the same second as READY's read, which saw running.
      await onInstanceState(eventDeps(), { instanceId: 'i-late', state: 'pending', time: '2026-11-26T12:00:00Z' }),
    ];

    expect(effects).toEqual(['ignored', 'ignored', 'ignored']);
    expect((await stateOf(cluster.id, 'i-late'))?.state).toBe('stopping');
  });

  it('orders two changes of the same second by the lifecycle: running after pending, whatever order they come in', async () => {
    const cluster = await ready([node('i-boot', { state: 'pending', stateAt: '2026-11-26T11:59:00.000Z' })]);

    await onInstanceState(eventDeps(), { instanceId: 'i-boot', state: 'running', time: '2026-11-26T12:00:07Z' });
    const late = await onInstanceState(eventDeps(), { instanceId: 'i-boot', state: 'pending', time: '2026-11-26T12:00:07Z' });

    expect(late).toBe('ignored');
    expect((await stateOf(cluster.id, 'i-boot'))?.state).toBe('running');
  });

  it('never brings a terminated node back, and retires its mapping with a TTL a day after the termination', async () => {
    const cluster = await ready([node('i-gone')]);

    await onInstanceState(eventDeps(), { instanceId: 'i-gone', state: 'terminated', time: '2026-11-26T12:10:00Z' });
    const afterwards = await onInstanceState(eventDeps(), { instanceId: 'i-gone', state: 'running', time: '2026-11-26T12:20:00Z' });

    expect(afterwards).toBe('ignored');
    expect(await stateOf(cluster.id, 'i-gone')).toMatchObject({ state: 'terminated', stateAt: '2026-11-26T12:10:00.000Z' });
    expect(await mappingOf('i-gone')).toMatchObject({
      clusterId: cluster.id,
      terminatedAt: '2026-11-26T12:10:00.000Z',
      ttl: Date.parse('2026-11-26T12:10:00Z') / 1000 + INSTANCE_MAPPING_GRACE_SECONDS,
    });
  });

  it('looks an instance that is not ours up once, and writes nothing', async () => {
    const sent: string[] = [];
    const counting = { send: (command: { constructor: { name: string } }) => (sent.push(command.constructor.name), db.documents.send(command as never)) } as unknown as DynamoDBDocumentClient;
    const deps = { waits: buildInstanceWaits(counting, 'clusters'), nodes: buildClusterNodes(counting, 'clusters'), tokens: fakeTokens().tokens };

    const effects = [];
    for (const state of ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated']) {
      effects.push(await onInstanceState(deps, { instanceId: 'i-not-ours', state, time: '2026-11-26T12:00:00Z' }));
    }

    expect(effects.every((effect) => effect === 'ignored')).toBe(true);
    expect(sent).toEqual(Array(6).fill('GetCommand'));
  });

  it('leaves a record written before the inventory was a map as it is', async () => {
    const cluster = aCluster({ status: 'READY' });
    // As the store wrote nodes before: a list on the item.
    await db.store.create(cluster);
    await db.documents.send(new UpdateCommand({ TableName: 'clusters', Key: { pk: `CLUSTER#${cluster.id}`, sk: 'CLUSTER' }, UpdateExpression: 'SET nodes = :nodes REMOVE inventory', ExpressionAttributeValues: { ':nodes': [node('i-old')] } }));
    await db.instanceWaits.watch(cluster.id, ['i-old']);

    const effect = await onInstanceState(eventDeps(), { instanceId: 'i-old', state: 'stopping', time: '2026-11-26T12:05:00Z' });

    expect(effect).toBe('ignored');
    expect((await db.store.get(cluster.id))?.nodes).toEqual([node('i-old')]);
  });
});

describe('Auto Scaling launches and terminations', () => {
  const launchDeps = (described: Partial<ClusterNode>[] = []) => ({
    store: db.store,
    nodes: db.nodes,
    instances: fakeInstances([], described).inventory,
    timeline: db.timeline,
    clock: fixedClock('2026-11-26T13:00:00.000Z'),
  });

  it('reads our cluster id from our groups’ names (the template’s, or CloudFormation’s own), and nobody else’s', () => {
    expect(clusterIdOfAutoScalingGroup('swarm-c-01jd1y2k3m4n5p6q7r8s9t0v1w-workers')).toBe('c-01jd1y2k3m4n5p6q7r8s9t0v1w');
    expect(clusterIdOfAutoScalingGroup('swarm-c-01jd1y2k3m4n5p6q7r8s9t0v1w-NodeAsg-1A2B3C4D5E6F7')).toBe('c-01jd1y2k3m4n5p6q7r8s9t0v1w');
    expect(roleOfAutoScalingGroup('swarm-c-01jd1y2k3m4n5p6q7r8s9t0v1w-managers')).toBe('manager');
    expect(roleOfAutoScalingGroup('swarm-c-01jd1y2k3m4n5p6q7r8s9t0v1w-workers')).toBe('worker');
    expect(clusterIdOfAutoScalingGroup('my-auto-scaling-group')).toBeUndefined();
    expect(clusterIdOfAutoScalingGroup('swarm-demo-NodeAsg-1A2B')).toBeUndefined();
  });

  it('adds a replacement to a READY cluster with what EC2 says of it, and maps it to the cluster', async () => {
    const cluster = await ready([node('i-old')]);

    const effect = await onInstanceLaunched(launchDeps([{ instanceId: 'i-new', availabilityZone: 'us-east-1b', state: 'pending', privateIp: '10.0.2.9', instanceType: 't3.small' }]), {
      groupName: groupOf(cluster, 'managers'),
      instanceId: 'i-new',
      availabilityZone: 'us-east-1b',
      time: '2026-11-26T12:59:58Z',
    });

    expect(effect).toBe('joined');
    expect(await stateOf(cluster.id, 'i-new')).toEqual({
      instanceId: 'i-new',
      role: 'manager',
      availabilityZone: 'us-east-1b',
      state: 'pending',
      privateIp: '10.0.2.9',
      instanceType: 't3.small',
      stateAt: '2026-11-26T13:00:00.000Z',
    });
    expect(await db.instanceWaits.clusterOf('i-new')).toBe(cluster.id);
    // And from now on EC2's events move it.
    expect(await onInstanceState(eventDeps(), { instanceId: 'i-new', state: 'running', time: '2026-11-26T13:00:20Z' })).toBe('recorded');
  });

  it('adds what the event says when EC2 does not list the instance yet', async () => {
    const cluster = await ready([]);

    await onInstanceLaunched(launchDeps(), { groupName: groupOf(cluster), instanceId: 'i-unlisted', availabilityZone: 'us-east-1c', time: '2026-11-26T12:59:58Z' });

    expect(await stateOf(cluster.id, 'i-unlisted')).toEqual({ instanceId: 'i-unlisted', role: 'worker', availabilityZone: 'us-east-1c', state: 'pending', stateAt: '2026-11-26T12:59:58Z' });
  });

  it('adds nothing to a cluster that is not READY, nor for a group that is not ours, nor twice', async () => {
    const creating = aCluster({ status: 'CREATING' });
    await db.store.create(creating);
    const cluster = await ready([]);
    const report = { instanceId: 'i-twice', availabilityZone: 'us-east-1a', time: '2026-11-26T12:59:58Z' };

    const effects = [
      await onInstanceLaunched(launchDeps([{ instanceId: 'i-twice' }]), { ...report, groupName: groupOf(creating) }),
      await onInstanceLaunched(launchDeps([{ instanceId: 'i-twice' }]), { ...report, groupName: 'my-auto-scaling-group' }),
      await onInstanceLaunched(launchDeps([{ instanceId: 'i-twice' }]), { ...report, groupName: groupOf(cluster) }),
      await onInstanceLaunched(launchDeps([{ instanceId: 'i-twice', state: 'stopping' }]), { ...report, groupName: groupOf(cluster) }),
    ];

    expect(effects).toEqual(['ignored', 'ignored', 'joined', 'ignored']);
    expect((await db.store.get(creating.id))?.nodes).toEqual([]);
    expect((await db.store.get(cluster.id))?.nodes.map((n) => [n.instanceId, n.state])).toEqual([['i-twice', 'running']]);
  });

  it('takes a terminated instance out of a READY cluster, and a late launch event does not bring it back', async () => {
    const cluster = await ready([node('i-replaced'), node('i-kept')]);
    const report = { groupName: groupOf(cluster), instanceId: 'i-replaced', availabilityZone: 'us-east-1a', time: '2026-11-26T12:30:00Z' };

    const left = await onInstanceTerminated({ store: db.store, nodes: db.nodes, timeline: db.timeline }, report);
    const relaunched = await onInstanceLaunched(launchDeps([{ instanceId: 'i-replaced' }]), report);

    expect([left, relaunched]).toEqual(['left', 'ignored']);
    expect((await db.store.get(cluster.id))?.nodes.map((n) => n.instanceId)).toEqual(['i-kept']);
    expect(await mappingOf('i-replaced')).toMatchObject({ terminatedAt: '2026-11-26T12:30:00.000Z' });
  });

  it('keeps a deleting cluster’s nodes: the delete shows them terminated', async () => {
    const cluster = await ready([node('i-deleting')], { status: 'DELETING' });

    const effect = await onInstanceTerminated({ store: db.store, nodes: db.nodes, timeline: db.timeline }, { groupName: groupOf(cluster), instanceId: 'i-deleting', availabilityZone: 'us-east-1a', time: '2026-11-26T12:30:00Z' });

    expect(effect).toBe('ignored');
    expect((await db.store.get(cluster.id))?.nodes.map((n) => n.instanceId)).toEqual(['i-deleting']);
  });
});

describe('a node’s story on the timeline', () => {
  const timelineOf = async (clusterId: string) => (await db.store.listEvents(clusterId, { limit: 100 })).items.map((e) => ({ type: e.type, message: e.message, at: e.at }));

  it('tells that a node drains before it leaves, once per lifecycle action however often the event comes, then that it was terminated', async () => {
    const cluster = await ready([node('i-leaving', { availabilityZone: 'us-east-1b' }), node('i-staying')], { status: 'UPDATING' });
    const action = { groupName: groupOf(cluster), instanceId: 'i-leaving', hookName: 'swarm-leave', token: 'tok-1', time: '2026-11-26T12:30:00Z' };

    const effects = [await onInstanceTerminating({ store: db.store, timeline: db.timeline }, action), await onInstanceTerminating({ store: db.store, timeline: db.timeline }, action)];
    await onInstanceTerminated({ store: db.store, nodes: db.nodes, timeline: db.timeline }, { groupName: groupOf(cluster), instanceId: 'i-leaving', availabilityZone: 'us-east-1b', time: '2026-11-26T12:31:10Z' });

    expect(effects).toEqual(['told', 'ignored']);
    expect(await timelineOf(cluster.id)).toEqual([
      {
        type: 'node.draining',
        at: '2026-11-26T12:30:00Z',
        message: 'node i-leaving (worker, us-east-1b) is draining: its tasks move to other nodes and it leaves the swarm before it is terminated (lifecycle hook swarm-leave)',
      },
      { type: 'node.left', at: '2026-11-26T12:31:10Z', message: 'node i-leaving (worker, us-east-1b) terminated by its group' },
    ]);
  });

  it('tells a termination once, also when the update’s outcome had already rewritten the inventory without the node', async () => {
    const cluster = await ready([node('i-kept')], { status: 'READY' });
    const report = { groupName: groupOf(cluster), instanceId: 'i-gone-already', availabilityZone: 'us-east-1c', time: '2026-11-26T12:31:10Z' };
    const deps = { store: db.store, nodes: db.nodes, timeline: db.timeline };

    const effects = [await onInstanceTerminated(deps, report), await onInstanceTerminated(deps, report)];

    expect(effects).toEqual(['left', 'ignored']);
    expect((await timelineOf(cluster.id)).map((e) => e.type)).toEqual(['node.left']);
    expect((await db.store.get(cluster.id))?.nodes.map((n) => n.instanceId)).toEqual(['i-kept']);
  });

  it('says a leaving manager is demoted, and tells a second lifecycle action of the same instance (a new token) again', async () => {
    const cluster = await ready([node('i-manager', { role: 'manager' })]);
    const action = { groupName: groupOf(cluster, 'managers'), instanceId: 'i-manager', hookName: 'swarm-leave', time: '2026-11-26T12:30:00Z' };

    await onInstanceTerminating({ store: db.store, timeline: db.timeline }, { ...action, token: 'tok-a' });
    await onInstanceTerminating({ store: db.store, timeline: db.timeline }, { ...action, token: 'tok-b' });

    const told = await timelineOf(cluster.id);
    expect(told).toHaveLength(2);
    expect(told[0]!.message).toBe('node i-manager (manager, us-east-1a) is draining: its tasks move to other nodes, it is demoted and it leaves the swarm before it is terminated (lifecycle hook swarm-leave)');
  });

  it('tells nothing for a group that is not ours, nor for a cluster being created or deleted (their workflows tell those)', async () => {
    const creating = aCluster({ status: 'CREATING' });
    await db.store.create(creating);
    const deleting = await ready([node('i-d')], { status: 'DELETING' });
    const action = { instanceId: 'i-d', hookName: 'swarm-leave', token: 'tok', time: '2026-11-26T12:30:00Z' };

    const effects = [
      await onInstanceTerminating({ store: db.store, timeline: db.timeline }, { ...action, groupName: 'my-asg' }),
      await onInstanceTerminating({ store: db.store, timeline: db.timeline }, { ...action, groupName: groupOf(creating) }),
      await onInstanceTerminating({ store: db.store, timeline: db.timeline }, { ...action, groupName: groupOf(deleting) }),
    ];

    expect(effects).toEqual(['ignored', 'ignored', 'ignored']);
    expect(await timelineOf(creating.id)).toEqual([]);
    expect(await timelineOf(deleting.id)).toEqual([]);
  });

  it('tells that a replacement joined', async () => {
    const cluster = await ready([]);

    await onInstanceLaunched(
      { store: db.store, nodes: db.nodes, instances: fakeInstances([], [{ instanceId: 'i-fresh', availabilityZone: 'us-east-1c' }]).inventory, timeline: db.timeline, clock: fixedClock() },
      { groupName: groupOf(cluster), instanceId: 'i-fresh', availabilityZone: 'us-east-1c', time: '2026-11-26T12:40:00Z' },
    );

    expect(await timelineOf(cluster.id)).toEqual([{ type: 'node.joined', at: '2026-11-26T12:40:00Z', message: 'node i-fresh (worker, us-east-1c) launched by its group' }]);
  });
});
