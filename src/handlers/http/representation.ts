import type { Cluster, TimelineEvent } from '../../domain/cluster';
import type { Delivery } from '../../domain/delivery';
import { autoDeleteAt } from '../../domain/expiry';
import { progressOf, progressPhase } from '../../domain/stack-wait';

/**
 * What a caller sees: the record without the webhook secret, the chat follow-up URL or internal bookkeeping. It lives
 * with the API's representations, not in domain/cluster.ts, because computing `autoDeleteAt` there made cluster.ts and
 * expiry.ts import each other.
 */
function publicView(cluster: Cluster) {
  const {
    webhook,
    followUp: _followUp,
    chatChannel: _chatChannel,
    stackRequestedAt: _requested,
    deleteRequests: _requests,
    expiryReminderFor: _reminder,
    createRequestDigest: _digest,
    // The workflows' waits hold task tokens: whoever has one can resume (or fail) the workflow.
    stackWait: _stackWait,
    instanceWait: _instanceWait,
    stackResources,
    resourcesPlanned,
    lastStackStatus: _lastStackStatus,
    ...rest
  } = cluster;
  const progress = stackResources ? progressOf(stackResources, progressPhase(cluster.status), resourcesPlanned) : undefined;
  return {
    ...rest,
    ...(progress && { progress }),
    // Computed, not read back: a record written before the field existed still shows it.
    autoDeleteAt: autoDeleteAt(cluster),
    webhook: webhook
      ? {
          url: webhook.url,
          events: webhook.events,
          ...(webhook.disabledAt !== undefined && { disabledAt: webhook.disabledAt, disabledReason: webhook.disabledReason }),
        }
      : undefined,
  };
}

/** A cluster as the API shows it: never the webhook secret, always the links to its sub-resources. */
export function clusterResource(cluster: Cluster) {
  const self = `/clusters/${cluster.id}`;
  return { ...publicView(cluster), links: { self, nodes: `${self}/nodes`, events: `${self}/events` } };
}

export function eventResource(event: TimelineEvent) {
  const { clusterId: _clusterId, ...rest } = event;
  return rest;
}

/**
 * A delivery as its log shows it: the exact body every attempt sent, its webhook-id, and each attempt. The record
 * holds no secret (the signature is computed at send time from the cluster's), so nothing here can leak one.
 */
export function deliveryResource(delivery: Delivery) {
  const self = `/clusters/${delivery.clusterId}/deliveries/${delivery.deliveryId}`;
  return {
    id: delivery.deliveryId,
    event: delivery.eventType,
    webhookId: delivery.messageId,
    clusterVersion: delivery.clusterVersion,
    status: delivery.status,
    statusReason: delivery.statusReason,
    round: delivery.round,
    body: delivery.body,
    attempts: delivery.attempts,
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
    ...(delivery.deliveredAt !== undefined && { deliveredAt: delivery.deliveredAt }),
    links: { redeliver: `${self}/redeliver` },
  };
}
