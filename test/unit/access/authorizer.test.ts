/**
 * The API-key authorizer (the same code runs on AWS and in the local sandbox) and what every authenticated route does
 * with its verdict: a refusal is a 401 problem+json before the route runs, never a 500.
 */
import type { Dependencies } from '../../../src/composition';
import { hashApiKey, newApiKey, type ApiKeyRecord } from '../../../src/domain/api-key';
import { apiKeyAuthorizerHandler } from '../../../src/handlers/auth/api-key-authorizer';
import { httpRoutes } from '../../../src/handlers/http/routes';
import type { ApiKeyStore } from '../../../src/use-cases/ports';
import { fixedClock } from '../../support/dynamodb';
import { httpEvent, invoke } from '../../support/http';

const minted = newApiKey();
const records = new Map<string, ApiKeyRecord>();
const keys: ApiKeyStore = {
  get: async (keyId) => records.get(keyId),
  create: async () => undefined,
  register: async () => undefined,
  list: async () => ({ items: [] }),
  revoke: async () => undefined,
};
const clock = fixedClock('2026-11-26T12:00:00.000Z');
const authorize = (authorization?: string) => apiKeyAuthorizerHandler({ keys, clock })({ headers: authorization === undefined ? {} : { authorization } });

beforeEach(() => {
  records.clear();
  records.set(minted.keyId, {
    keyId: minted.keyId,
    principal: 'ci-bot',
    role: 'operator',
    secretHash: hashApiKey(minted.key),
    createdAt: '2026-11-01T00:00:00.000Z',
    expiresAt: '2026-12-01T00:00:00.000Z',
  });
});

describe('the API-key authorizer', () => {
  it('passes a good key on as its principal and role', async () => {
    await expect(authorize(`Bearer ${minted.key}`)).resolves.toEqual({ isAuthorized: true, context: { principal: 'ci-bot', role: 'operator', keyId: minted.keyId } });
  });

  it.each([
    ['no Authorization header', undefined, 'missing'],
    ['an empty header', '', 'missing'],
    ['another scheme', `Basic ${minted.key}`, 'malformed'],
    ['a token that cannot be a key', 'Bearer x', 'malformed'],
    ['an unknown key', `Bearer ${newApiKey().key}`, 'unknown'],
    ['the right id with another secret', `Bearer spk_${minted.keyId}_${'B'.repeat(43)}`, 'unknown'],
  ])('refuses %s (in its context, so the route can answer 401)', async (_case, header, refusal) => {
    await expect(authorize(header)).resolves.toEqual({ isAuthorized: true, context: { refusal } });
  });

  it('refuses a revoked key on the very next request', async () => {
    records.get(minted.keyId)!.revokedAt = '2026-11-26T11:59:59.000Z';
    await expect(authorize(`Bearer ${minted.key}`)).resolves.toEqual({ isAuthorized: true, context: { refusal: 'revoked' } });
  });

  it('refuses a key from the moment it expires', async () => {
    records.get(minted.keyId)!.expiresAt = '2026-11-26T12:00:00.000Z';
    await expect(authorize(`Bearer ${minted.key}`)).resolves.toEqual({ isAuthorized: true, context: { refusal: 'expired' } });
  });

  it('says "unavailable" rather than failing when the key store does not answer', async () => {
    const broken = apiKeyAuthorizerHandler({ keys: { ...keys, get: () => Promise.reject(new Error('connect ECONNREFUSED')) }, clock });
    await expect(broken({ headers: { authorization: `Bearer ${minted.key}` } })).resolves.toEqual({ isAuthorized: true, context: { refusal: 'unavailable' } });
  });
});

describe('every authenticated route, given the authorizer’s verdict', () => {
  const deps = { config: { slack: { teamIds: [], allowLoopbackHttp: false }, quota: { maxActiveClusters: 1, maxInstances: 1 } } } as unknown as Dependencies;
  const authenticated = httpRoutes.filter((route) => route.auth === 'caller');
  const cases = authenticated.flatMap((route) =>
    (
      [
        ['no authorizer context', null, undefined, 'Send credentials'],
        ['missing', undefined, { refusal: 'missing' }, 'Send credentials'],
        ['malformed', undefined, { refusal: 'malformed' }, 'is not "Bearer <API key>"'],
        ['unknown', undefined, { refusal: 'unknown' }, 'The API key is not valid.'],
        ['revoked', undefined, { refusal: 'revoked' }, 'The API key has been revoked.'],
        ['expired', undefined, { refusal: 'expired' }, 'The API key has expired.'],
      ] as const
    ).map(([what, principal, authorizer, detail]) => [`${route.method} ${route.path}`, what, route, principal, authorizer, detail] as const),
  );

  it('covers every route but Slack’s and the web console’s page', () => {
    expect(authenticated.map((r) => r.path)).toEqual(expect.arrayContaining(['/clusters', '/clusters/{id}', '/clusters/{id}/nodes', '/clusters/{id}/events', '/openapi.json']));
    expect(httpRoutes.filter((r) => r.auth !== 'caller').map((r) => `${r.auth} ${r.path}`)).toEqual(['public /console', 'slack-signature /chatops/slack']);
  });

  it.each(cases)('%s answers 401 problem+json for %s', async (_route, _what, route, principal, authorizer, detail) => {
    const path = route.path.replace('{id}', 'c-01aaaaaaaaaaaaaaaaaaaaaaaa');
    const response = await invoke(
      route.build(deps),
      httpEvent({ method: route.method, path, pathParameters: { id: 'c-01aaaaaaaaaaaaaaaaaaaaaaaa' }, body: { name: 'demo' }, principal, authorizer: authorizer as never }),
    );
    expect(response.statusCode).toBe(401);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.headers?.['www-authenticate']).toBe('Bearer');
    expect(response.json).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect(response.json!.detail).toContain(detail);
  });

  it.each(authenticated.map((route) => [`${route.method} ${route.path}`, route] as const))('%s answers 503 (not 500) when the key could not be checked', async (_name, route) => {
    const response = await invoke(route.build(deps), httpEvent({ method: route.method, path: route.path, authorizer: { refusal: 'unavailable' } }));
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('2');
  });
});
