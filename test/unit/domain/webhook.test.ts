import {
  buildWebhookPayload,
  classifyResponseStatus,
  MAX_DELIVERY_ATTEMPTS,
  MAX_RETRY_AFTER_SECONDS,
  MAX_WEBHOOK_PAYLOAD_BYTES,
  nextAttemptDelaySeconds,
  parseRetryAfterSeconds,
  RETRY_DELAYS_SECONDS,
  webhookEventTypeSchema,
  webhookPayloadBytes,
  webhookPayloadSchema,
  type WebhookClusterSnapshot,
} from '../../../src/domain/webhook';

const DAY_SECONDS = 24 * 3600;

const cluster: WebhookClusterSnapshot = {
  id: 'c-01jz0000000000000000000000',
  name: 'ci-runners',
  status: 'READY',
  statusReason: 'stack CREATE_COMPLETE',
  outputs: { DefaultDNSTarget: 'swarm-elb-1.eu-west-1.elb.amazonaws.com', VPCID: 'vpc-0abc' },
  version: 7,
};

function scheduleTotal(random: () => number, retryAfterSeconds?: number): number {
  let total = 0;
  for (let attempt = 1; ; attempt += 1) {
    const delay = nextAttemptDelaySeconds(attempt, { random, retryAfterSeconds });
    if (delay === undefined) return total;
    total += delay;
  }
}

describe('webhook event types', () => {
  it('accepts the cluster events, the update workflow’s included, and nothing else', () => {
    // Act
    const types = ['cluster.ready', 'cluster.failed', 'cluster.deleted', 'cluster.delete_failed', 'cluster.expiring', 'cluster.updated', 'cluster.update_failed', 'cluster.hibernated'];
    const accepted = types.map((type) => webhookEventTypeSchema.safeParse(type).success);

    // Assess
    expect(accepted).toEqual(types.map(() => true));
    expect(webhookEventTypeSchema.safeParse('cluster.created').success).toBe(false);
  });
});

describe('buildWebhookPayload', () => {
  it('carries the cluster fields a receiver acts on, and nothing else from the record', () => {
    // Prepare
    const record = {
      ...cluster,
      owner: 'arn:aws:iam::123456789012:user/alice',
      webhook: { url: 'https://hooks.example.com/x', events: [], secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' },
    };

    // Act
    const payload = buildWebhookPayload('cluster.ready', record, new Date('2026-01-02T03:04:05.000Z'));

    // Assess
    expect(payload).toEqual({
      type: 'cluster.ready',
      occurredAt: '2026-01-02T03:04:05.000Z',
      data: { cluster: { ...cluster } },
    });
    expect(webhookPayloadSchema.safeParse(payload).success).toBe(true);
    const body = JSON.stringify(payload);
    expect(body).not.toContain('whsec_');
    expect(body).not.toContain('alice');
  });

  it('uses null and {} when the cluster has no reason or outputs yet', () => {
    // Act
    const payload = buildWebhookPayload('cluster.failed', { ...cluster, statusReason: undefined, outputs: null }, new Date(0));

    // Assess
    expect(payload.data.cluster.statusReason).toBeNull();
    expect(payload.data.cluster.outputs).toEqual({});
  });

  it('truncates a long status reason', () => {
    // Act
    const payload = buildWebhookPayload('cluster.failed', { ...cluster, statusReason: 'x'.repeat(50_000) }, new Date(0));

    // Assess
    const reason = payload.data.cluster.statusReason ?? '';
    expect(reason.length).toBeLessThanOrEqual(1000);
    expect(reason.endsWith('…')).toBe(true);
  });

  it('does not split a surrogate pair when truncating', () => {
    // Act
    const payload = buildWebhookPayload('cluster.failed', { ...cluster, statusReason: '😀'.repeat(2000) }, new Date(0));

    // Assess
    const reason = payload.data.cluster.statusReason ?? '';
    // The reason is there and was truncated (else the absence below would prove nothing): whole emoji, then the ellipsis.
    expect(reason.length).toBeGreaterThan(900);
    expect(reason.length).toBeLessThanOrEqual(1000);
    expect(reason.endsWith('…')).toBe(true);
    expect(new Set(Array.from(reason.slice(0, -1)))).toEqual(new Set(['😀']));
    expect(JSON.stringify(reason)).not.toMatch(/\\ud[89a-f]/i);
  });

  it('keeps all six template outputs of a real cluster, in well under a kilobyte', () => {
    // Prepare
    const outputs = {
      DefaultDNSTarget: 'swarm-c-01jz-elb-1234567890.eu-west-1.elb.amazonaws.com',
      ELBDNSZoneID: 'Z32O12XQLNTSW2',
      ZoneAvailabilityComment: 'This region has at least 3 Availability Zones (AZ). This is ideal.',
      Managers: 'https://eu-west-1.console.aws.amazon.com/ec2/v2/home?region=eu-west-1#Instances:tag:swarm-node-type=manager',
      VPCID: 'vpc-0123456789abcdef0',
      SwarmWideSecurityGroupID: 'sg-0123456789abcdef0',
    };

    // Act
    const payload = buildWebhookPayload('cluster.ready', { ...cluster, outputs }, new Date(0));

    // Assess
    expect(payload.data.cluster.outputs).toEqual(outputs);
    expect(webhookPayloadBytes(payload)).toBeLessThan(1024);
  });

  it.each([
    ['long text', 'x'],
    ['multi-byte text', '€'],
    ['text JSON escapes six-fold', '\u0001'],
  ])('stays under the payload budget with pathological %s everywhere', (_label, char) => {
    // Prepare
    // Longer than every limit (name 256, reason 1,000, output value 512 characters) and, escaped, far over the budget.
    const huge = char.repeat(5_000);
    const outputs = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`${huge}${i}`, huge]));

    // Act
    const payload = buildWebhookPayload('cluster.failed', { ...cluster, name: huge, statusReason: huge, outputs }, new Date(0));

    // Assess
    expect(webhookPayloadBytes(payload)).toBeLessThanOrEqual(MAX_WEBHOOK_PAYLOAD_BYTES);
    expect(MAX_WEBHOOK_PAYLOAD_BYTES).toBeLessThan(20_000);
  });
});

describe('nextAttemptDelaySeconds', () => {
  const midpoint = () => 0.5;

  it('follows the Svix schedule (plus a final 10 h) without jitter at the midpoint', () => {
    // Act
    const delays = Array.from({ length: MAX_DELIVERY_ATTEMPTS - 1 }, (_, i) => nextAttemptDelaySeconds(i + 1, { random: midpoint }));

    // Assess
    expect(delays).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000, 36000]);
  });

  it('returns undefined once the attempts are exhausted', () => {
    // Act
    const afterLast = nextAttemptDelaySeconds(MAX_DELIVERY_ATTEMPTS, { random: midpoint });

    // Assess
    expect(MAX_DELIVERY_ATTEMPTS).toBe(9);
    expect(afterLast).toBeUndefined();
    expect(nextAttemptDelaySeconds(MAX_DELIVERY_ATTEMPTS + 5, { random: midpoint })).toBeUndefined();
  });

  it('spans more than 24 hours even when every wait is jittered to its shortest', () => {
    // Act
    const shortest = scheduleTotal(() => 0);
    const nominal = scheduleTotal(midpoint);
    const longest = scheduleTotal(() => 0.999_999);

    // Assess
    expect(shortest).toBeGreaterThan(DAY_SECONDS);
    expect(nominal).toBe(135_305);
    expect(longest).toBeLessThanOrEqual(nominal * 1.2);
  });

  it.each([0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999_999])('keeps jitter within ±20 %% (random = %p)', (value) => {
    // Act
    const delays = RETRY_DELAYS_SECONDS.map((_, i) => nextAttemptDelaySeconds(i + 1, { random: () => value }));

    // Assess
    delays.forEach((delay, i) => {
      const base = RETRY_DELAYS_SECONDS[i] ?? Number.NaN;
      expect(delay).toBeGreaterThanOrEqual(base * 0.8);
      expect(delay).toBeLessThanOrEqual(base * 1.2);
      expect(Number.isInteger(delay)).toBe(true);
    });
  });

  it('spreads delays over the jitter range', () => {
    // Act
    const low = nextAttemptDelaySeconds(3, { random: () => 0 });
    const high = nextAttemptDelaySeconds(3, { random: () => 0.999_999 });

    // Assess
    expect(low).toBe(1440);
    expect(high).toBe(2160);
  });

  it('lengthens a wait to honour Retry-After', () => {
    // Act
    const delay = nextAttemptDelaySeconds(2, { random: midpoint, retryAfterSeconds: 900 });

    // Assess
    expect(delay).toBe(900);
  });

  it('never shortens the schedule for a small Retry-After', () => {
    // Act
    const delay = nextAttemptDelaySeconds(4, { random: midpoint, retryAfterSeconds: 1 });

    // Assess
    expect(delay).toBe(7200);
  });

  it('caps Retry-After at one hour', () => {
    // Act
    const delay = nextAttemptDelaySeconds(1, { random: midpoint, retryAfterSeconds: 10 * DAY_SECONDS });

    // Assess
    expect(delay).toBe(MAX_RETRY_AFTER_SECONDS);
    expect(MAX_RETRY_AFTER_SECONDS).toBe(3600);
  });

  it('does not revive an exhausted delivery for a Retry-After', () => {
    // Act
    const delay = nextAttemptDelaySeconds(MAX_DELIVERY_ATTEMPTS, { random: midpoint, retryAfterSeconds: 60 });

    // Assess
    expect(delay).toBeUndefined();
  });

  it('rejects attempt numbers below 1', () => {
    // Act / Assess
    expect(() => nextAttemptDelaySeconds(0, { random: midpoint })).toThrow(RangeError);
  });
});

describe('classifyResponseStatus', () => {
  it.each([
    [200, 'delivered', undefined, false],
    [204, 'delivered', undefined, false],
    [299, 'delivered', undefined, false],
    [301, 'retryable', 'redirect', false],
    [302, 'retryable', 'redirect', false],
    [307, 'retryable', 'redirect', false],
    [308, 'retryable', 'redirect', false],
    [400, 'retryable', 'http_status', false],
    [401, 'retryable', 'http_status', false],
    [404, 'retryable', 'http_status', false],
    [410, 'gone', 'http_status', false],
    [429, 'retryable', 'http_status', true],
    [500, 'retryable', 'http_status', false],
    [502, 'retryable', 'http_status', true],
    [503, 'retryable', 'http_status', true],
    [504, 'retryable', 'http_status', true],
  ])('classifies %p as %p', (status, outcome, errorClass, honoursRetryAfter) => {
    // Act
    const result = classifyResponseStatus(status);

    // Assess
    expect(result).toEqual({ outcome, honoursRetryAfter, ...(errorClass && { errorClass }) });
  });
});

describe('parseRetryAfterSeconds', () => {
  const now = new Date('2026-01-02T03:04:05.000Z');

  it.each([
    ['120', 120],
    [' 7 ', 7],
    ['0', 0],
    ['Fri, 02 Jan 2026 03:06:05 GMT', 120],
    ['Fri, 02 Jan 2026 03:00:00 GMT', 0],
    [undefined, undefined],
    ['', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['99999999999999', undefined],
    ['soon', undefined],
  ])('reads %p as %p', (header, expected) => {
    // Act / Assess
    expect(parseRetryAfterSeconds(header, now)).toBe(expected);
  });
});
