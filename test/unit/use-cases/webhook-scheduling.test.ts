/**
 * Scheduling a delivery (notify-cluster-outcome.ts) and asking for one again (redeliver-webhook.ts), on one dynalite
 * for the file with a recording workflow starter: the record each writes (ids, status, reason, round), the exact
 * refusals, and the failures each must not leave half-done. The attempts themselves: webhook-delivery-attempts.test.ts.
 */
import { newWebhookSecret } from '../../../src/adapters/webhooks/secret';
import { channelHealthMessage } from '../../../src/domain/chat-channel';
import type { Cluster } from '../../../src/domain/cluster';
import { channelDeliveryIdFor, deliveryIdFor, MAX_DELIVERY_ROUNDS } from '../../../src/domain/delivery';
import { ConflictError, DeliveryMissingError, NotFoundError, StaleDeliveryError } from '../../../src/domain/errors';
import { notifyChatChannel, notifyClusterOutcome, recordWebhookGivenUp } from '../../../src/use-cases/notify-cluster-outcome';
import type { DeliveryExecutionInput, DeliveryStore } from '../../../src/use-cases/ports';
import { redeliverWebhook } from '../../../src/use-cases/redeliver-webhook';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';

const NOW = '2026-11-26T12:00:00.000Z';
const LATER = '2026-11-26T13:00:00.000Z';
const CHANNEL = { kind: 'slack' as const, teamId: 'T0001', channelId: 'C0001' };

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

async function harness(overrides: Partial<Cluster> = {}, options: { failStart?: Error } = {}) {
  const cluster = aCluster({ status: 'READY', version: 3, webhook: { url: 'https://hooks.example.com/swarm', events: ['cluster.ready', 'cluster.drifted'], secret: newWebhookSecret() }, ...overrides });
  await db.store.create(cluster);
  const clock = fixedClock(NOW);
  const started: Omit<DeliveryExecutionInput, 'attempt'>[] = [];
  const deliveryWorkflow = {
    start: async (input: Omit<DeliveryExecutionInput, 'attempt'>) => {
      if (options.failStart) throw options.failStart;
      started.push(input);
      return 'arn:aws:states:us-east-1:000000000000:execution:deliver-webhook:x';
    },
  };
  const deps = { store: db.store, deliveries: db.deliveries, deliveryWorkflow, clock };
  const timeline = async () => (await db.store.listEvents(cluster.id, { limit: 50 })).items.map(({ type, message, details }) => ({ type, message, details }));
  return { cluster, clock, started, deps, timeline };
}

describe('scheduling a webhook delivery', () => {
  it('an endpoint disabled by a 410: the delivery is written skipped with the exact reason, the timeline told once', async () => {
    // Prepare
    const h = await harness({ webhook: { url: 'https://hooks.example.com/swarm', events: ['cluster.ready'], secret: newWebhookSecret(), disabledAt: '2026-11-26T11:00:00.000Z' } });

    // Act
    const first = await notifyClusterOutcome(h.deps, { clusterId: h.cluster.id, event: 'cluster.ready', version: 3 });
    const retried = await notifyClusterOutcome(h.deps, { clusterId: h.cluster.id, event: 'cluster.ready', version: 3 });

    // Assess
    const deliveryId = deliveryIdFor(h.cluster.id, 'cluster.ready', 3);
    expect(first).toEqual({ scheduled: false, deliveryId });
    expect(retried).toEqual(first);
    const reason = 'not sent: the endpoint answered 410 Gone at 2026-11-26T11:00:00.000Z and is disabled for this cluster';
    expect(await db.deliveries.get(h.cluster.id, deliveryId)).toMatchObject({ status: 'skipped', statusReason: reason, round: 1, attempts: [], createdAt: NOW, updatedAt: NOW, version: 1 });
    expect(await h.timeline()).toEqual([{ type: 'webhook.skipped', message: `cluster.ready ${reason}`, details: { deliveryId, event: 'cluster.ready' } }]);
    expect(h.started).toEqual([]);
  });

  it('a pending delivery: status pending, reason scheduled', async () => {
    // Prepare
    const h = await harness();

    // Act
    await notifyClusterOutcome(h.deps, { clusterId: h.cluster.id, event: 'cluster.ready', version: 3 });

    // Assess
    expect(await db.deliveries.get(h.cluster.id, deliveryIdFor(h.cluster.id, 'cluster.ready', 3))).toMatchObject({ status: 'pending', statusReason: 'scheduled', clusterVersion: 3, eventType: 'cluster.ready' });
  });

  it('a delivery that exists but cannot be read back: DeliveryMissingError', async () => {
    // Prepare
    const h = await harness();
    const deliveries: DeliveryStore = { ...db.deliveries, create: async () => false, get: async () => undefined };

    // Act / Assess
    await expect(notifyClusterOutcome({ ...h.deps, deliveries }, { clusterId: h.cluster.id, event: 'cluster.ready', version: 3 })).rejects.toThrow(DeliveryMissingError);
    expect(h.started).toEqual([]);
  });
});

describe('a health event to the cluster’s Slack channel', () => {
  it('writes the chat.postMessage body under the _slack ids, with the channel, and starts its workflow', async () => {
    // Prepare
    const h = await harness({ chatChannel: CHANNEL });

    // Act
    const result = await notifyChatChannel({ ...h.deps, channelPosts: true }, { clusterId: h.cluster.id, event: 'cluster.drifted', version: 3 });

    // Assess
    const deliveryId = channelDeliveryIdFor(h.cluster.id, 'cluster.drifted', 3);
    expect(result).toEqual({ scheduled: true, deliveryId });
    expect(await db.deliveries.get(h.cluster.id, deliveryId)).toEqual({
      clusterId: h.cluster.id,
      deliveryId,
      messageId: `msg_${h.cluster.id}_cluster_drifted_v3_slack`,
      eventType: 'cluster.drifted',
      clusterVersion: 3,
      body: JSON.stringify(channelHealthMessage(h.cluster, 'cluster.drifted', 'C0001')),
      status: 'pending',
      statusReason: 'scheduled',
      round: 1,
      attempts: [],
      createdAt: NOW,
      updatedAt: NOW,
      version: 1,
      channel: CHANNEL,
    });
    expect(h.started).toEqual([{ clusterId: h.cluster.id, deliveryId, round: 1 }]);
  });

  it('a retried step finds its delivery and starts the same round again', async () => {
    // Prepare
    const h = await harness({ chatChannel: CHANNEL });
    await notifyChatChannel({ ...h.deps, channelPosts: true }, { clusterId: h.cluster.id, event: 'cluster.drifted', version: 3 });
    h.clock.advance(60_000);

    // Act
    const again = await notifyChatChannel({ ...h.deps, channelPosts: true }, { clusterId: h.cluster.id, event: 'cluster.drifted', version: 3 });

    // Assess
    expect(again).toEqual({ scheduled: true, deliveryId: channelDeliveryIdFor(h.cluster.id, 'cluster.drifted', 3) });
    expect((await db.deliveries.get(h.cluster.id, again.deliveryId!))!.createdAt).toBe(NOW);
    expect(h.started).toHaveLength(2);
  });

  it('a delivery that exists but cannot be read back: DeliveryMissingError', async () => {
    // Prepare
    const h = await harness({ chatChannel: CHANNEL });
    const deliveries: DeliveryStore = { ...db.deliveries, create: async () => false, get: async () => undefined };

    // Act / Assess
    await expect(notifyChatChannel({ ...h.deps, deliveries, channelPosts: true }, { clusterId: h.cluster.id, event: 'cluster.drifted', version: 3 })).rejects.toThrow(DeliveryMissingError);
  });

  it.each([
    ['an event that is not a health event', { chatChannel: CHANNEL }, 'cluster.ready', true],
    ['a cluster with no channel', {}, 'cluster.drifted', true],
    ['no bot token configured', { chatChannel: CHANNEL }, 'cluster.drifted', false],
  ] as const)('sends nothing for %s', async (_, overrides, event, channelPosts) => {
    // Prepare
    const h = await harness(overrides);

    // Act
    const result = await notifyChatChannel({ ...h.deps, channelPosts }, { clusterId: h.cluster.id, event, version: 3 });

    // Assess
    expect(result).toEqual({ scheduled: false });
    expect((await db.deliveries.list(h.cluster.id, { limit: 10 })).items).toEqual([]);
    expect(h.started).toEqual([]);
  });

  it('a non-health event is refused before the cluster is read (one that does not exist included)', async () => {
    // Prepare
    const h = await harness();

    // Act
    const result = await notifyChatChannel({ ...h.deps, channelPosts: true }, { clusterId: 'c-missing', event: 'cluster.ready', version: 3 });

    // Assess
    expect(result).toEqual({ scheduled: false });
  });
});

describe('a delivery the create workflow gave up on', () => {
  it('without a version: only the timeline is told', async () => {
    // Prepare
    const h = await harness();
    await notifyClusterOutcome(h.deps, { clusterId: h.cluster.id, event: 'cluster.ready', version: 3 });

    // Act
    await recordWebhookGivenUp(h.deps, { clusterId: h.cluster.id, event: 'cluster.ready' });

    // Assess
    expect((await db.deliveries.get(h.cluster.id, deliveryIdFor(h.cluster.id, 'cluster.ready', 3)))!.status).toBe('pending');
    expect(await h.timeline()).toEqual([
      { type: 'webhook.failed', message: 'cluster.ready the delivery could not be scheduled; it was not sent', details: { event: 'cluster.ready' } },
    ]);
  });

  it('a delivery already attempted, or no longer pending, is left as it is', async () => {
    // Prepare
    const h = await harness();
    await notifyClusterOutcome(h.deps, { clusterId: h.cluster.id, event: 'cluster.ready', version: 3 });
    const id = deliveryIdFor(h.cluster.id, 'cluster.ready', 3);
    await db.deliveries.update((await db.deliveries.get(h.cluster.id, id))!, { status: 'pending', statusReason: 'retrying', updatedAt: NOW }, { attemptedAt: NOW, durationMs: 1, outcome: 'retryable', statusCode: 503, round: 1, attempt: 1 });
    const other = await harness();
    await notifyClusterOutcome(other.deps, { clusterId: other.cluster.id, event: 'cluster.ready', version: 3 });
    const otherId = deliveryIdFor(other.cluster.id, 'cluster.ready', 3);
    await db.deliveries.update((await db.deliveries.get(other.cluster.id, otherId))!, { status: 'delivered', statusReason: 'delivered', updatedAt: NOW });

    // Act
    await recordWebhookGivenUp(h.deps, { clusterId: h.cluster.id, event: 'cluster.ready', version: 3 });
    await recordWebhookGivenUp(other.deps, { clusterId: other.cluster.id, event: 'cluster.ready', version: 3 });

    // Assess
    expect(await db.deliveries.get(h.cluster.id, id)).toMatchObject({ status: 'pending', statusReason: 'retrying' });
    expect(await db.deliveries.get(other.cluster.id, otherId)).toMatchObject({ status: 'delivered' });
  });

  it('a pending delivery with no attempt: failed, stamped now', async () => {
    // Prepare
    const h = await harness();
    await notifyClusterOutcome(h.deps, { clusterId: h.cluster.id, event: 'cluster.ready', version: 3 });
    h.clock.advance(60_000);

    // Act
    await recordWebhookGivenUp(h.deps, { clusterId: h.cluster.id, event: 'cluster.ready', version: 3 });

    // Assess
    expect(await db.deliveries.get(h.cluster.id, deliveryIdFor(h.cluster.id, 'cluster.ready', 3))).toMatchObject({
      status: 'failed',
      statusReason: 'the delivery could not be scheduled; it was not sent',
      updatedAt: '2026-11-26T12:01:00.000Z',
    });
  });
});

describe('asking for a delivery again', () => {
  async function delivered(overrides: Partial<Cluster> = {}, options: { failStart?: Error } = {}) {
    const h = await harness(overrides, options);
    // Round 1 was scheduled (its start is not the one under test).
    const deliveryId = deliveryIdFor(h.cluster.id, 'cluster.ready', 3);
    await notifyClusterOutcome({ ...h.deps, deliveryWorkflow: { start: async () => 'arn:aws:states:us-east-1:000000000000:execution:deliver-webhook:r1' } }, { clusterId: h.cluster.id, event: 'cluster.ready', version: 3 });
    h.clock.advance(Date.parse(LATER) - Date.parse(NOW));
    return { ...h, deliveryId };
  }

  it('opens the next round with its reason, starts its workflow, and tells the timeline', async () => {
    // Prepare
    const h = await delivered();

    // Act
    const opened = await redeliverWebhook(h.deps, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: h.deliveryId });

    // Assess
    expect(opened).toMatchObject({ round: 2, status: 'pending', statusReason: 'redelivery requested (round 2)', updatedAt: LATER, version: 2 });
    expect(h.started).toEqual([{ clusterId: h.cluster.id, deliveryId: h.deliveryId, round: 2 }]);
    expect(await h.timeline()).toEqual([
      {
        type: 'webhook.redelivery_requested',
        message: 'cluster.ready redelivery requested (round 2)',
        details: { deliveryId: h.deliveryId, messageId: `msg_${h.cluster.id}_cluster_ready_v3`, round: 2 },
      },
    ]);
  });

  it('is a 404 with the delivery named when the cluster has no such delivery', async () => {
    // Prepare
    const h = await delivered();

    // Act / Assess
    await expect(redeliverWebhook(h.deps, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: 'dlv_nope' })).rejects.toThrow(
      new NotFoundError(`Cluster ${h.cluster.id} has no delivery dlv_nope.`),
    );
  });

  it('is a 404 for an operator too (a redelivery is a change, the owner’s alone)', async () => {
    // Prepare
    const h = await delivered();

    // Act / Assess
    await expect(redeliverWebhook(h.deps, { caller: { principal: 'ops', operator: true }, clusterId: h.cluster.id, deliveryId: h.deliveryId })).rejects.toThrow(NotFoundError);
    expect(h.started).toEqual([]);
  });

  it('is a 409 naming why when the cluster no longer has a webhook, or its endpoint was disabled', async () => {
    // Prepare
    const h = await delivered();
    const bare = { ...db.store, get: async (id: string) => ({ ...(await db.store.get(id))!, webhook: undefined }) };
    const disabled = {
      ...db.store,
      get: async (id: string) => {
        const cluster = (await db.store.get(id))!;
        return { ...cluster, webhook: { ...cluster.webhook!, disabledAt: '2026-11-26T12:30:00.000Z' } };
      },
    };

    // Act / Assess
    await expect(redeliverWebhook({ ...h.deps, store: bare }, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: h.deliveryId })).rejects.toThrow(
      new ConflictError('The cluster has no webhook to deliver to.'),
    );
    await expect(redeliverWebhook({ ...h.deps, store: disabled }, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: h.deliveryId })).rejects.toThrow(
      new ConflictError('The webhook endpoint was disabled at 2026-11-26T12:30:00.000Z after answering 410 Gone; nothing more is sent to it.'),
    );
    expect((await db.deliveries.get(h.cluster.id, h.deliveryId))!.round).toBe(1);
  });

  it('a delivery to the Slack channel needs no webhook', async () => {
    // Prepare
    const h = await harness({ chatChannel: CHANNEL, webhook: undefined });
    const { deliveryId } = await notifyChatChannel({ ...h.deps, channelPosts: true }, { clusterId: h.cluster.id, event: 'cluster.drifted', version: 3 });

    // Act
    const opened = await redeliverWebhook(h.deps, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: deliveryId! });

    // Assess
    expect(opened).toMatchObject({ round: 2, status: 'pending' });
  });

  it('round 19 may be followed by the last, round 20; round 20 by none', async () => {
    // Prepare
    const h = await delivered();
    const at = async (round: number) => {
      const current = (await db.deliveries.get(h.cluster.id, h.deliveryId))!;
      await db.deliveries.update(current, { round, status: 'failed', statusReason: 'failed', updatedAt: NOW });
    };
    await at(MAX_DELIVERY_ROUNDS - 1);

    // Act
    const last = await redeliverWebhook(h.deps, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: h.deliveryId });

    // Assess
    expect(MAX_DELIVERY_ROUNDS).toBe(20);
    expect(last.round).toBe(20);
    await expect(redeliverWebhook(h.deps, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: h.deliveryId })).rejects.toThrow(
      new ConflictError('The delivery has been sent in 20 rounds, the most allowed.'),
    );
  });

  it('two racing requests: the loser is a 409 asking to try again', async () => {
    // Prepare
    const h = await delivered();
    const deliveries: DeliveryStore = {
      ...db.deliveries,
      update: async (delivery) => {
        throw new StaleDeliveryError(delivery.deliveryId, delivery.version);
      },
    };

    // Act
    const outcome = redeliverWebhook({ ...h.deps, deliveries }, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: h.deliveryId });

    // Assess
    await expect(outcome).rejects.toThrow(ConflictError);
    await expect(outcome).rejects.toMatchObject({ message: 'The delivery changed while the redelivery was being requested; try again.', cause: expect.any(StaleDeliveryError) });
    expect(h.started).toEqual([]);
  });

  it('any other failure to open the round is rethrown as it is', async () => {
    // Prepare
    const h = await delivered();
    const deliveries: DeliveryStore = {
      ...db.deliveries,
      update: async () => {
        throw new Error('throttled');
      },
    };

    // Act / Assess
    await expect(redeliverWebhook({ ...h.deps, deliveries }, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: h.deliveryId })).rejects.toThrow('throttled');
  });

  it('a workflow that cannot be started: the round settled failed and stamped, nothing on the timeline, the start’s error rethrown', async () => {
    // Prepare
    const h = await delivered({}, { failStart: new Error('states unavailable') });

    // Act / Assess
    await expect(redeliverWebhook(h.deps, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: h.deliveryId })).rejects.toThrow('states unavailable');
    expect(await db.deliveries.get(h.cluster.id, h.deliveryId)).toMatchObject({ round: 2, status: 'failed', statusReason: 'the redelivery could not be started', updatedAt: LATER });
    expect(await h.timeline()).toEqual([]);
  });

  it('a round that cannot even be settled: still the start’s error that is rethrown', async () => {
    // Prepare
    const h = await delivered({}, { failStart: new Error('states unavailable') });
    let writes = 0;
    const deliveries: DeliveryStore = {
      ...db.deliveries,
      update: async (delivery, changes, attempt) => {
        writes += 1;
        if (writes > 1) throw new Error('throttled');
        return db.deliveries.update(delivery, changes, attempt);
      },
    };

    // Act / Assess
    await expect(redeliverWebhook({ ...h.deps, deliveries }, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: h.deliveryId })).rejects.toThrow('states unavailable');
    expect(writes).toBe(2);
  });
});
