/**
 * A webhook delivery: one event for one cluster, the exact body that is signed and sent, and every attempt made to
 * send it. Pure: ids, the record's shape and what an attempt's outcome means for the delivery. No AWS, no clock.
 */
import * as z from 'zod';
import type { ChatChannel } from './cluster';
import { deliveryAttemptSchema, nextAttemptDelaySeconds, type DeliveryAttempt, type WebhookEventType } from './webhook';

// Schemas are built inside `/* @__PURE__ */ (() => ...)()`: a bundle that reaches this module but uses none of them
// drops them, and with them the schema library (docs/performance.md).
/**
 * - pending: attempts are under way (or waiting for the next one).
 * - delivered: a 2xx answer.
 * - failed: retries ran out, the receiver answered 410, or the URL was refused; `statusReason` says which.
 * - skipped: never sent, because the endpoint was disabled (410) before the event happened.
 */
export const deliveryStatusSchema = /* @__PURE__ */ (() => z.enum(['pending', 'delivered', 'failed', 'skipped']))();
export type DeliveryStatus = z.infer<typeof deliveryStatusSchema>;

/** An attempt as the delivery log keeps it: which round (1 + redeliveries) and which try within it. */
export const recordedAttemptSchema = /* @__PURE__ */ (() => deliveryAttemptSchema.extend({
  round: z.number().int().positive(),
  attempt: z.number().int().positive(),
  /** When the next attempt is due, for a retryable attempt that has one left. */
  nextAttemptAt: z.iso.datetime().optional(),
  /** The (scaled) wait before the next attempt; kept so a retried task answers exactly as the first try did. */
  waitSeconds: z.number().int().nonnegative().optional(),
}))();
export type RecordedAttempt = z.infer<typeof recordedAttemptSchema>;

export interface Delivery {
  clusterId: string;
  deliveryId: string;
  /** `webhook-id`: the same for every attempt and every redelivery, so receivers can deduplicate. */
  messageId: string;
  eventType: WebhookEventType;
  /** The cluster version the event describes. */
  clusterVersion: number;
  /** The serialised payload, byte for byte what every attempt signs and sends. */
  body: string;
  status: DeliveryStatus;
  statusReason: string;
  /** 1 for the first sequence of attempts, +1 per redelivery. Only the current round's execution may send. */
  round: number;
  attempts: RecordedAttempt[];
  createdAt: string;
  updatedAt: string;
  deliveredAt?: string;
  /** Optimistic concurrency, as on the cluster record: every write is conditioned on it and bumps it. */
  version: number;
  /**
   * Set on a delivery to the Slack channel a cluster was made from (its health events): the body is
   * chat.postMessage's, posted with the app's bot token instead of signed to the webhook. Absent: the webhook.
   */
  channel?: ChatChannel;
}

// ---------------------------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------------------------

const eventToken = (event: WebhookEventType) => event.replace('.', '_');

/**
 * One delivery per cluster, event and cluster version: a retried Notify step computes the same id and finds the
 * delivery it already created instead of making a second one. The version comes first and zero-padded so the
 * delivery log, sorted by id, is in the order the events happened (versions only grow).
 */
export function deliveryIdFor(clusterId: string, event: WebhookEventType, clusterVersion: number): string {
  return `dlv_${clusterId}_v${String(clusterVersion).padStart(9, '0')}_${eventToken(event)}`;
}

/** The delivery of the same event to the cluster's Slack channel: its webhook delivery's id with `_slack`. */
export function channelDeliveryIdFor(clusterId: string, event: WebhookEventType, clusterVersion: number): string {
  return `${deliveryIdFor(clusterId, event, clusterVersion)}_slack`;
}

/** The `webhook-id` of the event: unchanged across retries and redeliveries. */
export function messageIdFor(clusterId: string, event: WebhookEventType, clusterVersion: number): string {
  return `msg_${clusterId}_${eventToken(event)}_v${clusterVersion}`;
}

export const deliveryIdSchema = /* @__PURE__ */ (() => z
  .string()
  .regex(/^dlv_c-[0-9a-z]{26}_v[0-9]{9}_cluster_[a-z_]{1,20}$/, 'is not a delivery id'))();

/**
 * The delivery workflow's execution name for one round. Standard executions are unique by name (for 90 days), so a
 * start repeated for the same round finds the same execution; a redelivery is a new round and a new name. At most
 * 80 characters: 4 + 28 + 11 + 22 + 4 = 69.
 */
export function deliveryExecutionName(deliveryId: string, round: number): string {
  return `${deliveryId}_r${round}`;
}

/**
 * Each round holds at most MAX_DELIVERY_ATTEMPTS attempts of ~250 bytes and the body is at most 10 KiB, so a bound
 * on rounds keeps the record far from DynamoDB's 400 KB item limit, and a receiver's owner from redelivering forever.
 */
export const MAX_DELIVERY_ROUNDS = 20;

// ---------------------------------------------------------------------------------------------------------------
// What an attempt means for the delivery
// ---------------------------------------------------------------------------------------------------------------

/**
 * - delivered / gone / refused: the delivery is over (2xx; 410; a URL or address the policy refuses).
 * - retry: wait `waitSeconds`, then attempt again.
 * - exhausted: a retryable failure with no attempt left; the delivery has failed.
 */
export type AttemptDecision =
  | { decision: 'delivered' | 'gone' | 'refused' | 'exhausted' }
  | { decision: 'retry'; waitSeconds: number; nextAttempt: number };

export interface DecisionOptions {
  /** Multiplies the schedule's waits: 1 on AWS; the local sandbox runs a 37-hour schedule in minutes. */
  timeScale: number;
  /** A number in [0, 1), like Math.random, for the jitter. */
  random: () => number;
}

/**
 * Scaled waits round up, so a scaled-down schedule still waits at least a second where the real one waits at all
 * (a Wait state counts whole seconds). The epsilon keeps float noise (1000 × 0.001 = 1.0000000000000002) from
 * adding a second.
 */
export function scaledWaitSeconds(seconds: number, timeScale: number): number {
  return Math.max(0, Math.ceil(seconds * timeScale - 1e-9));
}

export function decideAfterAttempt(attemptNumber: number, attempt: DeliveryAttempt, options: DecisionOptions): AttemptDecision {
  if (attempt.outcome !== 'retryable') return { decision: attempt.outcome };
  const delay = nextAttemptDelaySeconds(attemptNumber, {
    random: options.random,
    ...(attempt.retryAfterSeconds !== undefined && { retryAfterSeconds: attempt.retryAfterSeconds }),
  });
  if (delay === undefined) return { decision: 'exhausted' };
  return { decision: 'retry', waitSeconds: scaledWaitSeconds(delay, options.timeScale), nextAttempt: attemptNumber + 1 };
}

/** The decision a recorded attempt led to, for a task retried after its attempt was already written. */
export function decisionOf(recorded: RecordedAttempt): AttemptDecision {
  if (recorded.outcome !== 'retryable') return { decision: recorded.outcome };
  if (recorded.waitSeconds === undefined) return { decision: 'exhausted' };
  return { decision: 'retry', waitSeconds: recorded.waitSeconds, nextAttempt: recorded.attempt + 1 };
}

/** The delivery's status and a sentence for its log and the timeline, after the attempt that settled it. */
export function settledStatus(decision: AttemptDecision['decision'], event: WebhookEventType, attempts: number): { status: DeliveryStatus; statusReason: string } {
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  switch (decision) {
    case 'delivered':
      return { status: 'delivered', statusReason: `${event} delivered after ${tries}` };
    case 'gone':
      return { status: 'failed', statusReason: `the receiver answered 410 Gone; the endpoint is disabled for this cluster` };
    case 'refused':
      return { status: 'failed', statusReason: `the webhook URL or an address it resolves to is not allowed; not retried` };
    case 'exhausted':
      return { status: 'failed', statusReason: `${event} not delivered: retries ran out after ${tries}` };
    default:
      return { status: 'pending', statusReason: `${event} attempt ${attempts} failed; retrying` };
  }
}

/** A plain description of a failed attempt for the timeline: the status code, or the error class. */
export function attemptSummary(attempt: DeliveryAttempt): string {
  if (attempt.statusCode !== undefined) return `HTTP ${attempt.statusCode}`;
  return attempt.errorClass ?? attempt.outcome;
}
