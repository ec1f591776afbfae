import { isOperatorArn, KEY_PRINCIPAL_PATTERN, mayAccess, slackPrincipal } from '../../../src/domain/access';
import { bearerToken, hashApiKey, keyIdOf, newApiKey, verifyApiKey, type ApiKeyRecord } from '../../../src/domain/api-key';
import { instancesOf, quotaBreach, quotaExceeded } from '../../../src/domain/quota';

const NOW = new Date('2026-11-26T12:00:00Z');

describe('who may do what to a cluster', () => {
  const cluster = { owner: 'alice' };
  it.each([
    ['the owner', { principal: 'alice', operator: false }, { read: true, delete: true, change: true }],
    ['another owner', { principal: 'bob', operator: false }, { read: false, delete: false, change: false }],
    ['an operator', { principal: 'reaper', operator: true }, { read: true, delete: true, change: false }],
  ] as const)('%s', (_who, caller, expected) => {
    for (const action of ['read', 'delete', 'change'] as const) expect(mayAccess(caller, cluster, action)).toBe(expected[action]);
  });

  it('recognises an operator role by its assumed-role sessions and by the role itself, path or not', () => {
    const roles = ['arn:aws:iam::123456789012:role/ops/OnCall'];
    expect(isOperatorArn('arn:aws:sts::123456789012:assumed-role/OnCall/jane@example.com', roles)).toBe(true);
    expect(isOperatorArn('arn:aws:iam::123456789012:role/OnCall', roles)).toBe(true);
    expect(isOperatorArn('arn:aws:sts::999999999999:assumed-role/OnCall/jane', roles)).toBe(false);
    expect(isOperatorArn('arn:aws:sts::123456789012:assumed-role/OnCallers/jane', roles)).toBe(false);
    expect(isOperatorArn('arn:aws:iam::123456789012:user/OnCall', roles)).toBe(false);
    expect(isOperatorArn('arn:aws:sts::123456789012:assumed-role/OnCall/jane', [])).toBe(false);
  });

  it('names Slack users by workspace and user, and keeps the IAM and Slack namespaces away from API keys', () => {
    expect(slackPrincipal('T1', 'U2')).toBe('slack:T1:U2');
    expect(KEY_PRINCIPAL_PATTERN.test('ci-bot')).toBe(true);
    expect(KEY_PRINCIPAL_PATTERN.test('team/deploy@ci')).toBe(true);
    for (const reserved of ['slack:T1:U2', 'arn:aws:iam::1:role/x', '', ' x', 'x'.repeat(129)]) expect(KEY_PRINCIPAL_PATTERN.test(reserved)).toBe(false);
  });
});

describe('API keys', () => {
  const minted = newApiKey();
  const record = (overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
    keyId: minted.keyId,
    principal: 'ci-bot',
    role: 'user',
    secretHash: hashApiKey(minted.key),
    createdAt: '2026-11-01T00:00:00Z',
    expiresAt: '2026-12-01T00:00:00Z',
    ...overrides,
  });

  it('are random, carry their id after the spk_ prefix, and are looked up by it', () => {
    const other = newApiKey();
    expect(minted.key).toMatch(/^spk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(minted.key).not.toBe(other.key);
    expect(keyIdOf(minted.key)).toBe(minted.keyId);
  });

  it('gives a key chosen by hand (LOCAL_API_KEY) an id derived from its hash, and refuses what cannot be a key', () => {
    expect(keyIdOf('my-local-key')).toMatch(/^h[0-9a-f]{24}$/);
    expect(keyIdOf('my-local-key')).toBe(keyIdOf('my-local-key'));
    expect(keyIdOf('short')).toBeUndefined();
    expect(keyIdOf('has space inside')).toBeUndefined();
  });

  it('reads only "Bearer <token>" headers', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
  });

  it('accepts the key it was minted for, until it expires or is revoked', () => {
    expect(verifyApiKey(record(), minted.key, NOW)).toEqual({ ok: true, keyId: minted.keyId, principal: 'ci-bot', role: 'user' });
    expect(verifyApiKey(record({ revokedAt: '2026-11-20T00:00:00Z' }), minted.key, NOW)).toEqual({ ok: false, reason: 'revoked' });
    expect(verifyApiKey(record({ expiresAt: NOW.toISOString() }), minted.key, NOW)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a key whose secret differs, even with the right id, and says nothing about revocation to it', () => {
    const forged = `spk_${minted.keyId}_${'A'.repeat(43)}`;
    expect(verifyApiKey(record(), forged, NOW)).toEqual({ ok: false, reason: 'unknown' });
    expect(verifyApiKey(record({ revokedAt: '2026-11-20T00:00:00Z' }), forged, NOW)).toEqual({ ok: false, reason: 'unknown' });
    expect(verifyApiKey(undefined, minted.key, NOW)).toEqual({ ok: false, reason: 'unknown' });
    expect(verifyApiKey(record({ secretHash: 'abc' }), minted.key, NOW)).toEqual({ ok: false, reason: 'unknown' });
  });
});

describe('quotas', () => {
  const limits = { maxActiveClusters: 3, maxInstances: 20 };
  it('lets a cluster in exactly at the limits and refuses one over, naming the limit', () => {
    expect(instancesOf({ managers: 3, workers: 5 })).toBe(8);
    expect(quotaBreach({ activeClusters: 2, instances: 12 }, limits, 8)).toBeUndefined();
    expect(quotaBreach({ activeClusters: 3, instances: 0 }, limits, 1)).toEqual({ limit: 'activeClusters', max: 3, current: 3, requested: 1 });
    expect(quotaBreach({ activeClusters: 1, instances: 13 }, limits, 8)).toEqual({ limit: 'instances', max: 20, current: 13, requested: 8 });
  });

  it('becomes a 429 that says which limit and the current use', () => {
    const error = quotaExceeded({ limit: 'instances', max: 20, current: 13, requested: 8 });
    expect(error.status).toBe(429);
    expect(error.message).toBe('You may run at most 20 instances over all your active clusters; 13 are in use and this cluster needs 8.');
    expect(error.extensions).toEqual({ quota: { limit: 'instances', max: 20, current: 13, requested: 8 } });
  });
});
