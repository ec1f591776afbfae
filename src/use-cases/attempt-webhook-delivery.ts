import { DeliveryMissingError, StaleClusterError, StaleDeliveryError } from '../domain/errors';
import {
  attemptSummary,
  decideAfterAttempt,
  decisionOf,
  settledStatus,
  type AttemptDecision,
  type Delivery,
  type RecordedAttempt,
} from '../domain/delivery';
import type { DeliveryAttempt } from '../domain/webhook';
import { logger } from '../logger';
import { loadCluster, record } from './lifecycle';
import type { Clock, ClusterStore, DeliveryExecutionInput, DeliveryStore, SendChatMessage } from './ports';

/** One signed POST; never throws for anything the network or the receiver does (see adapters/webhooks/sender.ts). */
export type SendWebhook = (request: { url: string; secret: string; messageId: string; eventType: string; body: string; now: Date }) => Promise<DeliveryAttempt>;

export interface AttemptDeliveryDeps {
  store: ClusterStore;
  deliveries: DeliveryStore;
  send: SendWebhook;
  /** chat.postMessage with the bot token, for a delivery to a Slack channel; undefined when no token is configured. */
  postToChannel?: SendChatMessage;
  clock: Clock;
  /** WEBHOOK_RETRY_TIME_SCALE: 1 on AWS. */
  timeScale: number;
  /** Jitter source, like Math.random; tests pin it. */
  random?: () => number;
}

/**
 * What the deliver-webhook workflow does next: the decision of the attempt, or
 * - superseded: a redelivery started a newer round; this execution stops without sending.
 * - stopped: the delivery was settled elsewhere (endpoint removed or disabled, or failed by the workflow's catch).
 */
export type DeliveryStep = AttemptDecision | { decision: 'superseded' | 'stopped' };

// A write racing ours (a workflow step changing the cluster's status, a redelivery opening a round) is simply read
// again; a handful of rounds is plenty, and beyond that the task's own retry takes over.
const RACE_TRIES = 5;

/**
 * Primary course:
 * 1. Load the delivery. An execution of an older round (a redelivery superseded it) stops without sending; an
 *    attempt already recorded (this task retried after its write landed) answers exactly as it did then.
 * 2. Load the cluster. A webhook removed or disabled since the delivery was made ends it without sending.
 * 3. Send the stored body with the stored webhook-id, signed with the cluster's secret and a fresh timestamp.
 * 4. Decide: delivered; retry after the scheduled wait (jittered, Retry-After honoured, scaled); exhausted; gone;
 *    refused.
 * 5. Record the attempt and the delivery's status in one conditional write, then put it on the timeline.
 * 6. On 410 Gone, disable the endpoint on the cluster record; the cluster's status is never touched.
 */
export async function attemptWebhookDelivery(deps: AttemptDeliveryDeps, input: DeliveryExecutionInput): Promise<DeliveryStep> {
  const delivery = await loadDelivery(deps.deliveries, input);
  const earlier = settledBefore(delivery, input);
  if (earlier) return earlier.decision === 'gone' ? replayGone(deps, delivery, earlier) : earlier;

  const cluster = await loadCluster(deps.store, input.clusterId);
  let attempt: DeliveryAttempt;
  if (delivery.channel) {
    // The token can be removed after the delivery was made (the app uninstalled): end it, as a removed webhook does.
    if (!deps.postToChannel) return stopDelivery(deps, delivery, input, 'not sent: no Slack bot token is configured (SLACK_BOT_TOKEN)');
    attempt = await deps.postToChannel({ body: delivery.body, now: deps.clock.now() });
  } else {
    const webhook = cluster.webhook;
    if (!webhook || webhook.disabledAt !== undefined) {
      const reason = webhook ? 'not sent: the endpoint was disabled after answering 410 Gone' : 'not sent: the cluster has no webhook any more';
      return stopDelivery(deps, delivery, input, reason);
    }
    attempt = await deps.send({
      url: webhook.url,
      secret: webhook.secret,
      messageId: delivery.messageId,
      eventType: delivery.eventType,
      body: delivery.body,
      now: deps.clock.now(),
    });
  }
  const decision = decideAfterAttempt(input.attempt, attempt, { timeScale: deps.timeScale, random: deps.random ?? Math.random });
  const recorded: RecordedAttempt = {
    ...attempt,
    round: input.round,
    attempt: input.attempt,
    ...(decision.decision === 'retry' && {
      waitSeconds: decision.waitSeconds,
      nextAttemptAt: new Date(deps.clock.now().getTime() + decision.waitSeconds * 1000).toISOString(),
    }),
  };
  logger.info('webhook attempt finished', {
    clusterId: delivery.clusterId,
    deliveryId: delivery.deliveryId,
    messageId: delivery.messageId,
    event: delivery.eventType,
    round: input.round,
    attempt: input.attempt,
    outcome: attempt.outcome,
    statusCode: attempt.statusCode,
    errorClass: attempt.errorClass,
    durationMs: attempt.durationMs,
    decision: decision.decision,
    ...(delivery.channel && { target: 'slack channel' }),
  });

  const saved = await saveAttempt(deps, delivery, input, recorded, decision);
  if (saved !== 'saved') return saved;
  await recordOnTimeline(deps, delivery, recorded, decision);
  if (decision.decision === 'gone') await disableEndpoint(deps, delivery);
  return decision;
}

async function loadDelivery(deliveries: DeliveryStore, input: DeliveryExecutionInput): Promise<Delivery> {
  const delivery = await deliveries.get(input.clusterId, input.deliveryId);
  if (!delivery) throw new DeliveryMissingError(input.deliveryId);
  return delivery;
}

/** The answer for an execution that must not send: an older round, or this very attempt already recorded. */
function settledBefore(delivery: Delivery, input: DeliveryExecutionInput): DeliveryStep | undefined {
  if (delivery.round !== input.round) return { decision: 'superseded' };
  const recorded = delivery.attempts.find((a) => a.round === input.round && a.attempt === input.attempt);
  if (recorded) return decisionOf(recorded);
  if (delivery.status !== 'pending') return { decision: 'stopped' };
  return undefined;
}

/** A retried task whose 410 was recorded may have stopped before the endpoint was disabled: finish that part. */
async function replayGone(deps: AttemptDeliveryDeps, delivery: Delivery, decision: DeliveryStep): Promise<DeliveryStep> {
  await disableEndpoint(deps, delivery);
  return decision;
}

async function saveAttempt(
  deps: AttemptDeliveryDeps,
  delivery: Delivery,
  input: DeliveryExecutionInput,
  recorded: RecordedAttempt,
  decision: AttemptDecision,
): Promise<'saved' | DeliveryStep> {
  const attemptsInRound = delivery.attempts.filter((a) => a.round === input.round).length + 1;
  const now = deps.clock.now().toISOString();
  const { status, statusReason } = settledStatus(decision.decision, delivery.eventType, attemptsInRound);
  try {
    await deps.deliveries.update(delivery, { status, statusReason, updatedAt: now, ...(status === 'delivered' && { deliveredAt: now }) }, recorded);
    return 'saved';
  } catch (error) {
    if (!(error instanceof StaleDeliveryError)) throw error;
    // Someone wrote in between: this same attempt (a concurrent retry of the task) or a redelivery's new round.
    const current = await loadDelivery(deps.deliveries, input);
    const answer = settledBefore(current, input);
    if (!answer) throw error;
    logger.warn('webhook attempt not recorded: the delivery changed meanwhile', { clusterId: delivery.clusterId, deliveryId: delivery.deliveryId, round: input.round, attempt: input.attempt, answer: answer.decision });
    return answer;
  }
}

async function recordOnTimeline(deps: AttemptDeliveryDeps, delivery: Delivery, recorded: RecordedAttempt, decision: AttemptDecision): Promise<void> {
  const event = delivery.channel ? `${delivery.eventType} to the Slack channel` : delivery.eventType;
  const details = {
    deliveryId: delivery.deliveryId,
    messageId: delivery.messageId,
    event: delivery.eventType,
    round: recorded.round,
    attempt: recorded.attempt,
    statusCode: recorded.statusCode,
    errorClass: recorded.errorClass,
    durationMs: recorded.durationMs,
  };
  const failed = `${event} attempt ${recorded.attempt} failed (${attemptSummary(recorded)})`;
  switch (decision.decision) {
    case 'delivered':
      return record(deps, delivery.clusterId, 'webhook.delivered', `${event} delivered (HTTP ${recorded.statusCode ?? '2xx'}, attempt ${recorded.attempt})`, details);
    case 'retry':
      return record(deps, delivery.clusterId, 'webhook.failed', `${failed}; next attempt in ${decision.waitSeconds} s`, details);
    case 'exhausted':
      return record(deps, delivery.clusterId, 'webhook.failed', `${failed}; retries ran out, the delivery has failed`, details);
    case 'gone':
      return record(deps, delivery.clusterId, 'webhook.failed', `${failed}: the receiver answered 410 Gone; no further attempts`, details);
    case 'refused':
      return record(deps, delivery.clusterId, 'webhook.failed', `${failed}: ${recorded.detail ?? 'the address is not allowed'}; not retried`, details);
  }
}

/** Ends a pending delivery without sending, with the reason on the record and the timeline. */
async function stopDelivery(deps: AttemptDeliveryDeps, delivery: Delivery, input: DeliveryExecutionInput, reason: string): Promise<DeliveryStep> {
  try {
    await deps.deliveries.update(delivery, { status: 'failed', statusReason: reason, updatedAt: deps.clock.now().toISOString() });
  } catch (error) {
    if (!(error instanceof StaleDeliveryError)) throw error;
    return settledBefore(await loadDelivery(deps.deliveries, input), input) ?? { decision: 'stopped' };
  }
  const what = delivery.channel ? `${delivery.eventType} to the Slack channel` : delivery.eventType;
  await record(deps, delivery.clusterId, 'webhook.failed', `${what} ${reason}`, { deliveryId: delivery.deliveryId, event: delivery.eventType });
  return { decision: 'stopped' };
}

/**
 * The receiver said the endpoint is gone for good: no further event is sent to it for this cluster. A conditional
 * write on the cluster record (version-checked like every cluster change) that touches the webhook only, never the
 * status.
 */
async function disableEndpoint(deps: AttemptDeliveryDeps, delivery: Delivery): Promise<void> {
  for (let tries = 1; ; tries += 1) {
    const cluster = await loadCluster(deps.store, delivery.clusterId);
    if (!cluster.webhook || cluster.webhook.disabledAt !== undefined) return;
    const at = deps.clock.now().toISOString();
    const reason = `the receiver answered 410 Gone to ${delivery.eventType}`;
    try {
      await deps.store.update(cluster, { webhook: { ...cluster.webhook, disabledAt: at, disabledReason: reason }, updatedAt: at });
    } catch (error) {
      if (error instanceof StaleClusterError && tries < RACE_TRIES) continue;
      throw error;
    }
    await record(deps, cluster.id, 'webhook.disabled', `webhook endpoint disabled: ${reason}; later events will not be sent`, { deliveryId: delivery.deliveryId, event: delivery.eventType });
    logger.warn('webhook endpoint disabled', { clusterId: cluster.id, deliveryId: delivery.deliveryId, event: delivery.eventType });
    return;
  }
}

/**
 * The deliver-webhook workflow's catch: the attempt task failed for good (a bug, a record gone), so the delivery of
 * this round is marked failed with the error's name, never left pending. A settled or superseded delivery is left
 * alone.
 */
export async function failWebhookDelivery(
  deps: { store: ClusterStore; deliveries: DeliveryStore; clock: Clock },
  input: { clusterId: string; deliveryId: string; round: number; error?: string },
): Promise<void> {
  const reason = `the delivery workflow stopped: ${input.error ?? 'unknown error'}`;
  let delivery: Delivery | undefined;
  for (let tries = 1; ; tries += 1) {
    delivery = await deps.deliveries.get(input.clusterId, input.deliveryId);
    if (!delivery || delivery.round !== input.round || delivery.status !== 'pending') return;
    try {
      await deps.deliveries.update(delivery, { status: 'failed', statusReason: reason, updatedAt: deps.clock.now().toISOString() });
      break;
    } catch (error) {
      // Something wrote in between (a redelivery, a late attempt): read again and see whether it is still ours.
      if (!(error instanceof StaleDeliveryError) || tries >= RACE_TRIES) throw error;
    }
  }
  await record(deps, input.clusterId, 'webhook.failed', `${delivery.eventType} ${reason}`, { deliveryId: delivery.deliveryId, event: delivery.eventType });
  logger.error('webhook delivery failed in its workflow', { clusterId: input.clusterId, deliveryId: input.deliveryId, error: input.error });
}
