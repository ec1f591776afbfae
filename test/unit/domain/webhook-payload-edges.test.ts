import {
  buildWebhookPayload,
  classifyResponseStatus,
  MAX_WEBHOOK_PAYLOAD_BYTES,
  nextAttemptDelaySeconds,
  parseRetryAfterSeconds,
  truncateText,
  webhookPayloadBytes,
  type WebhookClusterSnapshot,
} from '../../../src/domain/webhook';

const cluster: WebhookClusterSnapshot = { id: 'c-1', name: 'demo', status: 'READY', statusReason: 'stack CREATE_COMPLETE', outputs: {}, version: 3 };
const at = new Date('2026-11-27T10:00:00.000Z');
const health = { status: 'degraded' as const, reasons: [{ code: 'manager_down', message: '1 of 3 managers is not running' }], checkedAt: '2026-11-27T09:59:00.000Z' };
const expiring = { action: 'hibernate' as const, at: '2026-11-27T12:00:00.000Z', reason: 'idle' as const };

describe('truncating text for a payload', () => {
  it('keeps text of exactly the limit, and cuts one character more to the limit with an ellipsis', () => {
    expect(truncateText('abcde', 5)).toBe('abcde');
    expect(truncateText('abcdef', 5)).toBe('abcd…');
  });

  it('cuts before a surrogate pair it would split, and keeps one it would not', () => {
    // '😀' is two UTF-16 units: a high surrogate (0xd83d) then a low one.
    expect(truncateText('ab😀cd', 4)).toBe('ab…');
    expect(truncateText('a😀cdef', 4)).toBe('a😀…');
  });

  it('treats the edges of the high-surrogate range as high surrogates and what is outside it as text', () => {
    expect(truncateText('a\ud800bc', 3)).toBe('a…');
    expect(truncateText('a\udbffbc', 3)).toBe('a…');
    expect(truncateText('a\ud7ffbc', 3)).toBe('a\ud7ff…');
    expect(truncateText('a\udc00bc', 3)).toBe('a\udc00…');
  });
});

describe('what a payload carries besides the cluster', () => {
  it('carries the health finding on a health event only', () => {
    for (const type of ['cluster.degraded', 'cluster.recovered', 'cluster.drifted'] as const) {
      expect(buildWebhookPayload(type, { ...cluster, health }, at).data.cluster.health).toEqual(health);
    }
    expect(buildWebhookPayload('cluster.ready', { ...cluster, health }, at).data.cluster).not.toHaveProperty('health');
    expect(buildWebhookPayload('cluster.degraded', cluster, at).data.cluster).not.toHaveProperty('health');
  });

  it('carries the expiring notice on cluster.expiring only', () => {
    expect(buildWebhookPayload('cluster.expiring', cluster, at, expiring).data).toEqual({ cluster: { ...cluster, statusReason: 'stack CREATE_COMPLETE' }, expiring });
    expect(buildWebhookPayload('cluster.ready', cluster, at, expiring).data).not.toHaveProperty('expiring');
    expect(buildWebhookPayload('cluster.expiring', cluster, at).data).not.toHaveProperty('expiring');
  });

  it('writes autoDeleteAt as an ISO instant with milliseconds, and leaves it out when there is none', () => {
    expect(buildWebhookPayload('cluster.expiring', { ...cluster, autoDeleteAt: '2026-11-27T12:00:00Z' }, at).data.cluster.autoDeleteAt).toBe('2026-11-27T12:00:00.000Z');
    expect(buildWebhookPayload('cluster.ready', { ...cluster, autoDeleteAt: null }, at).data.cluster).not.toHaveProperty('autoDeleteAt');
  });
});

describe('the outputs in a payload', () => {
  it('are sorted by key, at most 16, keys cut to 64 and values to 512 characters', () => {
    // Prepare: 20 outputs, given in reverse order
    const outputs = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`K${String(19 - i).padStart(2, '0')}`, `v${19 - i}`]));
    outputs.K00 = 'x'.repeat(600);
    outputs[`K01${'k'.repeat(70)}`] = 'long key';

    // Act
    const bounded = buildWebhookPayload('cluster.ready', { ...cluster, outputs }, at).data.cluster.outputs;

    // Assess
    const keys = Object.keys(bounded);
    expect(keys).toHaveLength(16);
    expect(keys.slice(0, 3)).toEqual(['K00', 'K01', `K01${'k'.repeat(60)}…`]);
    expect(keys[15]).toBe('K14');
    expect(bounded.K00).toBe(`${'x'.repeat(511)}…`);
    expect(bounded[`K01${'k'.repeat(60)}…`]).toBe('long key');
  });

  it('keep their order whatever order the record holds them in', () => {
    const a = buildWebhookPayload('cluster.ready', { ...cluster, outputs: { B: '2', A: '1', C: '3' } }, at).data.cluster.outputs;
    expect(Object.entries(a)).toEqual([
      ['A', '1'],
      ['B', '2'],
      ['C', '3'],
    ]);
  });
});

describe('a payload over the 10 KiB budget', () => {
  it('drops the outputs and cuts the name to 64 and the reason to 200 characters, keeping the rest', () => {
    // Prepare: 16 outputs of 512 quotes, each escaped to two bytes in JSON: 16 KiB
    const outputs = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`K${i}`, '"'.repeat(600)]));

    // Act
    const payload = buildWebhookPayload('cluster.failed', { ...cluster, name: 'n'.repeat(300), statusReason: 'r'.repeat(2000), outputs }, at);

    // Assess
    expect(payload).toEqual({
      type: 'cluster.failed',
      occurredAt: '2026-11-27T10:00:00.000Z',
      data: { cluster: { id: 'c-1', name: `${'n'.repeat(63)}…`, status: 'READY', statusReason: `${'r'.repeat(199)}…`, outputs: {}, version: 3 } },
    });
  });

  it('keeps a missing reason null', () => {
    const outputs = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`K${i}`, '"'.repeat(600)]));
    expect(buildWebhookPayload('cluster.failed', { ...cluster, statusReason: null, outputs }, at).data.cluster.statusReason).toBeNull();
  });

  it('is kept whole at exactly the budget, and cut one byte over it', () => {
    // Prepare: 16 outputs of 512 characters (~8.5 KiB), then a 1000-character reason whose quotes (two bytes each in
    // JSON) bring the body to exactly MAX_WEBHOOK_PAYLOAD_BYTES, or one byte over
    const outputs = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`K${String(i).padStart(2, '0')}`, 'v'.repeat(512)]));
    const reason = (quotes: number) => `${'r'.repeat(1000 - quotes)}${'"'.repeat(quotes)}`;
    const quotes = MAX_WEBHOOK_PAYLOAD_BYTES - webhookPayloadBytes(buildWebhookPayload('cluster.failed', { ...cluster, statusReason: reason(0), outputs }, at));
    expect(quotes).toBeGreaterThan(0);
    expect(quotes).toBeLessThan(1000);

    // Act
    const atBudget = buildWebhookPayload('cluster.failed', { ...cluster, statusReason: reason(quotes), outputs }, at);
    const over = buildWebhookPayload('cluster.failed', { ...cluster, statusReason: reason(quotes + 1), outputs }, at);

    // Assess
    expect(webhookPayloadBytes(atBudget)).toBe(MAX_WEBHOOK_PAYLOAD_BYTES);
    expect(Object.keys(atBudget.data.cluster.outputs)).toHaveLength(16);
    expect(over.data.cluster.outputs).toEqual({});
  });
});

describe('the edges of the retry schedule', () => {
  it.each([1.5, -1, Number.NaN])('refuses attempt number %p with its value in the message', (attempt) => {
    expect(() => nextAttemptDelaySeconds(attempt, { random: () => 0.5 })).toThrow(new RangeError(`attemptNumber must be a positive integer, got ${attempt}`));
  });

  it('clamps a random value outside [0, 1] to the jitter range', () => {
    expect(nextAttemptDelaySeconds(2, { random: () => -3 })).toBe(240);
    expect(nextAttemptDelaySeconds(2, { random: () => 7 })).toBe(360);
  });

  it.each([0, -10, Number.NaN, Number.POSITIVE_INFINITY])('ignores a Retry-After of %p', (retryAfterSeconds) => {
    expect(nextAttemptDelaySeconds(1, { random: () => 0.5, retryAfterSeconds })).toBe(5);
  });

  it('rounds a fractional Retry-After up', () => {
    expect(nextAttemptDelaySeconds(1, { random: () => 0.5, retryAfterSeconds: 90.2 })).toBe(91);
  });

  it('honours a Retry-After of exactly one hour', () => {
    expect(nextAttemptDelaySeconds(1, { random: () => 0.5, retryAfterSeconds: 3600 })).toBe(3600);
  });
});

describe('the edges of an answer’s classification', () => {
  it.each([
    [100, { outcome: 'retryable', errorClass: 'http_status', honoursRetryAfter: false }],
    [199, { outcome: 'retryable', errorClass: 'http_status', honoursRetryAfter: false }],
    [300, { outcome: 'retryable', errorClass: 'redirect', honoursRetryAfter: false }],
    [399, { outcome: 'retryable', errorClass: 'redirect', honoursRetryAfter: false }],
    [409, { outcome: 'retryable', errorClass: 'http_status', honoursRetryAfter: false }],
    [411, { outcome: 'retryable', errorClass: 'http_status', honoursRetryAfter: false }],
    [501, { outcome: 'retryable', errorClass: 'http_status', honoursRetryAfter: false }],
  ])('classifies %p as %j', (status, expected) => {
    expect(classifyResponseStatus(status)).toEqual(expected);
  });
});

describe('the edges of Retry-After', () => {
  const now = new Date('2026-01-02T03:04:05.500Z');

  it.each([
    ['999999999', 999_999_999],
    ['1234567890', undefined],
    ['12:00', undefined],
    ['2026-01-02T03:05:05Z', 60],
    ['Fri, 02 Jan 2026 03:06:05 GMT', 120],
    ['Fri, 02 Jan 2026 03:04:05 GMT', 0],
    ['next tuesday-ish', undefined],
    ['\t30\n', 30],
  ])('reads %p as %p', (header, expected) => {
    expect(parseRetryAfterSeconds(header, now)).toBe(expected);
  });
});
