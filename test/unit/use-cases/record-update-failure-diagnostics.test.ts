/**
 * An update whose new nodes did not come up: the outcome step reads the console output of the nodes the update
 * launched and puts the line of their log that says why into the reason, as a failed create does. The stack events
 * are CloudFormation's for an Auto Scaling group's rolling update with WaitOnResourceSignals ("Received FAILURE
 * signal with UniqueId …", "Received 1 FAILURE signal(s) out of 1. Unable to satisfy 100%
 * MinSuccessfulInstancesPercent requirement": UpdatePolicy attribute,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html).
 */
import { buildDiagnosticsStore } from '../../../src/adapters/dynamodb/diagnostics-store';
import type { Cluster, ClusterUpdate } from '../../../src/domain/cluster';
import type { StackEventView } from '../../../src/domain/stack';
import { recordUpdateOutcome } from '../../../src/use-cases/update-cluster-stack';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeFollowUps, fakeInstances, fakeQuotas, fakeStacks } from '../../support/fakes';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const UPDATE_AT = '2026-11-26T13:00:00.000Z';
const FAILED_JOIN = [
  'cloud-init[2011]: + docker swarm join --token SWMTKN-1-abcdef0123456789-xyz 10.0.1.10:2377',
  'cloud-init[2011]: Error response from daemon: Timeout was reached before node joined.',
].join('\n');

const groupEvent = (at: string, status: string, reason: string): StackEventView => ({
  timestamp: at,
  logicalResourceId: 'NodeAsg',
  resourceType: 'AWS::AutoScaling::AutoScalingGroup',
  resourceStatus: status,
  resourceStatusReason: reason,
});

async function failedUpdate(stackStatus: string, events: StackEventView[], logs: Record<string, string>) {
  const base = aCluster({ status: 'UPDATING', stackId: 'stack-1' });
  const update: ClusterUpdate = { id: 'u7', operation: 'scale', target: { ...base.parameters, workers: 3 }, previous: base.parameters, requestedAt: UPDATE_AT, requestedBy: 'alice' };
  const cluster: Cluster = { ...base, update };
  await db.store.create(cluster);
  const read: string[] = [];
  const diagnostics = buildDiagnosticsStore(db.documents, 'clusters');
  const deps = {
    store: db.store,
    clock: fixedClock('2026-11-26T13:10:00.000Z'),
    quotas: fakeQuotas().quotas,
    followUps: fakeFollowUps().followUps,
    stacks: fakeStacks([{ stackId: 'stack-1', status: stackStatus }], events).gateway,
    instances: fakeInstances([
      { instanceId: 'i-old1', role: 'worker', availabilityZone: 'us-east-1a', launchedAt: '2026-11-26T12:00:00.000Z' },
      { instanceId: 'i-0e1f', role: 'worker', availabilityZone: 'us-east-1b', launchedAt: '2026-11-26T13:00:02.000Z' },
    ]).inventory,
    instanceWaits: db.instanceWaits,
    quotaLimits: { maxActiveClusters: 5, maxInstances: 50 },
    diagnostics,
    consoleOutput: {
      consoleOutput: async (_region: string, id: string) => {
        read.push(id);
        return logs[id];
      },
    },
  };
  await recordUpdateOutcome(deps, { clusterId: cluster.id, updateId: 'u7', stackId: 'stack-1', stackStatus });
  return { cluster: (await db.store.get(cluster.id))!, stored: await diagnostics.get(cluster.id), read, timeline: (await db.store.listEvents(cluster.id, { limit: 50 })).items };
}

describe('recording an update whose new nodes did not come up', () => {
  it('rolled back: reads the node that signalled FAILURE and puts its log’s cause in lastUpdate.reason, redacted and linked', async () => {
    const events = [
      groupEvent('2026-11-26T13:00:04Z', 'UPDATE_IN_PROGRESS', 'Received FAILURE signal with UniqueId i-0e1f'),
      groupEvent('2026-11-26T13:00:05Z', 'UPDATE_FAILED', 'Received 1 FAILURE signal(s) out of 1. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement'),
    ];

    const { cluster, stored, read, timeline } = await failedUpdate('UPDATE_ROLLBACK_COMPLETE', events, { 'i-0e1f': FAILED_JOIN });

    expect(read).toEqual(['i-0e1f']);
    expect(cluster.status).toBe('READY');
    expect(cluster.lastUpdate?.reason).toBe(
      'NodeAsg (AWS::AutoScaling::AutoScalingGroup) UPDATE_FAILED: Received 1 FAILURE signal(s) out of 1. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement; node log i-0e1f: cloud-init[2011]: Error response from daemon: Timeout was reached before node joined.',
    );
    expect(cluster.statusReason).toContain('node log i-0e1f: ');
    expect(stored).toMatchObject({ trigger: 'update-failed', cause: expect.stringContaining('Timeout was reached before node joined') });
    expect(JSON.stringify(stored)).not.toContain('SWMTKN');
    expect(timeline.find((e) => e.type === 'diagnostics.collected')?.details).toMatchObject({ href: `/clusters/${cluster.id}/diagnostics`, trigger: 'update-failed' });
  });

  it('rollback failed too: UPDATE_FAILED whose reason names the node log', async () => {
    const events = [
      groupEvent('2026-11-26T13:00:04Z', 'UPDATE_IN_PROGRESS', 'Received FAILURE signal with UniqueId i-0e1f'),
      groupEvent('2026-11-26T13:00:05Z', 'UPDATE_FAILED', 'Received 1 FAILURE signal(s) out of 1. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement'),
    ];

    const { cluster } = await failedUpdate('UPDATE_ROLLBACK_FAILED', events, { 'i-0e1f': FAILED_JOIN });

    expect(cluster.status).toBe('UPDATE_FAILED');
    expect(cluster.statusReason).toMatch(/UPDATE_ROLLBACK_FAILED.*; node log i-0e1f: .*Timeout was reached before node joined/);
  });

  it('a signal timeout reads only the instances the update launched, not the cluster’s older nodes', async () => {
    const events = [groupEvent('2026-11-26T13:00:05Z', 'UPDATE_FAILED', 'Received 0 SUCCESS signals out of 1. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement')];

    const { read, stored } = await failedUpdate('UPDATE_ROLLBACK_COMPLETE', events, { 'i-0e1f': 'booting...' });

    expect(read).toEqual(['i-0e1f']);
    expect(stored?.nodes.map((n) => n.instanceId)).toEqual(['i-0e1f']);
  });

  it('collects nothing when the failure is not about nodes (a vCPU limit)', async () => {
    const events = [groupEvent('2026-11-26T13:00:05Z', 'UPDATE_FAILED', 'You have requested more vCPU capacity than your current vCPU limit of 32 allows')];

    const { cluster, stored, read } = await failedUpdate('UPDATE_ROLLBACK_COMPLETE', events, {});

    expect(read).toEqual([]);
    expect(stored).toBeUndefined();
    expect(cluster.lastUpdate?.reason).not.toContain('node log');
  });
});
