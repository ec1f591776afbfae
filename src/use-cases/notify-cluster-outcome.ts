import type { Cluster } from '../domain/cluster';
import { buildWebhookPayload, type DeliveryAttempt, type WebhookEventType } from '../domain/webhook';
import { logger } from '../logger';
import { loadCluster, record } from './lifecycle';
import type { Clock, ClusterStore } from './ports';

export interface WebhookDelivery {
  url: string;
  secret: string;
  messageId: string;
  eventType: string;
  body: string;
}

export type SendWebhook = (delivery: WebhookDelivery) => Promise<DeliveryAttempt>;

/** The receiver could not take the event this time; the workflow's Retry policy tries again later. */
export class WebhookRetryableError extends Error {
  constructor(readonly attempt: DeliveryAttempt) {
    super(`webhook delivery failed (${attempt.errorClass ?? attempt.statusCode ?? 'unknown'}); will retry`);
    this.name = 'WebhookRetryableError';
  }
}

function wants(cluster: Cluster, event: WebhookEventType): boolean {
  return cluster.webhook !== undefined && cluster.webhook.events.includes(event);
}

/**
 * Primary course:
 * 1. Load the cluster; no webhook, or not subscribed to this event → nothing to send.
 * 2. Build the payload from the cluster as it is now; one message id per event and version, stable across retries.
 * 3. Send one signed attempt and put its outcome on the timeline (never the secret).
 * 4. A retryable outcome throws, so the workflow retries with backoff; a webhook never changes the cluster's status.
 */
export async function notifyClusterOutcome(
  deps: { store: ClusterStore; clock: Clock; send: SendWebhook },
  input: { clusterId: string; event: WebhookEventType; version: number },
): Promise<{ sent: boolean; outcome?: DeliveryAttempt['outcome'] }> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  if (!cluster.webhook || !wants(cluster, input.event)) return { sent: false };

  const messageId = `msg_${cluster.id}_${input.event.replace('.', '_')}_v${input.version}`;
  const body = JSON.stringify(buildWebhookPayload(input.event, cluster, deps.clock.now()));
  const attempt = await deps.send({ url: cluster.webhook.url, secret: cluster.webhook.secret, messageId, eventType: input.event, body });
  const details = { messageId, event: input.event, ...attempt };
  logger.info('webhook attempt finished', { clusterId: cluster.id, ...details });

  if (attempt.outcome === 'delivered') {
    await record(deps, cluster.id, 'webhook.delivered', `${input.event} delivered`, details);
    return { sent: true, outcome: attempt.outcome };
  }
  if (attempt.outcome === 'retryable') {
    await record(deps, cluster.id, 'webhook.failed', `${input.event} attempt failed; will retry`, details);
    throw new WebhookRetryableError(attempt);
  }
  await record(deps, cluster.id, 'webhook.failed', `${input.event} not delivered (${attempt.outcome})`, details);
  return { sent: false, outcome: attempt.outcome };
}

/** After the last retry: say on the timeline that the event was given up on. */
export async function recordWebhookGivenUp(deps: { store: ClusterStore; clock: Clock }, input: { clusterId: string; event: WebhookEventType }): Promise<void> {
  await record(deps, input.clusterId, 'webhook.failed', `${input.event} delivery given up after retries`, { event: input.event });
}
