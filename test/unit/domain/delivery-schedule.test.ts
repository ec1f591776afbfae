import {
  attemptSummary,
  channelDeliveryIdFor,
  decideAfterAttempt,
  decisionOf,
  deliveryExecutionName,
  deliveryIdFor,
  MAX_DELIVERY_ROUNDS,
  scaledWaitSeconds,
  settledStatus,
} from '../../../src/domain/delivery';
import type { DeliveryAttempt } from '../../../src/domain/webhook';

const CLUSTER = 'c-01m8c7cgt5fds3qnwncr8n800q';
const attempt = (fields: Partial<DeliveryAttempt> = {}): DeliveryAttempt => ({ attemptedAt: '2026-11-26T12:00:00.000Z', durationMs: 5, outcome: 'retryable', ...fields });

describe('the ids of one event’s deliveries', () => {
  it('gives the Slack channel’s delivery the webhook delivery’s id with _slack', () => {
    expect(channelDeliveryIdFor(CLUSTER, 'cluster.degraded', 12)).toBe(`dlv_${CLUSTER}_v000000012_cluster_degraded_slack`);
  });

  it('replaces only the first dot of the event type', () => {
    expect(deliveryIdFor(CLUSTER, 'cluster.delete_failed', 1)).toBe(`dlv_${CLUSTER}_v000000001_cluster_delete_failed`);
  });

  it('names each round’s execution after the delivery and the round', () => {
    expect(deliveryExecutionName(`dlv_${CLUSTER}_v000000003_cluster_ready`, 2)).toBe(`dlv_${CLUSTER}_v000000003_cluster_ready_r2`);
  });

  it('bounds redeliveries at 20 rounds', () => {
    expect(MAX_DELIVERY_ROUNDS).toBe(20);
  });
});

describe('the wait before the next attempt', () => {
  it('passes the receiver’s Retry-After to the schedule only when the attempt carried one', () => {
    // Prepare: with no jitter (random 0.5) the first wait is the schedule's 5 s
    const options = { timeScale: 1, random: () => 0.5 };

    // Act
    const without = decideAfterAttempt(1, attempt({ statusCode: 503 }), options);
    const withRetryAfter = decideAfterAttempt(1, attempt({ statusCode: 429, retryAfterSeconds: 120 }), options);

    // Assess
    expect(without).toEqual({ decision: 'retry', waitSeconds: 5, nextAttempt: 2 });
    expect(withRetryAfter).toEqual({ decision: 'retry', waitSeconds: 120, nextAttempt: 2 });
  });

  it('is scaled after the schedule and Retry-After have chosen it', () => {
    expect(decideAfterAttempt(1, attempt({ retryAfterSeconds: 120 }), { timeScale: 0.5, random: () => 0.5 })).toEqual({ decision: 'retry', waitSeconds: 60, nextAttempt: 2 });
  });

  it.each([
    [1.5, 1, 2],
    [1, 1, 1],
    [1.00000001, 1, 2],
    [1.0000000001, 1, 1],
    [0.4, 1, 1],
    [-5, 1, 0],
    [10, 0, 0],
  ])('scales %d s by %d to %i s (rounded up, never below zero, float noise ignored)', (seconds, scale, expected) => {
    expect(scaledWaitSeconds(seconds, scale)).toBe(expected);
  });
});

describe('replaying a recorded attempt', () => {
  it.each(['delivered', 'gone', 'refused'] as const)('replays %s as it was', (outcome) => {
    expect(decisionOf({ ...attempt({ outcome }), round: 1, attempt: 1 })).toEqual({ decision: outcome });
  });

  it('replays a retry with no wait recorded as exhausted, and one with a wait of 0 as a retry', () => {
    expect(decisionOf({ ...attempt(), round: 2, attempt: 8 })).toEqual({ decision: 'exhausted' });
    expect(decisionOf({ ...attempt(), round: 2, attempt: 4, waitSeconds: 0 })).toEqual({ decision: 'retry', waitSeconds: 0, nextAttempt: 5 });
  });
});

describe('what the delivery log says once an attempt settled it', () => {
  it.each([
    ['delivered', 1, { status: 'delivered', statusReason: 'cluster.ready delivered after 1 attempt' }],
    ['delivered', 3, { status: 'delivered', statusReason: 'cluster.ready delivered after 3 attempts' }],
    ['gone', 2, { status: 'failed', statusReason: 'the receiver answered 410 Gone; the endpoint is disabled for this cluster' }],
    ['refused', 1, { status: 'failed', statusReason: 'the webhook URL or an address it resolves to is not allowed; not retried' }],
    ['exhausted', 8, { status: 'failed', statusReason: 'cluster.ready not delivered: retries ran out after 8 attempts' }],
    ['exhausted', 1, { status: 'failed', statusReason: 'cluster.ready not delivered: retries ran out after 1 attempt' }],
    ['retry', 2, { status: 'pending', statusReason: 'cluster.ready attempt 2 failed; retrying' }],
    ['retry', 1, { status: 'pending', statusReason: 'cluster.ready attempt 1 failed; retrying' }],
  ] as const)('after %s on attempt %i: %j', (decision, attempts, expected) => {
    expect(settledStatus(decision, 'cluster.ready', attempts)).toEqual(expected);
  });
});

describe('a failed attempt on the timeline', () => {
  it('shows the HTTP status when there was an answer', () => {
    expect(attemptSummary(attempt({ statusCode: 503, errorClass: 'http_status' }))).toBe('HTTP 503');
  });

  it('shows the error class when there was no answer', () => {
    expect(attemptSummary(attempt({ errorClass: 'timeout' }))).toBe('timeout');
  });

  it('shows the outcome when there is neither', () => {
    expect(attemptSummary(attempt({ outcome: 'refused' }))).toBe('refused');
  });
});
