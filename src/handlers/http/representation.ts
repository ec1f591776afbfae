import { publicView, type Cluster, type TimelineEvent } from '../../domain/cluster';
import type { Delivery } from '../../domain/delivery';

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
