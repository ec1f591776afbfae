/**
 * Webhook events, their payload, the retry schedule and what an HTTP answer means for a delivery. Pure: no AWS, no
 * I/O, no clock or randomness of its own (callers pass `occurredAt` and `random`), so every rule here is testable
 * with plain values.
 */
import * as z from 'zod';

// Schemas are built inside `/* @__PURE__ */ (() => ...)()`: a bundle that reaches this module but uses none of them
// drops them, and with them the schema library (docs/performance.md).
// The list first and the schema from it: code that needs only the list (the create use case) carries no schema.
// cluster.updated, cluster.update_failed and cluster.hibernated are sent by the update workflow (issue 12);
// cluster.degraded, cluster.recovered and cluster.drifted by the health sweep (issue 14), on a change of health only.
export const WEBHOOK_EVENT_TYPES = ['cluster.ready', 'cluster.failed', 'cluster.deleted', 'cluster.delete_failed', 'cluster.expiring', 'cluster.updated', 'cluster.update_failed', 'cluster.hibernated', 'cluster.degraded', 'cluster.recovered', 'cluster.drifted'] as const;
export const webhookEventTypeSchema = /* @__PURE__ */ (() => z.enum(WEBHOOK_EVENT_TYPES))();
export type WebhookEventType = z.infer<typeof webhookEventTypeSchema>;

/** The health sweep's events: the only ones whose payload carries the cluster's health finding. */
const HEALTH_EVENT_TYPES: ReadonlySet<WebhookEventType> = /* @__PURE__ */ new Set(['cluster.degraded', 'cluster.recovered', 'cluster.drifted']);

// ---------------------------------------------------------------------------------------------------------------
// Payload
// ---------------------------------------------------------------------------------------------------------------

export const webhookPayloadSchema = /* @__PURE__ */ (() => z.object({
  type: webhookEventTypeSchema,
  occurredAt: z.iso.datetime(),
  data: z.object({
    cluster: z.object({
      id: z.string(),
      name: z.string(),
      status: z.string(),
      statusReason: z.string().nullable(),
      outputs: z.record(z.string(), z.string()),
      version: z.number().int(),
      /** When the reaper will delete the cluster; present when it has an expiry or idle timeout (cluster.expiring). */
      autoDeleteAt: z.iso.datetime().optional(),
      /** cluster.degraded, cluster.recovered, cluster.drifted: the health sweep's finding (domain/health.ts). */
      health: z
        .object({ status: z.enum(['healthy', 'degraded', 'drifted']), reasons: z.array(z.object({ code: z.string(), message: z.string() })), checkedAt: z.iso.datetime() })
        .optional(),
    }),
    /**
     * cluster.expiring only: what the reaper will do and when. `autoDeleteAt` alone cannot say it, as an idle
     * cluster with `idleAction: "hibernate"` is hibernated, not deleted.
     */
    expiring: z
      .object({ action: z.enum(['delete', 'hibernate']), at: z.iso.datetime(), reason: z.enum(['expired', 'idle']) })
      .optional(),
  }),
}))();
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

/** The part of a cluster record a webhook carries; a full `Cluster` fits it as is. */
export interface WebhookClusterSnapshot {
  id: string;
  name: string;
  status: string;
  statusReason?: string | null;
  outputs?: Record<string, string> | null;
  version: number;
  autoDeleteAt?: string | null;
  health?: { status: 'healthy' | 'degraded' | 'drifted'; reasons: { code: string; message: string }[]; checkedAt: string };
}

/**
 * A hard ceiling on the serialised body, half the 20 KB line receivers are promised we stay far under. A real event
 * is well under 1 KB; the ceiling only matters for pathological reasons or outputs.
 */
export const MAX_WEBHOOK_PAYLOAD_BYTES = 10 * 1024;

// Stack failure reasons can be long CloudFormation messages; the first kilobyte says what went wrong.
const MAX_REASON_CHARS = 1000;
const MAX_NAME_CHARS = 256;
// The Swarm template has six outputs; the limits leave room for more without letting outputs fill the budget.
const MAX_OUTPUTS = 16;
const MAX_OUTPUT_KEY_CHARS = 64;
const MAX_OUTPUT_VALUE_CHARS = 512;
const ELLIPSIS = '…';

export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let cut = maxChars - ELLIPSIS.length;
  // Never split a surrogate pair: a lone surrogate would serialise as an escape and read as garbage.
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return text.slice(0, cut) + ELLIPSIS;
}

function boundedOutputs(outputs: Record<string, string> | null | undefined): Record<string, string> {
  const entries = Object.entries(outputs ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, MAX_OUTPUTS);
  return Object.fromEntries(
    entries.map(([key, value]) => [truncateText(key, MAX_OUTPUT_KEY_CHARS), truncateText(String(value), MAX_OUTPUT_VALUE_CHARS)]),
  );
}

export function webhookPayloadBytes(payload: WebhookPayload): number {
  return Buffer.byteLength(JSON.stringify(payload), 'utf8');
}

/**
 * Builds the event body from a cluster snapshot. Only the fields below are copied, so nothing else on the record
 * (owner, tags, the webhook secret) can ever end up in a payload.
 */
/** What a `cluster.expiring` reminder announces (domain/expiry.ts `expiringNotice`). */
export interface ExpiringNotice {
  action: 'delete' | 'hibernate';
  at: string;
  reason: 'expired' | 'idle';
}

export function buildWebhookPayload(
  type: WebhookEventType,
  cluster: WebhookClusterSnapshot,
  occurredAt: Date,
  expiring?: ExpiringNotice,
): WebhookPayload {
  const reason = cluster.statusReason ? truncateText(cluster.statusReason, MAX_REASON_CHARS) : null;
  const payload: WebhookPayload = {
    type,
    occurredAt: occurredAt.toISOString(),
    data: {
      cluster: {
        id: cluster.id,
        name: truncateText(cluster.name, MAX_NAME_CHARS),
        status: cluster.status,
        statusReason: reason,
        outputs: boundedOutputs(cluster.outputs),
        version: cluster.version,
        ...(cluster.autoDeleteAt ? { autoDeleteAt: new Date(cluster.autoDeleteAt).toISOString() } : {}),
        ...(cluster.health && HEALTH_EVENT_TYPES.has(type) ? { health: cluster.health } : {}),
      },
      ...(type === 'cluster.expiring' && expiring ? { expiring } : {}),
    },
  };
  if (webhookPayloadBytes(payload) <= MAX_WEBHOOK_PAYLOAD_BYTES) return payload;

  // Only pathological input gets here (JSON escaping can turn one character into six bytes). Outputs are the bulk
  // and can be fetched with GET /clusters/{id}; the event itself must still go out.
  const full = payload.data.cluster;
  return {
    ...payload,
    data: {
      cluster: {
        ...full,
        name: truncateText(full.name, 64),
        statusReason: reason === null ? null : truncateText(reason, 200),
        outputs: {},
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Retry schedule
// ---------------------------------------------------------------------------------------------------------------

/**
 * Waits before attempts 2, 3, ... in seconds (attempt 1 goes out immediately). Svix's schedule (5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h; 27.6 h in all) plus one more 10 h wait: with every wait jittered 20 % short, Svix's seven
 * waits add up to only 22 h, and receivers are promised at least 24 h to recover. Ours: 37.6 h nominal, never
 * below 30 h, never above 45 h.
 */
export const RETRY_DELAYS_SECONDS: readonly number[] = [5, 300, 1800, 7200, 18000, 36000, 36000, 36000];
export const MAX_DELIVERY_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;

/** Spreads retries of many failed deliveries so a recovering receiver is not hit by all of them at once. */
export const RETRY_JITTER_RATIO = 0.2;

/**
 * A receiver's Retry-After can only lengthen a wait, and by at most an hour: honouring a short value would burn
 * the attempts within seconds, honouring a long one would let a receiver park a delivery indefinitely.
 */
export const MAX_RETRY_AFTER_SECONDS = 3600;

export interface NextAttemptOptions {
  /** Seconds the receiver asked for with `Retry-After` on the failed attempt (429/502/503/504 only). */
  retryAfterSeconds?: number;
  /** A number in [0, 1), like Math.random. */
  random: () => number;
}

/**
 * Seconds to wait before the attempt after `attemptNumber` (1-based, the attempt that just failed), or `undefined`
 * when that was the last one and the delivery has failed.
 */
export function nextAttemptDelaySeconds(attemptNumber: number, options: NextAttemptOptions): number | undefined {
  if (!Number.isInteger(attemptNumber) || attemptNumber < 1) {
    throw new RangeError(`attemptNumber must be a positive integer, got ${attemptNumber}`);
  }
  const base = RETRY_DELAYS_SECONDS[attemptNumber - 1];
  if (base === undefined) return undefined;

  const unit = Math.min(Math.max(options.random(), 0), 1);
  const jittered = Math.round(base * (1 + (unit * 2 - 1) * RETRY_JITTER_RATIO));

  const requested = options.retryAfterSeconds;
  if (requested === undefined || !Number.isFinite(requested) || requested <= 0) return jittered;
  return Math.max(jittered, Math.min(Math.ceil(requested), MAX_RETRY_AFTER_SECONDS));
}

// ---------------------------------------------------------------------------------------------------------------
// Outcome of one attempt
// ---------------------------------------------------------------------------------------------------------------

/**
 * - delivered: a 2xx answer; the delivery is done.
 * - retryable: try again on the schedule (non-2xx answers, redirects, network trouble, timeouts).
 * - gone: the receiver answered 410; stop and disable the endpoint for this cluster.
 * - refused: we refused to send (the URL or an address it resolves to is forbidden); never retried, since the same
 *   policy would refuse every retry, and a hostname that resolves to an internal address is an attack signal, not
 *   an outage.
 */
export const deliveryOutcomeSchema = /* @__PURE__ */ (() => z.enum(['delivered', 'retryable', 'gone', 'refused']))();
export type DeliveryOutcome = z.infer<typeof deliveryOutcomeSchema>;

export const deliveryErrorClassSchema = /* @__PURE__ */ (() => z.enum([
  'timeout',
  'dns',
  'connection_refused',
  'connection_reset',
  'tls',
  'network',
  'forbidden_url',
  'forbidden_address',
  'redirect',
  'http_status',
]))();
export type DeliveryErrorClass = z.infer<typeof deliveryErrorClassSchema>;

export const deliveryAttemptSchema = /* @__PURE__ */ (() => z.object({
  attemptedAt: z.iso.datetime(),
  durationMs: z.number().int().nonnegative(),
  outcome: deliveryOutcomeSchema,
  statusCode: z.number().int().optional(),
  errorClass: deliveryErrorClassSchema.optional(),
  retryAfterSeconds: z.number().int().nonnegative().optional(),
  /** Only for `refused`: a plain sentence saying why, safe to show the cluster's owner. */
  detail: z.string().optional(),
}))();
export type DeliveryAttempt = z.infer<typeof deliveryAttemptSchema>;

export interface StatusClassification {
  outcome: Exclude<DeliveryOutcome, 'refused'>;
  errorClass?: Extract<DeliveryErrorClass, 'redirect' | 'http_status'>;
  /** Whether the answer's Retry-After header counts (rate limiting and gateway trouble). */
  honoursRetryAfter: boolean;
}

const RETRY_AFTER_STATUSES = new Set([429, 502, 503, 504]);

export function classifyResponseStatus(statusCode: number): StatusClassification {
  if (statusCode >= 200 && statusCode <= 299) return { outcome: 'delivered', honoursRetryAfter: false };
  // Following a redirect would let a receiver steer our request to any address; the owner has to fix the URL.
  if (statusCode >= 300 && statusCode <= 399) {
    return { outcome: 'retryable', errorClass: 'redirect', honoursRetryAfter: false };
  }
  if (statusCode === 410) return { outcome: 'gone', errorClass: 'http_status', honoursRetryAfter: false };
  return { outcome: 'retryable', errorClass: 'http_status', honoursRetryAfter: RETRY_AFTER_STATUSES.has(statusCode) };
}

/**
 * Reads a Retry-After header value (delta-seconds or an HTTP date) as whole seconds from `now`; `undefined` when it
 * is absent or unreadable, so a garbled header falls back to the plain schedule.
 */
export function parseRetryAfterSeconds(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text);
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
