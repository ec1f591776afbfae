/**
 * The reaper as a use case, on one dynalite for the file (each test its own clusters, and the reaper's index read
 * narrowed to them), a fixed clock and fake workflows: what it decides at the edges of its clocks (one ms before the
 * reminder lead, exactly at the deadline), what it writes, what it counts, and that one cluster's failure stops none.
 * The run over time, with activity racing it: test/integration/reaper.test.ts.
 */
import type { Cluster } from '../../../src/domain/cluster';
import { deliveryIdFor } from '../../../src/domain/delivery';
import type { ClusterStore, DeliveryExecutionInput, DeliveryStore, DeliveryWorkflow } from '../../../src/use-cases/ports';
import { reapClusters } from '../../../src/use-cases/reap-clusters';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeFollowUps, fakeQuotas, fakeWorkflows } from '../../support/fakes';

const T0 = '2026-11-26T12:00:00.000Z';
const DEADLINE = '2026-11-26T12:01:00.000Z';
const LEAD_SECONDS = 30;

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

/**
 * One test's reaper: its index read sees only this test's clusters (the table is shared by the file), and every
 * query it makes is kept.
 */
function harness(ids: string[], options: { store?: Partial<ClusterStore>; deliveryWorkflow?: DeliveryWorkflow; deliveries?: DeliveryStore; batchSize?: number } = {}) {
  const clock = fixedClock(T0);
  const workflows = fakeWorkflows();
  const queries: { until: string; limit: number; cursor?: string }[] = [];
  const scheduled: Omit<DeliveryExecutionInput, 'attempt'>[] = [];
  const store: ClusterStore = {
    ...db.store,
    listReapable: async (query) => {
      queries.push(query);
      const page = await db.store.listReapable({ ...query, limit: 100 });
      return { items: page.items.filter((c) => ids.includes(c.id)) };
    },
    ...options.store,
  };
  const deliveryWorkflow: DeliveryWorkflow = options.deliveryWorkflow ?? {
    start: async (input) => {
      scheduled.push(input);
      return `arn:aws:states:us-east-1:000000000000:execution:deliver-webhook:${input.deliveryId}_r${input.round}`;
    },
  };
  const reap = () =>
    reapClusters({
      store,
      workflows: workflows.workflows,
      clock,
      quotas: fakeQuotas().quotas,
      quotaLimits: { maxActiveClusters: 10, maxInstances: 100 },
      followUps: fakeFollowUps().followUps,
      deliveries: options.deliveries ?? db.deliveries,
      deliveryWorkflow,
      reminderLeadSeconds: LEAD_SECONDS,
      batchSize: options.batchSize ?? 200,
    });
  const at = (iso: string) => clock.advance(Date.parse(iso) - clock.now().getTime());
  return { clock, workflows, queries, scheduled, reap, at };
}

async function readyCluster(overrides: Partial<Cluster> = {}): Promise<Cluster> {
  const cluster = aCluster({
    status: 'READY',
    statusReason: 'ready',
    requestedAt: T0,
    readyAt: T0,
    lastActivityAt: T0,
    webhook: { url: 'https://hooks.example.com/x', events: ['cluster.expiring'], secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' },
    ...overrides,
  });
  await db.store.create(cluster);
  return cluster;
}

const timeline = async (id: string) => (await db.store.listEvents(id, { limit: 50 })).items.map(({ type, message, details }) => ({ type, message, details }));
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const NOTHING = { examined: 0, reminded: 0, deleted: 0, hibernated: 0, raced: 0, failed: 0 };

describe('the reaper, one run', () => {
  it('asks its index for deadlines up to now plus the reminder lead, a page of at most 100 (or the batch size)', async () => {
    // Prepare
    const big = harness([]);
    const small = harness([], { batchSize: 7 });

    // Act
    const summary = await big.reap();
    await small.reap();

    // Assess
    expect(summary).toEqual(NOTHING);
    expect(big.queries).toEqual([{ until: '2026-11-26T12:00:30.000Z', limit: 100 }]);
    expect(small.queries).toEqual([{ until: '2026-11-26T12:00:30.000Z', limit: 7 }]);
  });

  it('one ms before the reminder lead: the index does not offer it, nothing is done', async () => {
    // Prepare
    const cluster = await readyCluster({ expiresAt: DEADLINE });
    const h = harness([cluster.id]);
    h.at(plus(DEADLINE, -LEAD_SECONDS * 1000 - 1));

    // Act
    const summary = await h.reap();

    // Assess
    expect(summary).toEqual(NOTHING);
    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'READY', version: cluster.version });
    expect(await timeline(cluster.id)).toEqual([]);
  });

  it('within the lead, already reminded for this deadline: looks, and writes nothing', async () => {
    // Prepare
    const cluster = await readyCluster({ expiresAt: DEADLINE, expiryReminderFor: DEADLINE });
    const h = harness([cluster.id]);
    h.at(plus(DEADLINE, -1));

    // Act
    const summary = await h.reap();

    // Assess
    expect(summary).toEqual({ ...NOTHING, examined: 1 });
    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'READY', version: cluster.version });
    expect(await timeline(cluster.id)).toEqual([]);
    expect(h.scheduled).toEqual([]);
  });

  it('within the lead: marks the reminder for this deadline, puts it on the timeline, and schedules cluster.expiring for the new version', async () => {
    // Prepare
    const cluster = await readyCluster({ expiresAt: DEADLINE });
    const h = harness([cluster.id]);
    h.at(plus(DEADLINE, -1));

    // Act
    const summary = await h.reap();

    // Assess
    expect(summary).toEqual({ ...NOTHING, examined: 1, reminded: 1 });
    const after = await db.store.get(cluster.id);
    expect(after).toMatchObject({ status: 'READY', expiryReminderFor: DEADLINE, updatedAt: plus(DEADLINE, -1), version: cluster.version + 1 });
    expect(await timeline(cluster.id)).toEqual([
      { type: 'cluster.expiring', message: `will be deleted at ${DEADLINE}: it expires`, details: { deleteAt: DEADLINE, reason: 'expired', action: 'delete' } },
    ]);
    const deliveryId = deliveryIdFor(cluster.id, 'cluster.expiring', cluster.version + 1);
    expect(h.scheduled).toEqual([{ clusterId: cluster.id, deliveryId, round: 1 }]);
    expect(await db.deliveries.get(cluster.id, deliveryId)).toMatchObject({ eventType: 'cluster.expiring', status: 'pending', clusterVersion: cluster.version + 1 });
  });

  it('exactly at the deadline, never reminded: reminds first, then begins the delete with reason expired', async () => {
    // Prepare
    const cluster = await readyCluster({ expiresAt: DEADLINE });
    const h = harness([cluster.id]);
    h.at(DEADLINE);

    // Act
    const summary = await h.reap();

    // Assess
    expect(summary).toEqual({ ...NOTHING, examined: 1, reminded: 1, deleted: 1 });
    expect(await db.store.get(cluster.id)).toMatchObject({
      status: 'DELETING',
      deleteReason: 'expired',
      statusReason: `expired at ${DEADLINE}: deleting`,
      expiryReminderFor: DEADLINE,
      lastActivityAt: T0,
      version: cluster.version + 2,
    });
    expect(h.workflows.started).toEqual([{ clusterId: cluster.id, request: 1 }]);
    expect((await timeline(cluster.id)).map((e) => e.type)).toEqual(['cluster.expiring', 'cluster.delete_requested', 'workflow.started']);
    expect(h.scheduled).toHaveLength(1);
  });

  it('past the deadline, already reminded for it: deletes without a second reminder', async () => {
    // Prepare
    const cluster = await readyCluster({ expiresAt: DEADLINE, expiryReminderFor: DEADLINE });
    const h = harness([cluster.id]);
    h.at(plus(DEADLINE, 1));

    // Act
    const summary = await h.reap();

    // Assess
    expect(summary).toEqual({ ...NOTHING, examined: 1, deleted: 1 });
    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'DELETING', deleteReason: 'expired' });
    expect((await timeline(cluster.id)).map((e) => e.type)).toEqual(['cluster.delete_requested', 'workflow.started']);
    expect(h.scheduled).toEqual([]);
  });

  it('idle with idleAction hibernate: reminds with hibernateAt, then hibernates as the reaper instead of deleting', async () => {
    // Prepare
    const cluster = await readyCluster({ idleTimeout: 'PT1M', idleAction: 'hibernate' });
    const h = harness([cluster.id]);
    h.at(DEADLINE);

    // Act
    const summary = await h.reap();

    // Assess
    expect(summary).toEqual({ ...NOTHING, examined: 1, reminded: 1, hibernated: 1 });
    expect(await db.store.get(cluster.id)).toMatchObject({
      status: 'UPDATING',
      statusReason: `idle for PT1M (no activity since ${T0}): hibernating`,
      update: { operation: 'hibernate', requestedBy: 'reaper' },
      lastActivityAt: T0,
    });
    expect(h.workflows.started).toEqual([]);
    expect(h.workflows.updates).toHaveLength(1);
    const [expiring] = await timeline(cluster.id);
    expect(expiring).toEqual({
      type: 'cluster.expiring',
      message: `will be hibernated at ${DEADLINE} (workers scaled to 0, managers kept; wake restores them): it has been idle for PT1M`,
      details: { hibernateAt: DEADLINE, reason: 'idle', action: 'hibernate' },
    });
  });

  it('idle with the default action: deletes with reason idle', async () => {
    // Prepare
    const cluster = await readyCluster({ idleTimeout: 'PT1M', expiryReminderFor: DEADLINE });
    const h = harness([cluster.id]);
    h.at(DEADLINE);

    // Act
    const summary = await h.reap();

    // Assess
    expect(summary).toEqual({ ...NOTHING, examined: 1, deleted: 1 });
    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'DELETING', deleteReason: 'idle', statusReason: `idle for PT1M (no activity since ${T0}): deleting` });
  });

  it('a reminder whose delivery cannot be scheduled: the timeline and the delivery log say so, and the delete still begins', async () => {
    // Prepare
    const cluster = await readyCluster({ expiresAt: DEADLINE });
    const h = harness([cluster.id], {
      deliveryWorkflow: {
        start: async () => {
          throw new Error('states unavailable');
        },
      },
    });
    h.at(DEADLINE);

    // Act
    const summary = await h.reap();

    // Assess
    expect(summary).toEqual({ ...NOTHING, examined: 1, reminded: 1, deleted: 1 });
    const deliveryId = deliveryIdFor(cluster.id, 'cluster.expiring', cluster.version + 1);
    expect(await db.deliveries.get(cluster.id, deliveryId)).toMatchObject({ status: 'failed', statusReason: 'the delivery could not be scheduled; it was not sent' });
    expect((await timeline(cluster.id)).map((e) => e.type)).toEqual(['cluster.expiring', 'webhook.failed', 'cluster.delete_requested', 'workflow.started']);
    expect((await db.store.get(cluster.id))!.status).toBe('DELETING');
  });

  it('a reminder whose failure cannot even be recorded still leaves the delete to go ahead', async () => {
    // Prepare
    const cluster = await readyCluster({ expiresAt: DEADLINE });
    const h = harness([cluster.id], {
      deliveryWorkflow: {
        start: async () => {
          throw new Error('states unavailable');
        },
      },
      deliveries: {
        ...db.deliveries,
        get: async () => {
          throw new Error('dynamodb unavailable');
        },
      },
    });
    h.at(DEADLINE);

    // Act
    const summary = await h.reap();

    // Assess
    expect(summary).toEqual({ ...NOTHING, examined: 1, reminded: 1, deleted: 1 });
    expect((await db.store.get(cluster.id))!.status).toBe('DELETING');
  });

  it('counts a cluster whose record moved on since its read as raced and leaves it for the next run', async () => {
    // Prepare: the reaper's consistent read returns a version another writer has since replaced.
    const cluster = await readyCluster({ expiresAt: DEADLINE });
    await db.store.update(cluster, { lastActivityAt: T0 });
    const h = harness([cluster.id], { store: { get: async () => cluster } });
    h.at(DEADLINE);

    // Act
    const summary = await h.reap();

    // Assess
    expect(summary).toEqual({ ...NOTHING, examined: 1, raced: 1 });
    expect((await db.store.get(cluster.id))!.status).toBe('READY');
  });

  it('counts any other failure and goes on to the next cluster', async () => {
    // Prepare
    const broken = await readyCluster({ expiresAt: DEADLINE, expiryReminderFor: DEADLINE });
    const fine = await readyCluster({ expiresAt: DEADLINE, expiryReminderFor: DEADLINE });
    const h = harness([broken.id, fine.id], {
      store: {
        get: async (id) => {
          if (id === broken.id) throw new Error('dynamodb unavailable');
          return db.store.get(id);
        },
      },
    });
    h.at(DEADLINE);

    // Act
    const summary = await h.reap();

    // Assess
    expect(summary).toEqual({ ...NOTHING, examined: 2, deleted: 1, failed: 1 });
    expect((await db.store.get(fine.id))!.status).toBe('DELETING');
    expect((await db.store.get(broken.id))!.status).toBe('READY');
  });

  it('skips a candidate whose record is gone by the time it reads it', async () => {
    // Prepare
    const cluster = await readyCluster({ expiresAt: DEADLINE });
    const h = harness([cluster.id], { store: { get: async () => undefined } });
    h.at(DEADLINE);

    // Act
    const summary = await h.reap();

    // Assess
    expect(summary).toEqual({ ...NOTHING, examined: 1 });
    expect(h.workflows.started).toEqual([]);
    expect(await timeline(cluster.id)).toEqual([]);
  });
});
