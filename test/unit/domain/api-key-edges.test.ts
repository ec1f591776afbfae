import { bearerToken, hashApiKey, keyIdOf, newApiKey, verifyApiKey, type ApiKeyRecord } from '../../../src/domain/api-key';

// SHA-256 of "abc", from FIPS 180-2 appendix B.1.
const SHA256_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

describe('an API key’s hash and id', () => {
  it('is the hex SHA-256 of the key as presented', () => {
    expect(hashApiKey('abc')).toBe(SHA256_ABC);
  });

  it('derives the id of a key chosen by hand from the first 24 hex digits of its hash', () => {
    expect(keyIdOf('abcdefgh')).toBe(`h${hashApiKey('abcdefgh').slice(0, 24)}`);
    expect(keyIdOf('abcdefgh')).toHaveLength(25);
  });

  it('takes a minted key’s id from the key itself', () => {
    const key = `spk_0123456789abcdef_${'A'.repeat(43)}`;
    expect(keyIdOf(key)).toBe('0123456789abcdef');
  });

  it.each([
    [`spk_0123456789abcde_${'A'.repeat(43)}`, 'a 15-digit id'],
    [`spk_0123456789ABCDEF_${'A'.repeat(43)}`, 'an upper-case id'],
    [`spk_0123456789abcdef_${'A'.repeat(42)}`, 'a 42-character secret'],
    [`spk_0123456789abcdef_${'A'.repeat(44)}`, 'a 44-character secret'],
    [`xspk_0123456789abcdef_${'A'.repeat(43)}`, 'a prefix before spk_'],
  ])('looks %s (%s) up as a key chosen by hand', (key) => {
    expect(keyIdOf(key)).toBe(`h${hashApiKey(key).slice(0, 24)}`);
  });

  it.each([
    ['x'.repeat(8), true],
    ['x'.repeat(512), true],
    ['x'.repeat(7), false],
    ['x'.repeat(513), false],
    ['!~!~!~!~', true],
    ['abcdefg\u007f', false],
    ['abcdefgé', false],
  ])('takes %j for a possible key: %p', (token, possible) => {
    expect(keyIdOf(token) !== undefined).toBe(possible);
  });

  it('mints a 16-hex-digit id and a 43-character secret, base64url', () => {
    const { keyId, key } = newApiKey();
    expect(keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(key.startsWith(`spk_${keyId}_`)).toBe(true);
    expect(key.slice(`spk_${keyId}_`.length)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('the bearer token of an Authorization header', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['Bearer   abc', 'abc'],
    ['BEARER abc  ', 'abc'],
    ['xBearer abc', undefined],
    ['Bearerabc', undefined],
    ['Bearer abc x', undefined],
  ])('reads %j as %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('a key at the edge of its expiry', () => {
  const key = `spk_0123456789abcdef_${'A'.repeat(43)}`;
  const record: ApiKeyRecord = { keyId: '0123456789abcdef', principal: 'ci-bot', role: 'operator', secretHash: hashApiKey(key), createdAt: '2026-11-01T00:00:00Z', expiresAt: '2026-12-01T00:00:00.000Z' };

  it('is good one millisecond before it expires and expired at that instant', () => {
    expect(verifyApiKey(record, key, new Date('2026-11-30T23:59:59.999Z'))).toEqual({ ok: true, keyId: '0123456789abcdef', principal: 'ci-bot', role: 'operator' });
    expect(verifyApiKey(record, key, new Date('2026-12-01T00:00:00.000Z'))).toEqual({ ok: false, reason: 'expired' });
  });

  it('says revoked before expired to the holder of the secret', () => {
    expect(verifyApiKey({ ...record, revokedAt: '2026-11-02T00:00:00Z' }, key, new Date('2027-01-01T00:00:00Z'))).toEqual({ ok: false, reason: 'revoked' });
  });
});
