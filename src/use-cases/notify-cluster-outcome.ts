import { CHANNEL_EVENTS, channelHealthMessage } from '../domain/chat-channel';
import { channelDeliveryIdFor, deliveryIdFor, messageIdFor, type Delivery } from '../domain/delivery';
import { DeliveryMissingError } from '../domain/errors';
import { expiringNotice } from '../domain/expiry';
import { buildWebhookPayload, type WebhookEventType } from '../domain/webhook';
import { logger } from '../logger';
import { loadCluster, record } from './lifecycle';
import type { Clock, ClusterStore, DeliveryStore, DeliveryWorkflow } from './ports';

export interface NotifyDeps {
  store: ClusterStore;
  deliveries: DeliveryStore;
  deliveryWorkflow: DeliveryWorkflow;
  clock: Clock;
}

export interface NotifyResult {
  /** Whether a delivery workflow is (or already was) sending the event. */
  scheduled: boolean;
  deliveryId?: string;
}

/**
 * Primary course:
 * 1. Load the cluster; no webhook, or not subscribed to this event → nothing to send.
 * 2. Build the payload from the cluster as it is now; the delivery id and the webhook-id follow from the cluster
 *    id, the event and the version, so a retried step finds the delivery it already made.
 * 3. Write the delivery (pending, round 1) with the exact body every attempt will send. An endpoint disabled by a
 *    410 gets the delivery written as skipped, the reason on the timeline, and nothing sent.
 * 4. Start the delivery workflow for the round (idempotent by name): it attempts at once, then on the retry
 *    schedule, for more than a day, surviving any restart of ours.
 * A webhook never changes the cluster's status.
 */
export async function notifyClusterOutcome(deps: NotifyDeps, input: { clusterId: string; event: WebhookEventType; version: number }): Promise<NotifyResult> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  const webhook = cluster.webhook;
  if (!webhook || !webhook.events.includes(input.event)) return { scheduled: false };

  const occurredAt = deps.clock.now();
  const now = occurredAt.toISOString();
  const deliveryId = deliveryIdFor(cluster.id, input.event, input.version);
  const disabled = webhook.disabledAt !== undefined;
  const fresh: Delivery = {
    clusterId: cluster.id,
    deliveryId,
    messageId: messageIdFor(cluster.id, input.event, input.version),
    eventType: input.event,
    clusterVersion: input.version,
    body: JSON.stringify(buildWebhookPayload(input.event, cluster, occurredAt, input.event === 'cluster.expiring' ? expiringNotice(cluster) : undefined)),
    status: disabled ? 'skipped' : 'pending',
    statusReason: disabled ? `not sent: the endpoint answered 410 Gone at ${webhook.disabledAt!} and is disabled for this cluster` : 'scheduled',
    round: 1,
    attempts: [],
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const created = await deps.deliveries.create(fresh);
  const delivery = created ? fresh : await deps.deliveries.get(cluster.id, deliveryId);
  // Only a delete of the record between the two calls gets here; nothing deletes deliveries.
  if (!delivery) throw new DeliveryMissingError(deliveryId);

  if (delivery.status === 'skipped') {
    if (created) await record(deps, cluster.id, 'webhook.skipped', `${input.event} ${delivery.statusReason}`, { deliveryId, event: input.event });
    logger.info('webhook delivery skipped', { clusterId: cluster.id, deliveryId, event: input.event });
    return { scheduled: false, deliveryId };
  }

  const executionArn = await deps.deliveryWorkflow.start({ clusterId: cluster.id, deliveryId, round: delivery.round });
  logger.info('webhook delivery scheduled', { clusterId: cluster.id, deliveryId, messageId: delivery.messageId, event: input.event, executionArn });
  return { scheduled: true, deliveryId };
}

/**
 * A health event for a cluster made from Slack, to its channel: the same durable delivery as a webhook's (a delivery
 * record, then the deliver-webhook workflow with its retry schedule and Retry-After), posted with the bot token by
 * the attempt step. Why this path and not a post from the sweep: a post from the sweep would hold a 10,000-cluster run
 * on Slack's answer and lose the message to a 429 or an outage; a second queue or function would duplicate what the
 * delivery workflow already does, and the delivery log shows what happened to each post.
 *
 * Primary course:
 * 1. Only health events, only for a cluster that has a channel (made by `/swarm create`).
 * 2. No bot token configured: skip with an info log; nothing is written.
 * 3. Write the delivery (id: the webhook delivery's + `_slack`) with chat.postMessage's body, then start its workflow
 *    (idempotent by name, like the webhook's).
 */
export async function notifyChatChannel(
  deps: NotifyDeps & { channelPosts?: boolean },
  input: { clusterId: string; event: WebhookEventType; version: number },
): Promise<NotifyResult> {
  if (!CHANNEL_EVENTS.has(input.event)) return { scheduled: false };
  const cluster = await loadCluster(deps.store, input.clusterId);
  const channel = cluster.chatChannel;
  if (!channel) return { scheduled: false };
  if (!deps.channelPosts) {
    logger.info('slack channel post skipped: no bot token configured (SLACK_BOT_TOKEN)', { clusterId: cluster.id, event: input.event });
    return { scheduled: false };
  }
  const now = deps.clock.now().toISOString();
  const deliveryId = channelDeliveryIdFor(cluster.id, input.event, input.version);
  const fresh: Delivery = {
    clusterId: cluster.id,
    deliveryId,
    messageId: `${messageIdFor(cluster.id, input.event, input.version)}_slack`,
    eventType: input.event,
    clusterVersion: input.version,
    body: JSON.stringify(channelHealthMessage(cluster, input.event, channel.channelId)),
    status: 'pending',
    statusReason: 'scheduled',
    round: 1,
    attempts: [],
    createdAt: now,
    updatedAt: now,
    version: 1,
    channel,
  };
  const created = await deps.deliveries.create(fresh);
  const delivery = created ? fresh : await deps.deliveries.get(cluster.id, deliveryId);
  if (!delivery) throw new DeliveryMissingError(deliveryId);
  const executionArn = await deps.deliveryWorkflow.start({ clusterId: cluster.id, deliveryId, round: delivery.round });
  logger.info('slack channel delivery scheduled', { clusterId: cluster.id, deliveryId, event: input.event, executionArn });
  return { scheduled: true, deliveryId };
}

/**
 * The create workflow's last word on a webhook it could not even schedule (the Notify step failed for good): the
 * timeline says so, and a delivery left pending with no attempt is marked failed rather than pending forever.
 */
export async function recordWebhookGivenUp(
  deps: { store: ClusterStore; deliveries: DeliveryStore; clock: Clock },
  input: { clusterId: string; event: WebhookEventType; version?: number },
): Promise<void> {
  const reason = 'the delivery could not be scheduled; it was not sent';
  if (input.version !== undefined) {
    const delivery = await deps.deliveries.get(input.clusterId, deliveryIdFor(input.clusterId, input.event, input.version));
    if (delivery && delivery.status === 'pending' && delivery.attempts.length === 0) {
      await deps.deliveries.update(delivery, { status: 'failed', statusReason: reason, updatedAt: deps.clock.now().toISOString() });
    }
  }
  await record(deps, input.clusterId, 'webhook.failed', `${input.event} ${reason}`, { event: input.event });
}
