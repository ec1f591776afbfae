import {
  decideAfterAttempt,
  decisionOf,
  deliveryExecutionName,
  deliveryIdFor,
  deliveryIdSchema,
  messageIdFor,
  MAX_DELIVERY_ROUNDS,
  scaledWaitSeconds,
} from '../../../src/domain/delivery';
import { MAX_DELIVERY_ATTEMPTS, RETRY_DELAYS_SECONDS, WEBHOOK_EVENT_TYPES, type DeliveryAttempt } from '../../../src/domain/webhook';

const CLUSTER = 'c-01m8c7cgt5fds3qnwncr8n800q';
const failed = (fields: Partial<DeliveryAttempt> = {}): DeliveryAttempt => ({ attemptedAt: '2026-11-26T12:00:00.000Z', durationMs: 5, outcome: 'retryable', statusCode: 503, errorClass: 'http_status', ...fields });
const noJitter = { timeScale: 1, random: () => 0.5 };

describe('delivery ids', () => {
  it('are deterministic from cluster id, event and version, and the webhook-id keeps its established form', () => {
    expect(deliveryIdFor(CLUSTER, 'cluster.ready', 3)).toBe(deliveryIdFor(CLUSTER, 'cluster.ready', 3));
    expect(deliveryIdFor(CLUSTER, 'cluster.ready', 3)).toBe(`dlv_${CLUSTER}_v000000003_cluster_ready`);
    expect(messageIdFor(CLUSTER, 'cluster.ready', 3)).toBe(`msg_${CLUSTER}_cluster_ready_v3`);
    expect(deliveryIdFor(CLUSTER, 'cluster.ready', 3)).not.toBe(deliveryIdFor(CLUSTER, 'cluster.ready', 4));
    expect(deliveryIdFor(CLUSTER, 'cluster.ready', 3)).not.toBe(deliveryIdFor(CLUSTER, 'cluster.failed', 3));
  });

  it('sort in the order the events happened (by cluster version), as the delivery log lists them', () => {
    const ids = [deliveryIdFor(CLUSTER, 'cluster.deleted', 10), deliveryIdFor(CLUSTER, 'cluster.ready', 3), deliveryIdFor(CLUSTER, 'cluster.delete_failed', 9)];
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
  });

  it.each(WEBHOOK_EVENT_TYPES)('match the path schema and make execution names within the 80-character limit (%s)', (event) => {
    const id = deliveryIdFor(CLUSTER, event, 999_999_999);
    expect(deliveryIdSchema.safeParse(id).success).toBe(true);
    expect(deliveryExecutionName(id, MAX_DELIVERY_ROUNDS).length).toBeLessThanOrEqual(80);
    expect(deliveryExecutionName(id, MAX_DELIVERY_ROUNDS)).not.toMatch(/[\s<>{}[\]?*"#%\\^|~`$&,;:/]/);
  });

  it('refuses what is not a delivery id', () => {
    for (const id of ['dlv_x', `dlv_${CLUSTER}_v3_cluster_ready`, `../${deliveryIdFor(CLUSTER, 'cluster.ready', 1)}`]) {
      expect(deliveryIdSchema.safeParse(id).success).toBe(false);
    }
  });
});

describe('what an attempt means for the delivery', () => {
  it.each([
    ['delivered', failed({ outcome: 'delivered', statusCode: 200, errorClass: undefined }), 'delivered'],
    ['gone', failed({ outcome: 'gone', statusCode: 410 }), 'gone'],
    ['refused', failed({ outcome: 'refused', statusCode: undefined, errorClass: 'forbidden_address' }), 'refused'],
  ] as const)('%s ends the delivery', (_name, attempt, decision) => {
    expect(decideAfterAttempt(1, attempt, noJitter)).toEqual({ decision });
  });

  it('a retryable failure waits the schedule, then the delivery is exhausted after the last attempt', () => {
    const waits = RETRY_DELAYS_SECONDS.map((_, index) => decideAfterAttempt(index + 1, failed(), noJitter));
    expect(waits).toEqual(RETRY_DELAYS_SECONDS.map((seconds, index) => ({ decision: 'retry', waitSeconds: seconds, nextAttempt: index + 2 })));
    expect(decideAfterAttempt(MAX_DELIVERY_ATTEMPTS, failed(), noJitter)).toEqual({ decision: 'exhausted' });
  });

  it('jitters each wait by at most 20 %', () => {
    expect(decideAfterAttempt(2, failed(), { timeScale: 1, random: () => 0 })).toMatchObject({ waitSeconds: 240 });
    expect(decideAfterAttempt(2, failed(), { timeScale: 1, random: () => 0.999999 })).toMatchObject({ waitSeconds: 360 });
  });

  it('honours Retry-After when it asks for longer', () => {
    expect(decideAfterAttempt(1, failed({ retryAfterSeconds: 90 }), noJitter)).toMatchObject({ waitSeconds: 90 });
    expect(decideAfterAttempt(2, failed({ retryAfterSeconds: 90 }), noJitter)).toMatchObject({ waitSeconds: 300 });
  });

  it('scales waits by the configured time scale, rounding up so a real wait never becomes none', () => {
    expect(scaledWaitSeconds(36_000, 1)).toBe(36_000);
    expect(scaledWaitSeconds(36_000, 0.001)).toBe(36);
    expect(scaledWaitSeconds(5, 0.001)).toBe(1);
    expect(scaledWaitSeconds(0, 0.001)).toBe(0);
    expect(scaledWaitSeconds(1000, 0.001)).toBe(1);
    expect(decideAfterAttempt(3, failed(), { timeScale: 0.001, random: () => 0.5 })).toMatchObject({ waitSeconds: 2 });
  });

  it('a recorded attempt replays the decision it led to', () => {
    const base = { ...failed(), round: 1, attempt: 2 };
    expect(decisionOf({ ...base, waitSeconds: 300, nextAttemptAt: '2026-11-26T12:05:00.000Z' })).toEqual({ decision: 'retry', waitSeconds: 300, nextAttempt: 3 });
    expect(decisionOf(base)).toEqual({ decision: 'exhausted' });
    expect(decisionOf({ ...base, outcome: 'gone', statusCode: 410 })).toEqual({ decision: 'gone' });
  });
});
