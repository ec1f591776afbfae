/**
 * The reaper on the embedded DynamoDB with an injected clock: it finds candidates through its index, reminds once per
 * deadline, deletes at the deadline with the reason, and never deletes a cluster that saw activity after it looked.
 * The reminder goes through the durable webhook delivery (a delivery record, then its own workflow); Step Functions is
 * a fake, the store, the delivery log and their conditional writes are real.
 */
import type { Cluster } from '../../src/domain/cluster';
import { TransientAwsError } from '../../src/domain/errors';
import type { ClusterStore, DeliveryExecutionInput, DeliveryWorkflow } from '../../src/use-cases/ports';
import { reapClusters } from '../../src/use-cases/reap-clusters';
import { recordClusterActivity } from '../../src/use-cases/record-cluster-activity';
import { updateClusterLifecycle } from '../../src/use-cases/update-cluster-lifecycle';
import { aCluster } from '../support/clusters';
import { fixedClock, startTestDynamoDB } from '../support/dynamodb';
import { fakeFollowUps, fakeQuotas, fakeWorkflows } from '../support/fakes';

const T0 = '2026-11-26T12:00:00.000Z';
const SECOND = 1000;

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
let clock: ReturnType<typeof fixedClock>;
let workflows: ReturnType<typeof fakeWorkflows>;
let scheduled: Omit<DeliveryExecutionInput, 'attempt'>[];
let commands: string[];

beforeEach(async () => {
  db = await startTestDynamoDB();
  clock = fixedClock(T0);
  workflows = fakeWorkflows();
  scheduled = [];
  commands = [];
  db.client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommandNames' },
  );
});
afterEach(() => db.close());

const deliveryWorkflow: DeliveryWorkflow = {
  start: async (input) => {
    scheduled.push(input);
    return `arn:aws:states:us-east-1:000000000000:execution:deliver-webhook:${input.deliveryId}_r${input.round}`;
  },
};

const reap = (store: ClusterStore = db.store, options: { lead?: number; batchSize?: number; deliveryWorkflow?: DeliveryWorkflow } = {}) =>
  reapClusters({
    store,
    workflows: workflows.workflows,
    clock,
    quotas: fakeQuotas().quotas,
    quotaLimits: { maxActiveClusters: 10, maxInstances: 100 },
    followUps: fakeFollowUps().followUps,
    deliveries: db.deliveries,
    deliveryWorkflow: options.deliveryWorkflow ?? deliveryWorkflow,
    reminderLeadSeconds: options.lead ?? 30,
    batchSize: options.batchSize ?? 200,
  });

async function readyCluster(overrides: Partial<Cluster> = {}): Promise<Cluster> {
  const cluster = aCluster({
    status: 'READY',
    requestedAt: T0,
    readyAt: T0,
    lastActivityAt: T0,
    webhook: { url: 'https://hooks.example.com/x', events: ['cluster.expiring', 'cluster.deleted'], secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' },
    ...overrides,
  });
  await db.store.create(cluster);
  return cluster;
}

const at = (seconds: number) => {
  clock.advance(Date.parse(T0) + seconds * SECOND - clock.now().getTime());
};
/** The cluster.expiring deliveries the reaper scheduled, oldest first, as the bodies their workflows will send. */
type Reminder = { data: { cluster: { id: string; autoDeleteAt?: string }; expiring?: { action: string; at: string; reason: string } } };
async function reminders(): Promise<Reminder[]> {
  const bodies = [];
  for (const { clusterId, deliveryId } of scheduled) {
    const delivery = (await db.deliveries.get(clusterId, deliveryId))!;
    if (delivery.eventType === 'cluster.expiring') bodies.push(JSON.parse(delivery.body) as Reminder);
  }
  return bodies;
}

/**
 * The store as the reaper sees it when activity lands between its consistent read and its write: the first read
 * returns the record as it was, then the owner's activity is recorded. Once: a second read would see the activity,
 * and only the first read is the one the reaper decides on.
 */
function activityAfterFirstRead(owner: string): ClusterStore {
  let raced = false;
  return {
    ...db.store,
    get: async (id) => {
      const seen = await db.store.get(id);
      if (!raced) await recordClusterActivity({ store: db.store, clock }, { caller: owner, id });
      raced = true;
      return seen;
    },
  };
}

describe('the reaper', () => {
  it('idleAction hibernate: reminded that it will be hibernated, then hibernated (not deleted) through the update workflow, as the reaper', async () => {
    const cluster = await readyCluster({ idleTimeout: 'PT1M', idleAction: 'hibernate' });

    at(31);
    const reminded = await reap();
    at(61);
    const acted = await reap();

    expect(reminded).toMatchObject({ reminded: 1, deleted: 0, hibernated: 0 });
    expect(acted).toMatchObject({ deleted: 0, hibernated: 1 });
    const after = await db.store.get(cluster.id);
    expect(after).toMatchObject({
      status: 'UPDATING',
      statusReason: `idle for PT1M (no activity since ${T0}): hibernating`,
      hibernatedWorkers: cluster.parameters.workers,
      update: { operation: 'hibernate', requestedBy: 'reaper', target: { ...cluster.parameters, workers: 0 }, previous: cluster.parameters },
      lastActivityAt: T0,
    });
    expect(workflows.updates).toEqual([{ clusterId: cluster.id, updateId: after!.update!.id }]);
    expect(workflows.started).toEqual([]);
    const expiring = (await db.store.listEvents(cluster.id, { limit: 20 })).items.find((e) => e.type === 'cluster.expiring');
    expect(expiring?.message).toBe('will be hibernated at 2026-11-26T12:01:00.000Z (workers scaled to 0, managers kept; wake restores them): it has been idle for PT1M');
    // The webhook says it too: a hibernation is not a deletion (no autoDeleteAt: nothing will delete it).
    const [reminder] = await reminders();
    expect(reminder?.data.expiring).toEqual({ action: 'hibernate', at: '2026-11-26T12:01:00.000Z', reason: 'idle' });
    expect(reminder?.data.cluster.autoDeleteAt).toBeUndefined();
  });

  it('never touches a cluster mid-operation, and does not idle-reap a HIBERNATED one (its expiry still deletes it)', async () => {
    const updating = await readyCluster({ status: 'UPDATING', idleTimeout: 'PT1M', expiresAt: '2026-11-26T12:00:30.000Z' });
    const hibernatedIdle = await readyCluster({ status: 'HIBERNATED', idleTimeout: 'PT1M' });
    const hibernatedExpiring = await readyCluster({ status: 'HIBERNATED', idleTimeout: 'PT1M', expiresAt: '2026-11-26T12:05:00.000Z' });

    at(3600);
    const summary = await reap();

    expect(summary).toMatchObject({ examined: 1, deleted: 1, hibernated: 0 });
    expect((await db.store.get(updating.id))!.status).toBe('UPDATING');
    expect((await db.store.get(hibernatedIdle.id))!.status).toBe('HIBERNATED');
    expect(await db.store.get(hibernatedExpiring.id)).toMatchObject({ status: 'DELETING', deleteReason: 'expired' });
  });

  it('idleTimeout PT1M with no activity: reminded within the lead time, once, then deleted at the deadline with reason idle', async () => {
    const cluster = await readyCluster({ idleTimeout: 'PT1M' });

    at(20);
    const early = await reap();
    at(31);
    const reminded = await reap();
    at(45);
    const quiet = await reap();
    at(61);
    const deleted = await reap();

    expect(early).toMatchObject({ examined: 0, reminded: 0, deleted: 0 });
    expect(reminded).toMatchObject({ reminded: 1, deleted: 0 });
    expect(quiet).toMatchObject({ examined: 1, reminded: 0, deleted: 0 });
    expect(deleted).toMatchObject({ reminded: 0, deleted: 1 });
    expect(await reminders()).toEqual([
      expect.objectContaining({
        data: {
          cluster: expect.objectContaining({ id: cluster.id, autoDeleteAt: '2026-11-26T12:01:00.000Z' }),
          expiring: { action: 'delete', at: '2026-11-26T12:01:00.000Z', reason: 'idle' },
        },
      }),
    ]);
    expect(await db.store.get(cluster.id)).toMatchObject({
      status: 'DELETING',
      deleteReason: 'idle',
      statusReason: `idle for PT1M (no activity since ${T0}): deleting`,
      lastActivityAt: T0,
    });
    expect(workflows.started).toEqual([{ clusterId: cluster.id, request: 1 }]);
    const timeline = (await db.store.listEvents(cluster.id, { limit: 20 })).items.map((e) => e.type);
    expect(timeline.indexOf('cluster.expiring')).toBeLessThan(timeline.indexOf('cluster.delete_requested'));
  });

  it('a cluster that records activity in time is not deleted; its new deadline gets its own reminder', async () => {
    const cluster = await readyCluster({ idleTimeout: 'PT1M' });

    at(31);
    await reap();
    at(40);
    await recordClusterActivity({ store: db.store, clock }, { caller: cluster.owner, id: cluster.id });
    at(61);
    const atOldDeadline = await reap();
    at(71);
    await reap();

    expect(atOldDeadline.deleted).toBe(0);
    expect((await db.store.get(cluster.id))?.status).toBe('READY');
    expect((await reminders()).map((r) => r.data.cluster.autoDeleteAt)).toEqual(['2026-11-26T12:01:00.000Z', '2026-11-26T12:01:40.000Z']);
    expect(workflows.started).toEqual([]);
  });

  it('does not delete a cluster that saw activity after the reaper read it (the conditional write loses)', async () => {
    const cluster = await readyCluster({ idleTimeout: 'PT1M', expiryReminderFor: '2026-11-26T12:01:00.000Z' });
    const racing = activityAfterFirstRead(cluster.owner);

    at(61);
    const summary = await reap(racing);

    expect(summary).toMatchObject({ examined: 1, deleted: 0, raced: 1 });
    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'READY', lastActivityAt: '2026-11-26T12:01:01.000Z' });
    expect(workflows.started).toEqual([]);
  });

  it('does not hibernate an idle cluster that saw activity after the reaper read it (idleAction hibernate)', async () => {
    const cluster = await readyCluster({ idleTimeout: 'PT1M', idleAction: 'hibernate', expiryReminderFor: '2026-11-26T12:01:00.000Z' });
    const racing = activityAfterFirstRead(cluster.owner);

    at(61);
    const summary = await reap(racing);

    expect(summary).toMatchObject({ examined: 1, hibernated: 0, deleted: 0, raced: 1 });
    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'READY', lastActivityAt: '2026-11-26T12:01:01.000Z' });
    expect((await db.store.get(cluster.id))?.update).toBeUndefined();
    expect(workflows.updates).toEqual([]);
  });

  it('deletes the same idle cluster when no activity comes between its read and its write (the race above is the only difference)', async () => {
    const cluster = await readyCluster({ idleTimeout: 'PT1M', expiryReminderFor: '2026-11-26T12:01:00.000Z' });

    at(61);
    const summary = await reap();

    expect(summary).toMatchObject({ examined: 1, deleted: 1, raced: 0 });
    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'DELETING', deleteReason: 'idle' });
    expect(workflows.started).toEqual([{ clusterId: cluster.id, request: 1 }]);
  });

  it('an expiresAt in the past: reminded (late, but never skipped) and deleted in the same run, with reason expired', async () => {
    const cluster = await readyCluster({ expiresAt: '2026-11-26T11:59:00.000Z' });

    const summary = await reap();

    expect(summary).toMatchObject({ reminded: 1, deleted: 1 });
    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'DELETING', deleteReason: 'expired', statusReason: 'expired at 2026-11-26T11:59:00.000Z: deleting' });
    expect(await reminders()).toHaveLength(1);
  });

  it('follows PATCH: a new expiry is picked up, a cleared one takes the cluster out of the index', async () => {
    const cluster = await readyCluster();
    await updateClusterLifecycle({ store: db.store, clock }, { caller: cluster.owner, id: cluster.id, changes: { expiresAt: '2026-11-26T12:10:00.000Z' } });

    at(9 * 60 + 45);
    const reminded = await reap();
    await updateClusterLifecycle({ store: db.store, clock }, { caller: cluster.owner, id: cluster.id, changes: { expiresAt: null } });
    at(60 * 60);
    const cleared = await reap();

    expect(reminded.reminded).toBe(1);
    expect(cleared.examined).toBe(0);
    expect((await db.store.get(cluster.id))?.expiresAt).toBeUndefined();
  });

  it('leaves CREATING, DELETE_FAILED and clusters without a lifecycle out of its index, and never scans', async () => {
    await readyCluster({ status: 'CREATING', expiresAt: '2026-11-26T11:00:00.000Z' });
    await readyCluster({ status: 'DELETE_FAILED', expiresAt: '2026-11-26T11:00:00.000Z' });
    await readyCluster();

    const summary = await reap();

    expect(summary.examined).toBe(0);
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.filter((name) => /scan/i.test(name))).toEqual([]);
    expect(commands).toContain('QueryCommand');
  });

  it('handles at most its batch size in one run, earliest deadline first; the rest wait for the next run', async () => {
    const clusters = [];
    for (const minute of [3, 1, 2]) clusters.push(await readyCluster({ expiresAt: `2026-11-26T11:5${minute}:00.000Z`, expiryReminderFor: `2026-11-26T11:5${minute}:00.000Z` }));

    const first = await reap(db.store, { batchSize: 2 });
    const second = await reap(db.store, { batchSize: 2 });

    expect(first).toMatchObject({ examined: 2, deleted: 2 });
    expect(workflows.started.map((s) => s.clusterId)).toEqual([clusters[1]!.id, clusters[2]!.id, clusters[0]!.id]);
    expect(second).toMatchObject({ examined: 1, deleted: 1 });
  });

  it('the reminder is a durable delivery: pending with the exact body, handed to its own workflow, one per deadline', async () => {
    const cluster = await readyCluster({ idleTimeout: 'PT1M' });

    at(31);
    await reap();
    at(35);
    await reap();

    expect(scheduled).toHaveLength(1);
    const delivery = (await db.deliveries.get(cluster.id, scheduled[0]!.deliveryId))!;
    expect(delivery).toMatchObject({ eventType: 'cluster.expiring', status: 'pending', round: 1, attempts: [], clusterVersion: 2 });
    expect(scheduled[0]).toEqual({ clusterId: cluster.id, deliveryId: delivery.deliveryId, round: 1 });
  });

  it('a reminder whose delivery cannot be scheduled is marked failed and on the timeline; the deadline does not wait', async () => {
    const cluster = await readyCluster({ expiresAt: '2026-11-26T11:59:00.000Z' });
    const broken: DeliveryWorkflow = {
      start: async () => {
        throw new TransientAwsError('StartExecution failed');
      },
    };

    const summary = await reap(db.store, { deliveryWorkflow: broken });

    expect(summary).toMatchObject({ reminded: 1, deleted: 1, failed: 0 });
    expect((await db.store.get(cluster.id))?.status).toBe('DELETING');
    const [delivery] = (await db.deliveries.list(cluster.id, { limit: 10 })).items;
    expect(delivery).toMatchObject({ eventType: 'cluster.expiring', status: 'failed', statusReason: 'the delivery could not be scheduled; it was not sent' });
    const timeline = (await db.store.listEvents(cluster.id, { limit: 20 })).items.map((e) => e.type);
    expect(timeline).toEqual(expect.arrayContaining(['cluster.expiring', 'webhook.failed', 'cluster.delete_requested']));
  });
});
