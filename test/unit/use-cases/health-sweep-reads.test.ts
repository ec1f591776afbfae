/**
 * The health sweep's reads and its failure path, against the embedded DynamoDB (like sweep-health.test.ts) with plain
 * fakes for DescribeStacks and DescribeInstances: which stack it asks about, the clusters it must skip after the
 * listing, what the timeline says of a first bad finding, and a webhook that cannot be scheduled.
 * DescribeStacks accepts a stack's name or its unique id, and only the id still finds a deleted stack
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html, StackName).
 */
import type { Cluster, ClusterNode } from '../../../src/domain/cluster';
import type { ClusterStore } from '../../../src/use-cases/ports';
import { sweepHealth, type HealthSweepDeps } from '../../../src/use-cases/sweep-health';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeEach(async () => {
  db = await startTestDynamoDB();
});
afterEach(() => db.close());

const running = (role: 'manager' | 'worker', i = 0): ClusterNode => ({ instanceId: `i-${role}${i}`, role, availabilityZone: 'us-east-1a', state: 'running' });

async function stored(overrides: Partial<Cluster> = {}): Promise<Cluster> {
  const cluster = aCluster({
    status: 'READY',
    parameters: { ...aCluster().parameters, managers: 1, workers: 1 },
    webhook: { url: 'https://example.com/hook', events: ['cluster.degraded'], secret: 's' },
    ...overrides,
  });
  await db.store.create(cluster);
  return cluster;
}

function deps(options: { instances: ClusterNode[]; store?: ClusterStore; failSchedule?: boolean }) {
  const askedFor: string[] = [];
  const sweepDeps: HealthSweepDeps = {
    store: options.store ?? db.store,
    stacks: {
      describeStack: async (_region, stackNameOrId) => {
        askedFor.push(stackNameOrId);
        return { stackId: 'stack-1', stackName: 'swarm-x', status: 'CREATE_COMPLETE', outputs: {}, tags: {} };
      },
    },
    instances: { instancesOfCluster: async () => options.instances },
    // No groups and no agents listed: these tests are about the stack and instance reads (the groups' and agents'
    // findings are sweep-health.test.ts's).
    groups: { groupsOfCluster: async () => [], markUnhealthy: async () => {} },
    agents: { agentsOf: async () => [] },
    clock: fixedClock('2026-11-26T13:00:00.000Z'),
    deliveries: db.deliveries,
    deliveryWorkflow: {
      start: async () => {
        if (options.failSchedule) throw new Error('StartExecution throttled');
        return 'arn:delivery';
      },
    },
    batchSize: 100,
  };
  return { sweepDeps, askedFor };
}

describe('the health sweep’s reads', () => {
  it('asks DescribeStacks by the stack id when the record has one, and by the stack name otherwise', async () => {
    // Prepare
    const withId = await stored({ stackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/swarm-a/1' });
    const withoutId = await stored();
    const { sweepDeps, askedFor } = deps({ instances: [running('manager'), running('worker')] });

    // Act
    await sweepHealth(sweepDeps);

    // Assess
    expect(askedFor.sort()).toEqual([withId.stackId, withoutId.stackName].sort());
  });

  it('skips a cluster that started changing, or vanished, between the listing and its own read', async () => {
    // Prepare: the index still lists both; the consistent read sees one UPDATING and the other gone.
    const updating = await stored();
    const gone = await stored();
    const store: ClusterStore = {
      ...db.store,
      get: async (id) => {
        if (id === gone.id) return undefined;
        const cluster = await db.store.get(id);
        return cluster && id === updating.id ? { ...cluster, status: 'UPDATING' } : cluster;
      },
    };
    const { sweepDeps, askedFor } = deps({ instances: [], store });

    // Act
    const summary = await sweepHealth(sweepDeps);

    // Assess
    expect(summary).toMatchObject({ examined: 2, healthy: 0, degraded: 0, drifted: 0, changed: 0, failed: 0 });
    expect(askedFor).toEqual([]);
  });
});

describe('a changed finding on the timeline', () => {
  it('says what the health is now and that it was healthy before the first bad finding', async () => {
    // Prepare
    const cluster = await stored({ stackId: 'stack-1' });
    const { sweepDeps } = deps({ instances: [running('manager')] });

    // Act
    await sweepHealth(sweepDeps);

    // Assess
    const [event] = (await db.store.listEvents(cluster.id, { limit: 10 })).items;
    expect(event).toMatchObject({
      type: 'cluster.degraded',
      message: 'cluster is degraded: 1 of 2 instances running',
      details: { status: 'degraded', previous: 'healthy', reasons: [{ code: 'instances_missing', message: '1 of 2 instances running' }] },
    });
  });

  it('keeps the finding and says the webhook was not sent when its delivery cannot be scheduled', async () => {
    // Prepare
    const cluster = await stored({ stackId: 'stack-1' });
    const { sweepDeps } = deps({ instances: [running('manager')], failSchedule: true });

    // Act
    const summary = await sweepHealth(sweepDeps);

    // Assess
    expect(summary).toMatchObject({ degraded: 1, changed: 1, failed: 0 });
    expect((await db.store.get(cluster.id))?.health?.status).toBe('degraded');
    const events = (await db.store.listEvents(cluster.id, { limit: 10 })).items.map((event) => [event.type, event.message]);
    expect(events).toContainEqual(['webhook.failed', 'cluster.degraded the delivery could not be scheduled; it was not sent']);
    const [delivery] = (await db.deliveries.list(cluster.id, { limit: 10 })).items;
    expect(delivery?.status).toBe('failed');
  });
});
