/**
 * The delivery use cases with the delivery log on dynalite, a fixed clock, a scripted sender and a fake workflow
 * starter: scheduling, one attempt, 410, redelivery, and the workflow's catch.
 */
import { newWebhookSecret } from '../../../src/adapters/webhooks/secret';
import type { Cluster } from '../../../src/domain/cluster';
import { deliveryExecutionName, deliveryIdFor, MAX_DELIVERY_ROUNDS } from '../../../src/domain/delivery';
import { ConflictError, NotFoundError, TransientAwsError } from '../../../src/domain/errors';
import type { DeliveryAttempt } from '../../../src/domain/webhook';
import { attemptWebhookDelivery, failWebhookDelivery, type SendWebhook } from '../../../src/use-cases/attempt-webhook-delivery';
import { notifyChatChannel, notifyClusterOutcome, recordWebhookGivenUp } from '../../../src/use-cases/notify-cluster-outcome';
import type { DeliveryExecutionInput } from '../../../src/use-cases/ports';
import { listClusterDeliveries } from '../../../src/use-cases/read-deliveries';
import { redeliverWebhook } from '../../../src/use-cases/redeliver-webhook';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';

const ALL_EVENTS = ['cluster.ready', 'cluster.failed', 'cluster.deleted', 'cluster.delete_failed'];

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

function harness(overrides: Partial<Cluster> = {}) {
  const secret = newWebhookSecret();
  const cluster = aCluster({ status: 'READY', statusReason: 'ready', version: 3, webhook: { url: 'https://hooks.example.com/swarm', events: ALL_EVENTS, secret }, ...overrides });
  const clock = fixedClock();
  const started: Omit<DeliveryExecutionInput, 'attempt'>[] = [];
  const deliveryWorkflow = {
    start: jest.fn(async (input: Omit<DeliveryExecutionInput, 'attempt'>) => {
      started.push(input);
      return `arn:aws:states:us-east-1:000000000000:execution:deliver-webhook:${deliveryExecutionName(input.deliveryId, input.round)}`;
    }),
  };
  const answers: ((request: Parameters<SendWebhook>[0]) => DeliveryAttempt)[] = [];
  const send = jest.fn<ReturnType<SendWebhook>, Parameters<SendWebhook>>(async (request) => {
    const answer = answers.shift();
    if (!answer) throw new Error('the test scripted no answer for this attempt');
    return answer(request);
  });
  const deps = { store: db.store, deliveries: db.deliveries, deliveryWorkflow, clock, send, timeScale: 1, random: () => 0.5 };
  const answer = (statusCode: number, outcome: DeliveryAttempt['outcome'] = statusCode < 300 ? 'delivered' : 'retryable') =>
    answers.push((request) => ({ attemptedAt: request.now.toISOString(), durationMs: 3, outcome, statusCode, ...(outcome !== 'delivered' && { errorClass: 'http_status' as const }) }));
  const timeline = async () => (await db.store.listEvents(cluster.id, { limit: 100 })).items;
  return { cluster, secret, clock, started, deliveryWorkflow, send, deps, answer, timeline };
}

async function scheduled(h: ReturnType<typeof harness>, event: 'cluster.ready' | 'cluster.failed' = 'cluster.ready', version = h.cluster.version) {
  const result = await notifyClusterOutcome(h.deps, { clusterId: h.cluster.id, event, version });
  return { ...result, input: { clusterId: h.cluster.id, deliveryId: result.deliveryId!, round: 1, attempt: 1 } };
}

describe('notifyClusterOutcome', () => {
  it('writes one pending delivery with the exact body and webhook-id, and starts its workflow named after it', async () => {
    const h = harness();
    await db.store.create(h.cluster);

    const result = await notifyClusterOutcome(h.deps, { clusterId: h.cluster.id, event: 'cluster.ready', version: 3 });

    expect(result).toEqual({ scheduled: true, deliveryId: deliveryIdFor(h.cluster.id, 'cluster.ready', 3) });
    const delivery = (await db.deliveries.get(h.cluster.id, result.deliveryId!))!;
    expect(delivery).toMatchObject({ status: 'pending', round: 1, attempts: [], eventType: 'cluster.ready', clusterVersion: 3, messageId: `msg_${h.cluster.id}_cluster_ready_v3` });
    expect(JSON.parse(delivery.body)).toMatchObject({ type: 'cluster.ready', occurredAt: h.clock.now().toISOString(), data: { cluster: { id: h.cluster.id, status: 'READY', version: 3 } } });
    expect(h.started).toEqual([{ clusterId: h.cluster.id, deliveryId: result.deliveryId, round: 1 }]);
    expect(JSON.stringify(delivery)).not.toContain(h.secret);
  });

  it('a retried Notify step makes no second delivery and keeps the first body, starting the same round again', async () => {
    const h = harness();
    await db.store.create(h.cluster);
    const first = await notifyClusterOutcome(h.deps, { clusterId: h.cluster.id, event: 'cluster.ready', version: 3 });
    const body = (await db.deliveries.get(h.cluster.id, first.deliveryId!))!.body;
    h.clock.advance(60_000);

    const second = await notifyClusterOutcome(h.deps, { clusterId: h.cluster.id, event: 'cluster.ready', version: 3 });

    expect(second).toEqual(first);
    expect((await db.deliveries.list(h.cluster.id, { limit: 10 })).items).toHaveLength(1);
    expect((await db.deliveries.get(h.cluster.id, first.deliveryId!))!.body).toBe(body);
    expect(h.started).toEqual([h.started[0], h.started[0]]);
  });

  it('sends nothing for a cluster without a webhook, or for an event it did not subscribe to', async () => {
    const bare = harness({ webhook: undefined });
    await db.store.create(bare.cluster);
    expect(await notifyClusterOutcome(bare.deps, { clusterId: bare.cluster.id, event: 'cluster.ready', version: 3 })).toEqual({ scheduled: false });

    const picky = harness();
    picky.cluster.webhook!.events = ['cluster.failed'];
    await db.store.create(picky.cluster);
    expect(await notifyClusterOutcome(picky.deps, { clusterId: picky.cluster.id, event: 'cluster.ready', version: 3 })).toEqual({ scheduled: false });
    expect(picky.started).toEqual([]);
    expect((await db.deliveries.list(picky.cluster.id, { limit: 10 })).items).toEqual([]);
  });

  it('an endpoint disabled by a 410 gets later events logged as skipped, with the reason on the timeline, and sends nothing', async () => {
    const h = harness();
    h.cluster.webhook!.disabledAt = '2026-11-26T11:00:00.000Z';
    h.cluster.webhook!.disabledReason = 'the receiver answered 410 Gone to cluster.ready';
    await db.store.create(h.cluster);

    const result = await notifyClusterOutcome(h.deps, { clusterId: h.cluster.id, event: 'cluster.failed', version: 4 });

    expect(result.scheduled).toBe(false);
    expect(h.started).toEqual([]);
    expect(await db.deliveries.get(h.cluster.id, result.deliveryId!)).toMatchObject({ status: 'skipped', statusReason: expect.stringMatching(/410 Gone/) });
    expect(await h.timeline()).toEqual([expect.objectContaining({ type: 'webhook.skipped', message: expect.stringMatching(/cluster.failed not sent: the endpoint answered 410 Gone/) })]);
  });
});

describe('attemptWebhookDelivery', () => {
  it('sends the stored body with the stored webhook-id, signed with the cluster secret, and records the attempt', async () => {
    const h = harness();
    await db.store.create(h.cluster);
    const { input } = await scheduled(h);
    h.answer(200);

    expect(await attemptWebhookDelivery(h.deps, input)).toEqual({ decision: 'delivered' });

    const delivery = (await db.deliveries.get(h.cluster.id, input.deliveryId))!;
    expect(h.send).toHaveBeenCalledWith({ url: 'https://hooks.example.com/swarm', secret: h.secret, messageId: delivery.messageId, eventType: 'cluster.ready', body: delivery.body, now: h.clock.now() });
    expect(delivery).toMatchObject({ status: 'delivered', deliveredAt: h.clock.now().toISOString() });
    expect(delivery.attempts).toEqual([{ attemptedAt: h.clock.now().toISOString(), durationMs: 3, outcome: 'delivered', statusCode: 200, round: 1, attempt: 1 }]);
  });

  it('answers a retried task from the recorded attempt instead of sending again', async () => {
    const h = harness();
    await db.store.create(h.cluster);
    const { input } = await scheduled(h);
    h.answer(503);

    const first = await attemptWebhookDelivery(h.deps, input);
    const again = await attemptWebhookDelivery(h.deps, input);

    expect(first).toEqual({ decision: 'retry', waitSeconds: 5, nextAttempt: 2 });
    expect(again).toEqual(first);
    expect(h.send).toHaveBeenCalledTimes(1);
    expect((await db.deliveries.get(h.cluster.id, input.deliveryId))!.attempts[0]).toMatchObject({ waitSeconds: 5, nextAttemptAt: '2026-11-26T12:00:05.000Z' });
  });

  it('multiplies the wait by the time scale (the local sandbox runs the schedule in minutes)', async () => {
    const h = harness();
    await db.store.create(h.cluster);
    const { input } = await scheduled(h);
    h.answer(503);
    h.answer(503);

    await attemptWebhookDelivery({ ...h.deps, timeScale: 0.001 }, input);
    expect(await attemptWebhookDelivery({ ...h.deps, timeScale: 0.001 }, { ...input, attempt: 2 })).toEqual({ decision: 'retry', waitSeconds: 1, nextAttempt: 3 });
  });

  it('410 disables the endpoint on the cluster record, leaves its status alone, and later events are skipped', async () => {
    const h = harness();
    await db.store.create(h.cluster);
    const { input } = await scheduled(h);
    h.answer(410, 'gone');

    expect(await attemptWebhookDelivery(h.deps, input)).toEqual({ decision: 'gone' });

    const cluster = (await db.store.get(h.cluster.id))!;
    expect(cluster.webhook).toMatchObject({ disabledAt: h.clock.now().toISOString(), disabledReason: 'the receiver answered 410 Gone to cluster.ready', secret: h.secret });
    expect(cluster).toMatchObject({ status: 'READY', statusReason: 'ready', version: 4 });
    expect((await h.timeline()).map((e) => e.type)).toEqual(['webhook.failed', 'webhook.disabled']);

    const later = await notifyClusterOutcome(h.deps, { clusterId: h.cluster.id, event: 'cluster.failed', version: 5 });
    expect(later.scheduled).toBe(false);
    expect(h.started).toHaveLength(1);
  });

  it('a delivery still retrying when its endpoint is disabled stops without sending', async () => {
    const h = harness();
    await db.store.create(h.cluster);
    const { input } = await scheduled(h);
    const cluster = (await db.store.get(h.cluster.id))!;
    await db.store.update(cluster, { webhook: { ...cluster.webhook!, disabledAt: '2026-11-26T12:00:00.000Z' } });

    expect(await attemptWebhookDelivery(h.deps, input)).toEqual({ decision: 'stopped' });
    expect(h.send).not.toHaveBeenCalled();
    expect(await db.deliveries.get(h.cluster.id, input.deliveryId)).toMatchObject({ status: 'failed', statusReason: expect.stringMatching(/disabled/) });
  });

  it('an execution of a round a redelivery superseded stops at its next attempt without sending', async () => {
    const h = harness();
    await db.store.create(h.cluster);
    const { input } = await scheduled(h);
    h.answer(503);
    await attemptWebhookDelivery(h.deps, input);
    await redeliverWebhook(h.deps, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: input.deliveryId });

    expect(await attemptWebhookDelivery(h.deps, { ...input, attempt: 2 })).toEqual({ decision: 'superseded' });
    expect(h.send).toHaveBeenCalledTimes(1);
  });

  it('never puts the secret in the delivery log or the timeline', async () => {
    const h = harness();
    await db.store.create(h.cluster);
    const { input } = await scheduled(h);
    h.answer(500);
    h.answer(410, 'gone');
    await attemptWebhookDelivery(h.deps, input);
    await attemptWebhookDelivery(h.deps, { ...input, attempt: 2 });

    const deliveries = await listClusterDeliveries(db, h.cluster.owner, h.cluster.id, { limit: 10 });
    const timeline = await h.timeline();
    const logged = JSON.stringify({ deliveries, timeline });
    // First, that the text searched is the log of these two attempts (an empty one would hide any secret).
    expect(deliveries.items.map((d) => d.deliveryId)).toEqual([input.deliveryId]);
    expect(deliveries.items[0]!.attempts.map((a) => a.statusCode)).toEqual([500, 410]);
    expect(timeline.map((e) => e.type)).toEqual(['webhook.failed', 'webhook.failed', 'webhook.disabled']);
    // The body that was signed with the secret is in the log: the place a careless signer would have put it.
    expect(logged).toContain('\\"type\\":\\"cluster.ready\\"');
    expect(logged).not.toContain(h.secret);
    expect(logged).not.toContain(h.secret.slice('whsec_'.length));
  });
});

describe('a health event to the Slack channel (the same durable delivery, posted with the bot token)', () => {
  const channel = { kind: 'slack' as const, teamId: 'T0001', channelId: 'C2147483705' };

  async function channelScheduled(h: ReturnType<typeof harness>) {
    const result = await notifyChatChannel({ ...h.deps, channelPosts: true }, { clusterId: h.cluster.id, event: 'cluster.drifted', version: h.cluster.version });
    return { ...result, input: { clusterId: h.cluster.id, deliveryId: result.deliveryId!, round: 1, attempt: 1 } };
  }

  it('posts the stored chat.postMessage body through postToChannel, never the webhook, and records the attempt', async () => {
    // Prepare: a cluster made from Slack that also has a webhook, drifted.
    const h = harness({ chatChannel: channel, health: { status: 'drifted', reasons: [{ code: 'stack_missing', message: 'stack swarm-x was deleted out of band' }], checkedAt: '2026-11-26T12:00:00.000Z' } });
    await db.store.create(h.cluster);
    const { input } = await channelScheduled(h);
    const postToChannel = jest.fn(async ({ now }: { body: string; now: Date }): Promise<DeliveryAttempt> => ({ attemptedAt: now.toISOString(), durationMs: 4, outcome: 'delivered', statusCode: 200 }));

    // Act
    const step = await attemptWebhookDelivery({ ...h.deps, postToChannel }, input);

    // Assess
    const delivery = (await db.deliveries.get(h.cluster.id, input.deliveryId))!;
    expect(step).toEqual({ decision: 'delivered' });
    expect(h.send).not.toHaveBeenCalled();
    expect(postToChannel).toHaveBeenCalledWith({ body: delivery.body, now: h.clock.now() });
    expect(JSON.parse(delivery.body)).toEqual({ channel: 'C2147483705', text: expect.stringContaining('stack swarm-x was deleted out of band') });
    expect(delivery).toMatchObject({ status: 'delivered', channel });
    expect((await h.timeline()).map((event) => event.message)).toContain('cluster.drifted to the Slack channel delivered (HTTP 200, attempt 1)');
  });

  it('honours Slack’s Retry-After on a 429, and ends a refusal (not_in_channel) at once with what to do', async () => {
    // Prepare
    const h = harness({ chatChannel: channel });
    await db.store.create(h.cluster);
    const { input } = await channelScheduled(h);
    const answers: DeliveryAttempt[] = [
      { attemptedAt: h.clock.now().toISOString(), durationMs: 4, outcome: 'retryable', statusCode: 429, errorClass: 'http_status', retryAfterSeconds: 900 },
      { attemptedAt: h.clock.now().toISOString(), durationMs: 4, outcome: 'refused', statusCode: 200, detail: 'Slack answered not_in_channel: the Slack app is not in the channel: invite it there (/invite @<app>), then redeliver' },
    ];
    const postToChannel = async () => answers.shift()!;

    // Act
    const first = await attemptWebhookDelivery({ ...h.deps, postToChannel }, input);
    const second = await attemptWebhookDelivery({ ...h.deps, postToChannel }, { ...input, attempt: 2 });

    // Assess: the first retry of the schedule waits 5 s; Retry-After asks for more, and gets it.
    expect(first).toMatchObject({ decision: 'retry', nextAttempt: 2 });
    expect((first as { waitSeconds: number }).waitSeconds).toBeGreaterThanOrEqual(900);
    expect(second).toEqual({ decision: 'refused' });
    expect((await db.deliveries.get(h.cluster.id, input.deliveryId))?.status).toBe('failed');
    expect((await h.timeline()).map((event) => event.message).join('\n')).toContain('/invite');
  });

  it('stops unsent when the bot token was removed after the delivery was made, and can be redelivered without a webhook', async () => {
    // Prepare: no webhook at all; no postToChannel (no token).
    const h = harness({ chatChannel: channel, webhook: undefined });
    await db.store.create(h.cluster);
    const { input } = await channelScheduled(h);

    // Act
    const step = await attemptWebhookDelivery(h.deps, input);
    const reopened = await redeliverWebhook(h.deps, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: input.deliveryId });

    // Assess
    expect(step).toEqual({ decision: 'stopped' });
    expect(reopened).toMatchObject({ round: 2, status: 'pending' });
  });
});

describe('redeliverWebhook', () => {
  it('opens the next round and starts its workflow: same delivery, same webhook-id and body, a new timestamp', async () => {
    const h = harness();
    await db.store.create(h.cluster);
    const { input } = await scheduled(h);
    h.answer(200);
    await attemptWebhookDelivery(h.deps, input);
    h.clock.advance(3_600_000);

    const opened = await redeliverWebhook(h.deps, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: input.deliveryId });

    expect(opened).toMatchObject({ round: 2, status: 'pending' });
    expect(h.started.at(-1)).toEqual({ clusterId: h.cluster.id, deliveryId: input.deliveryId, round: 2 });
    h.answer(200);
    await attemptWebhookDelivery(h.deps, { ...input, round: 2, attempt: 1 });
    const [first, second] = h.send.mock.calls.map(([request]) => request);
    expect(second!.messageId).toBe(first!.messageId);
    expect(second!.body).toBe(first!.body);
    expect(second!.now.getTime() - first!.now.getTime()).toBe(3_600_000);
    const delivery = (await db.deliveries.get(h.cluster.id, input.deliveryId))!;
    expect(delivery.attempts.map((a) => [a.round, a.attempt])).toEqual([[1, 1], [2, 1]]);
    expect((await h.timeline()).map((e) => e.type)).toContain('webhook.redelivery_requested');
  });

  it("is a 404 for another owner's cluster and for a delivery that does not exist", async () => {
    const h = harness();
    await db.store.create(h.cluster);
    const { input } = await scheduled(h);

    await expect(redeliverWebhook(h.deps, { caller: 'mallory', clusterId: h.cluster.id, deliveryId: input.deliveryId })).rejects.toThrow(NotFoundError);
    await expect(redeliverWebhook(h.deps, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: deliveryIdFor(h.cluster.id, 'cluster.ready', 99) })).rejects.toThrow(NotFoundError);
    expect(h.started).toHaveLength(1);
  });

  it('is a 409 once the endpoint was disabled by a 410, or after the last round allowed', async () => {
    const h = harness();
    await db.store.create(h.cluster);
    const { input } = await scheduled(h);
    for (let round = 2; round <= MAX_DELIVERY_ROUNDS; round += 1) await redeliverWebhook(h.deps, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: input.deliveryId });
    await expect(redeliverWebhook(h.deps, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: input.deliveryId })).rejects.toThrow(ConflictError);

    const gone = harness();
    await db.store.create(gone.cluster);
    const { input: goneInput } = await scheduled(gone);
    gone.answer(410, 'gone');
    await attemptWebhookDelivery(gone.deps, goneInput);
    await expect(redeliverWebhook(gone.deps, { caller: gone.cluster.owner, clusterId: gone.cluster.id, deliveryId: goneInput.deliveryId })).rejects.toThrow(/disabled/);
  });

  it('settles the round as failed when its workflow cannot be started, and rethrows', async () => {
    const h = harness();
    await db.store.create(h.cluster);
    const { input } = await scheduled(h);
    h.deliveryWorkflow.start.mockRejectedValueOnce(new TransientAwsError('StartExecution failed transiently'));

    await expect(redeliverWebhook(h.deps, { caller: h.cluster.owner, clusterId: h.cluster.id, deliveryId: input.deliveryId })).rejects.toThrow(TransientAwsError);
    expect(await db.deliveries.get(h.cluster.id, input.deliveryId)).toMatchObject({ round: 2, status: 'failed', statusReason: 'the redelivery could not be started' });
  });
});

describe("the workflows' last words", () => {
  it('failWebhookDelivery marks a pending round failed with the error name, and leaves a superseded round alone', async () => {
    const h = harness();
    await db.store.create(h.cluster);
    const { input } = await scheduled(h);

    await failWebhookDelivery(h.deps, { ...input, round: 2, error: 'ClusterMissingError' });
    expect((await db.deliveries.get(h.cluster.id, input.deliveryId))!.status).toBe('pending');

    await failWebhookDelivery(h.deps, { ...input, error: 'ClusterMissingError' });
    expect(await db.deliveries.get(h.cluster.id, input.deliveryId)).toMatchObject({ status: 'failed', statusReason: 'the delivery workflow stopped: ClusterMissingError' });
  });

  it('recordWebhookGivenUp marks a delivery that never got an attempt failed, and says so on the timeline', async () => {
    const h = harness();
    await db.store.create(h.cluster);
    const { input } = await scheduled(h);

    await recordWebhookGivenUp(h.deps, { clusterId: h.cluster.id, event: 'cluster.ready', version: 3 });

    expect(await db.deliveries.get(h.cluster.id, input.deliveryId)).toMatchObject({ status: 'failed', statusReason: expect.stringMatching(/could not be scheduled/) });
    expect((await h.timeline()).at(-1)).toMatchObject({ type: 'webhook.failed', message: expect.stringMatching(/could not be scheduled/) });
  });
});
