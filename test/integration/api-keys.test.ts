/**
 * API keys on the embedded DynamoDB, through the use cases the key script and the authorizer share: minted once and
 * stored as a hash, listed without it, refused by the authorizer from the request after their revocation.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../src/domain/errors';
import { apiKeyAuthorizerHandler } from '../../src/handlers/auth/api-key-authorizer';
import { listApiKeys, mintApiKey, registerLocalApiKey, revokeApiKey } from '../../src/use-cases/api-keys';
import { fixedClock, startTestDynamoDB } from '../support/dynamodb';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
const clock = fixedClock('2026-11-26T12:00:00.000Z');
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const deps = () => ({ keys: db.keys, clock });
const authorize = (key: string) => apiKeyAuthorizerHandler(deps())({ headers: { authorization: `Bearer ${key}` } });

describe('API keys', () => {
  it('are shown once at minting and stored only as a hash', async () => {
    const { key, record } = await mintApiKey(deps(), { principal: 'ci-bot', role: 'user', description: 'nightly' });
    expect(key).toMatch(new RegExp(`^spk_${record.keyId}_`));
    const { Items } = await db.documents.send(new ScanCommand({ TableName: 'api-keys' }));
    // The secret is the 43 base64url characters after `spk_<id>_`; it may itself contain `_`, so it is not split out.
    const secret = key.slice(`spk_${record.keyId}_`.length);
    expect(secret).toHaveLength(43);
    // One item for this key (the table holds the other tests' keys too, in whatever order they ran), and no secret anywhere.
    expect((Items ?? []).filter((item) => JSON.stringify(item).includes(record.keyId))).toHaveLength(1);
    expect(JSON.stringify(Items)).not.toContain(secret);
    expect(record.expiresAt).toBe('2027-02-24T12:00:00.000Z');
    const listed = (await listApiKeys(deps(), { principal: 'ci-bot', limit: 100 })).items;
    expect(listed).toEqual([expect.objectContaining({ keyId: record.keyId, state: 'active', description: 'nightly' })]);
    expect(JSON.stringify(listed)).not.toContain('secretHash');
  });

  it('work until revoked, and not on the very next request after', async () => {
    const { key, record } = await mintApiKey(deps(), { principal: 'deploy-bot', role: 'operator' });
    expect((await authorize(key)).context).toEqual({ principal: 'deploy-bot', role: 'operator', keyId: record.keyId });
    const revoked = await revokeApiKey(deps(), record.keyId);
    expect(revoked!.revokedAt).toBe(clock.now().toISOString());
    expect((await authorize(key)).context).toEqual({ refusal: 'revoked' });
    expect((await revokeApiKey(deps(), record.keyId))!.revokedAt).toBe(revoked!.revokedAt);
    expect(await revokeApiKey(deps(), 'ffffffffffffffff')).toBeUndefined();
    expect((await listApiKeys(deps(), { principal: 'deploy-bot', limit: 100 })).items[0]!.state).toBe('revoked');
  });

  it('stop working when they expire', async () => {
    const local = fixedClock('2026-11-26T12:00:00.000Z');
    const { key } = await mintApiKey({ keys: db.keys, clock: local }, { principal: 'short-lived', role: 'user', expiresAt: new Date('2026-11-27T12:00:00.000Z') });
    const check = () => apiKeyAuthorizerHandler({ keys: db.keys, clock: local })({ headers: { authorization: `Bearer ${key}` } });
    expect((await check()).context.principal).toBe('short-lived');
    local.advance(86_400_000);
    expect((await check()).context).toEqual({ refusal: 'expired' });
  });

  it.each([
    [{ principal: 'slack:T1:U1' }, 'principal'],
    [{ principal: 'arn:aws:iam::123456789012:role/Admin' }, 'principal'],
    [{ principal: 'ok', expiresAt: new Date('2026-11-26T11:00:00.000Z') }, 'expiresAt'],
    [{ principal: 'ok', expiresAt: new Date('2028-01-01T00:00:00.000Z') }, 'expiresAt'],
  ])('refuses to mint %j', async (input, field) => {
    const minting = mintApiKey(deps(), { role: 'user', ...input });
    await expect(minting).rejects.toBeInstanceOf(ValidationError);
    await expect(minting).rejects.toMatchObject({ errors: [expect.objectContaining({ field })] });
  });

  it('register the local sandbox’s key, whatever string it is, for the local principal', async () => {
    await registerLocalApiKey(deps(), { key: 'my-very-own-local-key', principal: 'local-user' });
    await registerLocalApiKey(deps(), { key: 'my-very-own-local-key', principal: 'local-user' });
    expect((await authorize('my-very-own-local-key')).context).toMatchObject({ principal: 'local-user', role: 'user' });
    expect((await authorize('my-very-own-local-kex')).context).toEqual({ refusal: 'unknown' });
  });
});
