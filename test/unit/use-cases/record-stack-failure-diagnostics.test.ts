import { buildDiagnosticsStore } from '../../../src/adapters/dynamodb/diagnostics-store';
import type { StackEventView } from '../../../src/domain/stack';
import { recordStackFailure } from '../../../src/use-cases/record-stack-outcome';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeFollowUps, fakeInstances, fakeStacks } from '../../support/fakes';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const FAILED_JOIN = [
  'cloud-init[2011]: + docker swarm join --token SWMTKN-1-abcdef0123456789-xyz 10.0.1.10:2377',
  'cloud-init[2011]: Error response from daemon: Timeout was reached before node joined.',
].join('\n');

const event = (at: string, status: string, reason: string): StackEventView => ({
  timestamp: at,
  logicalResourceId: 'ManagerAsg',
  resourceType: 'AWS::AutoScaling::AutoScalingGroup',
  resourceStatus: status,
  resourceStatusReason: reason,
});

async function failedCreate(events: StackEventView[], logs: Record<string, string>, tagged: string[] = []) {
  const cluster = aCluster({ status: 'CREATING' });
  await db.store.create(cluster);
  const read: string[] = [];
  const diagnostics = buildDiagnosticsStore(db.documents, 'clusters');
  const deps = {
    store: db.store,
    clock: fixedClock(),
    quotas: db.quotas,
    followUps: fakeFollowUps().followUps,
    stacks: fakeStacks([], events).gateway,
    instances: fakeInstances(tagged.map((instanceId) => ({ instanceId }))).inventory,
    diagnostics,
    consoleOutput: {
      consoleOutput: async (_region: string, id: string) => {
        read.push(id);
        return logs[id];
      },
    },
  };
  await recordStackFailure(deps, { clusterId: cluster.id, stackId: 'stack-1' });
  return { cluster: (await db.store.get(cluster.id))!, stored: await diagnostics.get(cluster.id), read, timeline: (await db.store.listEvents(cluster.id, { limit: 50 })).items };
}

describe('recording a failed create whose nodes did not come up', () => {
  it('reads the node that signalled FAILURE, puts its log’s cause in the reason, stores it redacted and links it', async () => {
    const events = [
      event('2026-01-01T00:00:01Z', 'CREATE_IN_PROGRESS', 'Received FAILURE signal with UniqueId i-0bad'),
      event('2026-01-01T00:00:02Z', 'CREATE_FAILED', 'Received 1 FAILURE signal(s) out of 3. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement'),
    ];

    const { cluster, stored, read, timeline } = await failedCreate(events, { 'i-0bad': FAILED_JOIN }, ['i-0good']);

    expect(read).toEqual(['i-0bad']);
    expect(cluster.status).toBe('FAILED');
    expect(cluster.statusReason).toBe(
      'ManagerAsg (AWS::AutoScaling::AutoScalingGroup) CREATE_FAILED: Received 1 FAILURE signal(s) out of 3. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement; node log i-0bad: cloud-init[2011]: Error response from daemon: Timeout was reached before node joined.',
    );
    expect(stored?.nodes[0]?.consoleOutput).toContain('--token [REDACTED]');
    expect(JSON.stringify(stored)).not.toContain('SWMTKN');
    expect(timeline.find((e) => e.type === 'diagnostics.collected')?.details).toMatchObject({ href: `/clusters/${cluster.id}/diagnostics`, nodes: 1 });
  });

  it('reads the cluster’s instances by tag after a signal timeout, and keeps the reason when no log says why', async () => {
    const events = [event('2026-01-01T00:00:02Z', 'CREATE_FAILED', 'Received 0 SUCCESS signals out of 2. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement')];

    const { cluster, stored, read } = await failedCreate(events, { 'i-01': 'booting...' }, ['i-01', 'i-02']);

    expect(read).toEqual(['i-01', 'i-02']);
    expect(cluster.statusReason).toBe('ManagerAsg (AWS::AutoScaling::AutoScalingGroup) CREATE_FAILED: Received 0 SUCCESS signals out of 2. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement');
    expect(stored?.nodes.map((n) => n.consoleOutput)).toEqual(['booting...', '']);
  });

  it('collects nothing when the failure is not about nodes (a vCPU limit)', async () => {
    const events = [event('2026-01-01T00:00:02Z', 'CREATE_FAILED', 'You have requested more vCPU capacity than your current vCPU limit of 32 allows')];

    const { cluster, stored, read } = await failedCreate(events, {}, ['i-01']);

    expect(read).toEqual([]);
    expect(stored).toBeUndefined();
    expect(cluster.status).toBe('FAILED');
  });
});
