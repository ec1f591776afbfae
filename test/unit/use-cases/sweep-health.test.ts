/**
 * The health sweep against the embedded DynamoDB (its index query and conditional writes are what is under test),
 * with plain fakes for CloudFormation (DescribeStacks), EC2 (DescribeInstances by tag), Auto Scaling
 * (DescribeAutoScalingGroups, SetInstanceHealth) and SSM (DescribeInstanceInformation).
 */
import type { Cluster, ClusterNode } from '../../../src/domain/cluster';
import type { ObservedAgent } from '../../../src/domain/health';
import type { ClusterGroup, StackDescription } from '../../../src/use-cases/ports';
import { logger } from '../../../src/logger';
import { sweepHealth, type HealthSweepDeps } from '../../../src/use-cases/sweep-health';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
// A table per test: every settled cluster shares one index partition.
beforeEach(async () => {
  db = await startTestDynamoDB();
});
afterEach(() => db.close());

const node = (role: 'manager' | 'worker', state = 'running', i = 0): ClusterNode => ({ instanceId: `i-${role}${i}`, role, availabilityZone: 'us-east-1a', state });

async function stored(overrides: Partial<Cluster>): Promise<Cluster> {
  const cluster = aCluster({ status: 'READY', stackId: 'stack-1', parameters: { ...aCluster().parameters, managers: 1, workers: 1 }, webhook: { url: 'https://example.com/hook', events: ['cluster.degraded', 'cluster.recovered', 'cluster.drifted'], secret: 's' }, ...overrides });
  await db.store.create(cluster);
  return cluster;
}

interface World {
  stack?: Partial<StackDescription>;
  instances: ClusterNode[];
  groups?: ClusterGroup[];
  agents?: ObservedAgent[];
}

function deps(world: World, now = '2026-11-26T13:00:00.000Z', channelPosts?: boolean) {
  const started: { deliveryId: string }[] = [];
  const markedUnhealthy: string[] = [];
  const askedAgentsOf: string[][] = [];
  const sweepDeps: HealthSweepDeps = {
    store: db.store,
    stacks: { describeStack: async () => (world.stack ? { stackId: 'stack-1', stackName: 'swarm-x', status: 'CREATE_COMPLETE', outputs: {}, tags: {}, ...world.stack } : undefined) },
    instances: { instancesOfCluster: async () => world.instances },
    groups: {
      groupsOfCluster: async () => world.groups ?? [],
      markUnhealthy: async (_region, instanceId) => {
        markedUnhealthy.push(instanceId);
      },
    },
    agents: {
      agentsOf: async (_region, ids) => {
        askedAgentsOf.push(ids);
        return (world.agents ?? []).filter((agent) => ids.includes(agent.instanceId));
      },
    },
    clock: fixedClock(now),
    deliveries: db.deliveries,
    deliveryWorkflow: {
      start: async (input) => {
        started.push({ deliveryId: input.deliveryId });
        return 'arn:delivery';
      },
    },
    batchSize: 100,
    ...(channelPosts !== undefined && { channelPosts }),
  };
  return { sweepDeps, started, markedUnhealthy, askedAgentsOf };
}

/** Three managers (one hung: running for EC2, ConnectionLost for SSM) and one worker, each group whole. */
function hungManagerWorld(): World {
  const managers = [node('manager', 'running', 0), node('manager', 'running', 1), node('manager', 'running', 2)];
  return {
    stack: {},
    instances: [...managers, node('worker')],
    groups: [
      { name: 'swarm-x-managers', role: 'manager', desiredCapacity: 3, instances: managers.map((m) => ({ instanceId: m.instanceId, lifecycleState: 'InService', healthStatus: 'Healthy' })) },
      { name: 'swarm-x-workers', role: 'worker', desiredCapacity: 1, instances: [{ instanceId: 'i-worker0', lifecycleState: 'InService', healthStatus: 'Healthy' }] },
    ],
    agents: [
      { instanceId: 'i-manager0', pingStatus: 'Online' },
      { instanceId: 'i-manager1', pingStatus: 'ConnectionLost' },
      { instanceId: 'i-manager2', pingStatus: 'Online' },
    ],
  };
}

const threeManagers = { ...aCluster().parameters, managers: 3 as const, workers: 1 };

const timelineTypes = async (id: string) => (await db.store.listEvents(id, { limit: 100 })).items.map((event) => event.type);

describe('the health sweep', () => {
  it('marks a cluster whose stack was deleted out of band drifted, says so once on the timeline and schedules cluster.drifted', async () => {
    // Prepare
    const cluster = await stored({});
    const { sweepDeps, started } = deps({ stack: undefined, instances: [] });

    // Act
    const first = await sweepHealth(sweepDeps);
    const second = await sweepHealth(sweepDeps);

    // Assess
    const after = await db.store.get(cluster.id);
    expect(after?.status).toBe('READY');
    expect(after?.health).toEqual({ status: 'drifted', reasons: [{ code: 'stack_missing', message: `stack ${cluster.stackName} was deleted out of band` }], checkedAt: '2026-11-26T13:00:00.000Z' });
    expect(first).toMatchObject({ examined: 1, drifted: 1, changed: 1 });
    expect(second).toMatchObject({ examined: 1, drifted: 1, changed: 0 });
    expect(await timelineTypes(cluster.id)).toEqual(['cluster.drifted']);
    expect(started).toHaveLength(1);
    const [delivery] = (await db.deliveries.list(cluster.id, { limit: 10 })).items;
    expect(JSON.parse(delivery?.body ?? '{}')).toMatchObject({ type: 'cluster.drifted', data: { cluster: { status: 'READY', health: { status: 'drifted' } } } });
  });

  it('also schedules the event for the Slack channel of a cluster made from Slack, as chat.postMessage’s body on the same durable delivery', async () => {
    // Prepare: made by /swarm create in channel C2147483705, no webhook; a bot token is configured.
    const cluster = await stored({ webhook: undefined, chatChannel: { kind: 'slack', teamId: 'T0001', channelId: 'C2147483705' } });
    const { sweepDeps, started } = deps({ stack: undefined, instances: [] }, undefined, true);

    // Act
    const summary = await sweepHealth(sweepDeps);

    // Assess
    expect(summary).toMatchObject({ drifted: 1, changed: 1, failed: 0 });
    const deliveries = (await db.deliveries.list(cluster.id, { limit: 10 })).items;
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ eventType: 'cluster.drifted', status: 'pending', channel: { kind: 'slack', teamId: 'T0001', channelId: 'C2147483705' } });
    expect(deliveries[0]!.deliveryId).toMatch(/_cluster_drifted_slack$/);
    expect(JSON.parse(deliveries[0]!.body)).toEqual({ channel: 'C2147483705', text: expect.stringContaining(`was deleted out of band`) });
    expect(started).toEqual([{ deliveryId: deliveries[0]!.deliveryId }]);
  });

  it('skips the Slack channel with one info log when no bot token is configured, and still records the finding', async () => {
    // Prepare
    const info = jest.spyOn(logger, 'info');
    const cluster = await stored({ webhook: undefined, chatChannel: { kind: 'slack', teamId: 'T0001', channelId: 'C2147483705' } });
    const { sweepDeps, started } = deps({ stack: undefined, instances: [] }, undefined, false);

    // Act
    const summary = await sweepHealth(sweepDeps);

    // Assess
    expect(summary).toMatchObject({ drifted: 1, changed: 1, failed: 0 });
    expect((await db.store.get(cluster.id))?.health?.status).toBe('drifted');
    expect((await db.deliveries.list(cluster.id, { limit: 10 })).items).toEqual([]);
    expect(started).toEqual([]);
    expect(info.mock.calls.filter(([message]) => String(message).startsWith('slack channel post skipped'))).toHaveLength(1);
    info.mockRestore();
  });

  it('turns degraded when an instance is gone, and recovered once it is replaced, keeping the version on an unchanged finding', async () => {
    // Prepare
    const cluster = await stored({});
    const world = { stack: {}, instances: [node('manager'), node('worker', 'terminated')] };
    const { sweepDeps, started } = deps(world);

    // Act
    await sweepHealth(sweepDeps);
    const degraded = await db.store.get(cluster.id);
    await sweepHealth(sweepDeps);
    const unchanged = await db.store.get(cluster.id);
    world.instances = [node('manager'), node('worker', 'terminated'), node('worker', 'running', 1)];
    await sweepHealth(sweepDeps);

    // Assess
    expect(degraded?.health?.status).toBe('degraded');
    expect(unchanged?.version).toBe(degraded?.version);
    expect((await db.store.get(cluster.id))?.health).toMatchObject({ status: 'healthy', reasons: [] });
    expect(await timelineTypes(cluster.id)).toEqual(['cluster.degraded', 'cluster.recovered']);
    expect(started).toHaveLength(2);
  });

  it('rewrites an unchanged finding’s checkedAt only once it is an hour old (an UpdateItem is charged on the whole item)', async () => {
    // Prepare
    const cluster = await stored({});
    const world = { stack: {}, instances: [node('manager'), node('worker')] };
    await sweepHealth(deps(world, '2026-11-26T13:00:00.000Z').sweepDeps);

    // Act
    await sweepHealth(deps(world, '2026-11-26T13:05:00.000Z').sweepDeps);
    const within = await db.store.get(cluster.id);
    await sweepHealth(deps(world, '2026-11-26T14:00:00.000Z').sweepDeps);
    const after = await db.store.get(cluster.id);

    // Assess
    expect(within?.health?.checkedAt).toBe('2026-11-26T13:00:00.000Z');
    expect(after?.health?.checkedAt).toBe('2026-11-26T14:00:00.000Z');
    expect(after?.version).toBe(cluster.version);
  });

  it('records a first healthy finding with no event', async () => {
    // Prepare
    const cluster = await stored({});
    const { sweepDeps, started } = deps({ stack: {}, instances: [node('manager'), node('worker')] });

    // Act
    const summary = await sweepHealth(sweepDeps);

    // Assess
    expect(summary).toMatchObject({ examined: 1, healthy: 1, changed: 0 });
    expect((await db.store.get(cluster.id))?.health?.status).toBe('healthy');
    expect(await timelineTypes(cluster.id)).toEqual([]);
    expect(started).toEqual([]);
  });

  it('looks only at READY and HIBERNATED clusters (the sparse index)', async () => {
    // Prepare
    await stored({ status: 'CREATING' });
    await stored({ status: 'FAILED' });
    await stored({ status: 'HIBERNATED' });
    const { sweepDeps } = deps({ stack: {}, instances: [node('manager')] });

    // Act
    const summary = await sweepHealth(sweepDeps);

    // Assess
    expect(summary.examined).toBe(1);
  });

  it('does not clobber a transition that happened between its read and its write', async () => {
    // Prepare
    const cluster = await stored({});
    const { sweepDeps } = deps({ stack: undefined, instances: [] });
    // The owner's delete lands while DescribeStacks is in flight.
    sweepDeps.stacks = {
      describeStack: async () => {
        await db.store.update(cluster, { status: 'DELETING', statusReason: 'delete requested' });
        return undefined;
      },
    };

    // Act
    const summary = await sweepHealth(sweepDeps);

    // Assess
    const after = await db.store.get(cluster.id);
    expect(summary.raced).toBe(1);
    expect(after?.status).toBe('DELETING');
    expect(after?.health).toBeUndefined();
  });

  it('asks SSM only about running managers, and finds a hung one unreachable', async () => {
    // Prepare
    const cluster = await stored({ parameters: threeManagers });
    const { sweepDeps, askedAgentsOf, markedUnhealthy } = deps(hungManagerWorld());

    // Act
    const summary = await sweepHealth(sweepDeps);

    // Assess
    expect(askedAgentsOf).toEqual([['i-manager0', 'i-manager1', 'i-manager2']]);
    expect((await db.store.get(cluster.id))?.health?.reasons).toEqual([
      { code: 'manager_unreachable', message: '1 running manager unreachable (SSM agent ConnectionLost): i-manager1; one more loss and the swarm loses its Raft quorum', instanceIds: ['i-manager1'] },
    ]);
    expect(summary).toMatchObject({ degraded: 1, repaired: 0 });
    expect(markedUnhealthy).toEqual([]);
  });

  it('with autoRepair, has the group replace a manager unreachable on two runs in a row, and says so on the timeline', async () => {
    // Prepare
    const cluster = await stored({ parameters: threeManagers, autoRepair: true });
    const { sweepDeps, markedUnhealthy } = deps(hungManagerWorld());

    // Act
    const first = await sweepHealth(sweepDeps);
    const second = await sweepHealth(sweepDeps);

    // Assess
    expect(first.repaired).toBe(0);
    expect(second.repaired).toBe(1);
    expect(markedUnhealthy).toEqual(['i-manager1']);
    const events = (await db.store.listEvents(cluster.id, { limit: 100 })).items;
    expect(events.map((event) => event.type)).toEqual(['cluster.degraded', 'node.repairing']);
    expect(events[1]).toMatchObject({ details: { instanceId: 'i-manager1' } });
    expect(events[1]?.message).toContain('i-manager1');
  });

  it('without autoRepair, never touches the group, however long a manager stays unreachable', async () => {
    // Prepare
    await stored({ parameters: threeManagers });
    const { sweepDeps, markedUnhealthy } = deps(hungManagerWorld());

    // Act
    await sweepHealth(sweepDeps);
    await sweepHealth(sweepDeps);
    await sweepHealth(sweepDeps);

    // Assess
    expect(markedUnhealthy).toEqual([]);
  });

  it('with autoRepair, waits while a replacement is under way in the manager group (one manager at a time)', async () => {
    // Prepare
    await stored({ parameters: threeManagers, autoRepair: true });
    const world = hungManagerWorld();
    const { sweepDeps, markedUnhealthy } = deps(world);
    await sweepHealth(sweepDeps);
    world.groups![0]!.instances.push({ instanceId: 'i-manager9', lifecycleState: 'Pending', healthStatus: 'Healthy' });

    // Act
    const summary = await sweepHealth(sweepDeps);

    // Assess
    expect(summary.repaired).toBe(0);
    expect(markedUnhealthy).toEqual([]);
  });
});
