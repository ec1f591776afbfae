/**
 * API keys, the use cases: checking one on a request (the authorizer's), minting, the local sandbox's LOCAL_API_KEY,
 * listing and revoking, against the embedded DynamoDB's keys table (the store's conditional writes are part of what a
 * mint and a revoke promise).
 */
import { hashApiKey, keyIdOf } from '../../../src/domain/api-key';
import { ValidationError } from '../../../src/domain/errors';
import {
  authenticateApiKey,
  DEFAULT_KEY_LIFETIME_DAYS,
  listApiKeys,
  MAX_KEY_LIFETIME_DAYS,
  mintApiKey,
  registerLocalApiKey,
  revokeApiKey,
} from '../../../src/use-cases/api-keys';
import type { ApiKeyLookup } from '../../../src/use-cases/ports';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const NOW = '2026-11-26T12:00:00.000Z';
const DAY = 86_400_000;
const at = (ms: number) => new Date(Date.parse(NOW) + ms);

let principals = 0;
/** Each test its own principal, so a listing filtered by it sees that test's keys only. */
const newPrincipal = () => `ci-job-${++principals}`;

const deps = (clock = fixedClock(NOW)) => ({ keys: db.keys, clock });

const problemOf = (error: unknown) => {
  const e = error as ValidationError;
  return { name: e.name, status: e.status, message: e.message, errors: e.errors };
};

describe('minting a key', () => {
  it('stores only the hash with principal, role, description and a 90-day expiry, and returns the key once', async () => {
    // Prepare
    const principal = newPrincipal();

    // Act
    const { key, record } = await mintApiKey(deps(), { principal, role: 'operator', description: 'nightly job' });

    // Assess
    expect(key).toMatch(/^spk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(DEFAULT_KEY_LIFETIME_DAYS).toBe(90);
    expect(record).toEqual({
      keyId: keyIdOf(key),
      principal,
      role: 'operator',
      secretHash: hashApiKey(key),
      description: 'nightly job',
      createdAt: NOW,
      expiresAt: '2027-02-24T12:00:00.000Z',
    });
    expect(await db.keys.get(record.keyId)).toEqual(record);
    expect(await authenticateApiKey(deps(), `Bearer ${key}`)).toEqual({ ok: true, keyId: record.keyId, principal, role: 'operator' });
  });

  it('keeps an expiry given, up to a year away to the millisecond', async () => {
    const yearAway = at(MAX_KEY_LIFETIME_DAYS * DAY);

    const { record } = await mintApiKey(deps(), { principal: newPrincipal(), role: 'user', expiresAt: yearAway });
    const soon = await mintApiKey(deps(), { principal: newPrincipal(), role: 'user', expiresAt: at(1) });

    expect(MAX_KEY_LIFETIME_DAYS).toBe(365);
    expect(record.expiresAt).toBe('2027-11-26T12:00:00.000Z');
    expect(soon.record.expiresAt).toBe('2026-11-26T12:00:00.001Z');
  });

  it.each([
    ['now', at(0)],
    ['in the past', at(-1)],
    ['a year and a millisecond away', at(365 * DAY + 1)],
  ])('refuses an expiry %s (422 at expiresAt) and stores nothing', async (_name, expiresAt) => {
    const principal = newPrincipal();

    const error = await mintApiKey(deps(), { principal, role: 'user', expiresAt }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect(problemOf(error)).toEqual({
      name: 'ValidationError',
      status: 422,
      message: 'The expiry is not valid.',
      errors: [{ field: 'expiresAt', message: 'must be in the future and at most 365 days away' }],
    });
    expect((await listApiKeys(deps(), { principal, limit: 100 })).items).toEqual([]);
  });

  it.each(['arn:aws:iam::123456789012:role/admin', 'slack:T1:U1', '', '-starts-with-a-dash', 'has space'])(
    'refuses the principal %j (an IAM or Slack name, or not a name) and stores nothing',
    async (principal) => {
      const error = await mintApiKey(deps(), { principal, role: 'user' }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ValidationError);
      expect(problemOf(error)).toEqual({
        name: 'ValidationError',
        status: 422,
        message: 'The principal cannot be given to a key.',
        errors: [
          {
            field: 'principal',
            message: 'must be 1-128 characters of A-Z a-z 0-9 . _ : @ / - and not start with arn: or slack: (those name IAM callers and Slack users)',
          },
        ],
      });
      expect((await listApiKeys(deps(), { principal, limit: 100 })).items).toEqual([]);
    },
  );
});

describe('authenticating a request', () => {
  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['a header of spaces', '   '],
  ])('%s: missing', async (_name, header) => {
    expect(await authenticateApiKey(deps(), header)).toEqual({ ok: false, reason: 'missing' });
  });

  it.each([
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a token too short to be a key', 'Bearer short'],
  ])('%s: malformed', async (_name, header) => {
    expect(await authenticateApiKey(deps(), header)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('a key no one minted: unknown', async () => {
    expect(await authenticateApiKey(deps(), 'Bearer spk_0123456789abcdef_' + 'a'.repeat(43))).toEqual({ ok: false, reason: 'unknown' });
  });

  it('an expired key: expired, from the moment of its expiry', async () => {
    const { key } = await mintApiKey(deps(), { principal: newPrincipal(), role: 'user', expiresAt: at(DAY) });

    const before = await authenticateApiKey(deps(fixedClock(at(DAY - 1).toISOString())), `Bearer ${key}`);
    const atExpiry = await authenticateApiKey(deps(fixedClock(at(DAY).toISOString())), `Bearer ${key}`);

    expect(before.ok).toBe(true);
    expect(atExpiry).toEqual({ ok: false, reason: 'expired' });
  });

  it('a store that does not answer: unavailable (a 503), never a pass; the lookup was by the key’s id', async () => {
    const asked: string[] = [];
    const keys: ApiKeyLookup = {
      get: async (keyId) => {
        asked.push(keyId);
        throw new Error('ProvisionedThroughputExceededException');
      },
    };
    const key = `spk_0123456789abcdef_${'b'.repeat(43)}`;

    const verdict = await authenticateApiKey({ keys, clock: fixedClock(NOW) }, `Bearer ${key}`);

    expect(verdict).toEqual({ ok: false, reason: 'unavailable' });
    expect(asked).toEqual(['0123456789abcdef']);
  });
});

describe('the local sandbox’s LOCAL_API_KEY', () => {
  it('registers any visible string as a user key of the local principal for 30 days, by the id its hash gives', async () => {
    const key = `local-key-${newPrincipal()}`;

    const record = await registerLocalApiKey(deps(), { key, principal: 'local-user' });

    expect(record).toEqual({
      keyId: `h${hashApiKey(key).slice(0, 24)}`,
      principal: 'local-user',
      role: 'user',
      secretHash: hashApiKey(key),
      description: 'LOCAL_API_KEY',
      createdAt: NOW,
      expiresAt: '2026-12-26T12:00:00.000Z',
    });
    expect(await db.keys.get(record.keyId)).toEqual(record);
    expect(await authenticateApiKey(deps(), `Bearer ${key}`)).toEqual({ ok: true, keyId: record.keyId, principal: 'local-user', role: 'user' });
  });

  it('registers it again on the next start, with the lifetime asked for, over what was there', async () => {
    const key = `local-key-${newPrincipal()}`;
    await registerLocalApiKey(deps(), { key, principal: 'local-user' });

    const again = await registerLocalApiKey(deps(fixedClock('2026-11-27T12:00:00.000Z')), { key, principal: 'local-user', lifetimeDays: 2 });

    expect(again.expiresAt).toBe('2026-11-29T12:00:00.000Z');
    expect(await db.keys.get(again.keyId)).toEqual(again);
  });

  it('refuses a key that cannot be one (too short, or with a space), writing nothing', async () => {
    for (const key of ['short', 'has a space']) {
      const error = await registerLocalApiKey(deps(), { key, principal: 'local-user' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(problemOf(error)).toEqual({ name: 'ValidationError', status: 422, message: 'LOCAL_API_KEY must be 8-512 visible ASCII characters without spaces.', errors: [] });
    }
  });
});

describe('listing and revoking', () => {
  it('lists a principal’s keys without their hashes, each active, revoked or expired (at its expiry to the millisecond)', async () => {
    const principal = newPrincipal();
    const active = await mintApiKey(deps(), { principal, role: 'user', expiresAt: at(DAY + 1) });
    const expiring = await mintApiKey(deps(), { principal, role: 'user', expiresAt: at(DAY) });
    const revoked = await mintApiKey(deps(), { principal, role: 'operator', expiresAt: at(DAY + 1) });
    await revokeApiKey(deps(), revoked.record.keyId);
    await mintApiKey(deps(), { principal: newPrincipal(), role: 'user' });

    const page = await listApiKeys(deps(fixedClock(at(DAY).toISOString())), { principal, limit: 100 });

    const byId = Object.fromEntries(page.items.map((item) => [item.keyId, item]));
    expect(page.items).toHaveLength(3);
    expect(page.nextCursor).toBeUndefined();
    const { secretHash: _a, ...activeShown } = active.record;
    expect(byId[active.record.keyId]).toEqual({ ...activeShown, state: 'active' });
    expect(byId[expiring.record.keyId]!.state).toBe('expired');
    expect(byId[revoked.record.keyId]).toMatchObject({ state: 'revoked', revokedAt: NOW });
    expect(page.items.some((item) => 'secretHash' in item)).toBe(false);
  });

  it('a revoke stamps the time once: a second revoke keeps the first; the key is refused from then on', async () => {
    const { key, record } = await mintApiKey(deps(), { principal: newPrincipal(), role: 'user' });
    const clock = fixedClock(NOW);

    const first = await revokeApiKey(deps(clock), record.keyId);
    clock.advance(60_000);
    const second = await revokeApiKey(deps(clock), record.keyId);

    expect(first).toEqual({ ...record, revokedAt: NOW });
    expect(second).toEqual({ ...record, revokedAt: NOW });
    expect(await authenticateApiKey(deps(clock), `Bearer ${key}`)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('revoking a key that does not exist answers undefined', async () => {
    expect(await revokeApiKey(deps(), '0000000000000000')).toBeUndefined();
  });
});
