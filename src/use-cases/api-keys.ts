/**
 * API keys: checking one on a request (the authorizer), and minting, listing and revoking them (the key script, the
 * local sandbox). Keys are shown once, at minting; only their hash is stored.
 */
import { KEY_PRINCIPAL_PATTERN } from '../domain/access';
import { bearerToken, hashApiKey, keyIdOf, newApiKey, verifyApiKey, type ApiKeyRecord, type ApiKeyRole, type KeyVerdict } from '../domain/api-key';
import { ValidationError } from '../domain/errors';
import { logger } from '../logger';
import type { ApiKeyLookup, ApiKeyStore, Clock, Page } from './ports';

export interface ApiKeyDeps {
  keys: ApiKeyStore;
  clock: Clock;
}

/** What authenticating a request needs: a lookup, never a write. */
export interface ApiKeyAuthenticationDeps {
  keys: ApiKeyLookup;
  clock: Clock;
}

export type AuthenticationVerdict = KeyVerdict | { ok: false; reason: 'unavailable' };

/** Keys live at most a year: a forgotten key in a forgotten job should not work forever. */
export const MAX_KEY_LIFETIME_DAYS = 365;
export const DEFAULT_KEY_LIFETIME_DAYS = 90;

/**
 * Primary course:
 * 1. Read the bearer token from the Authorization header (missing or not "Bearer <key>" → refused).
 * 2. Look the key up by its id.
 * 3. Compare hashes in constant time; refuse revoked and expired keys.
 * The key store failing is "unavailable" (a 503 for the caller), never a 500 and never a pass.
 */
export async function authenticateApiKey(deps: ApiKeyAuthenticationDeps, authorization: string | undefined): Promise<AuthenticationVerdict> {
  if (authorization === undefined || authorization.trim() === '') return { ok: false, reason: 'missing' };
  const token = bearerToken(authorization);
  const keyId = token === undefined ? undefined : keyIdOf(token);
  if (token === undefined || keyId === undefined) return { ok: false, reason: 'malformed' };
  let record: ApiKeyRecord | undefined;
  try {
    record = await deps.keys.get(keyId);
  } catch (error) {
    logger.error('api key lookup failed', { keyId, error });
    return { ok: false, reason: 'unavailable' };
  }
  const verdict = verifyApiKey(record, token, deps.clock.now());
  if (!verdict.ok) logger.warn('api key refused', { keyId, reason: verdict.reason });
  return verdict;
}

function checkPrincipal(principal: string): void {
  if (!KEY_PRINCIPAL_PATTERN.test(principal)) {
    throw new ValidationError('The principal cannot be given to a key.', {
      errors: [{ field: 'principal', message: 'must be 1-128 characters of A-Z a-z 0-9 . _ : @ / - and not start with arn: or slack: (those name IAM callers and Slack users)' }],
    });
  }
}

/**
 * Primary course:
 * 1. Check the principal (not an IAM or Slack name) and the expiry (in the future, at most a year away).
 * 2. Make a random key and store its hash with the principal, role and expiry.
 * 3. Return the key: this is the only time it exists outside the caller's hands.
 */
export async function mintApiKey(
  deps: ApiKeyDeps,
  input: { principal: string; role: ApiKeyRole; expiresAt?: Date; description?: string },
): Promise<{ key: string; record: ApiKeyRecord }> {
  checkPrincipal(input.principal);
  const now = deps.clock.now();
  const expiresAt = input.expiresAt ?? new Date(now.getTime() + DEFAULT_KEY_LIFETIME_DAYS * 86_400_000);
  if (expiresAt.getTime() <= now.getTime() || expiresAt.getTime() > now.getTime() + MAX_KEY_LIFETIME_DAYS * 86_400_000) {
    throw new ValidationError('The expiry is not valid.', { errors: [{ field: 'expiresAt', message: `must be in the future and at most ${MAX_KEY_LIFETIME_DAYS} days away` }] });
  }
  const { keyId, key } = newApiKey();
  const record: ApiKeyRecord = {
    keyId,
    principal: input.principal,
    role: input.role,
    secretHash: hashApiKey(key),
    description: input.description,
    createdAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
  };
  await deps.keys.create(record);
  logger.info('api key minted', { keyId, principal: input.principal, role: input.role });
  return { key, record };
}

/**
 * The local sandbox's LOCAL_API_KEY: any string the user chose, registered (again, on every start) for the local
 * principal, through the same store and lookup as minted keys.
 */
export async function registerLocalApiKey(deps: ApiKeyDeps, input: { key: string; principal: string; lifetimeDays?: number }): Promise<ApiKeyRecord> {
  const keyId = keyIdOf(input.key);
  if (keyId === undefined) throw new ValidationError('LOCAL_API_KEY must be 8-512 visible ASCII characters without spaces.');
  const now = deps.clock.now();
  const record: ApiKeyRecord = {
    keyId,
    principal: input.principal,
    role: 'user',
    secretHash: hashApiKey(input.key),
    description: 'LOCAL_API_KEY',
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + (input.lifetimeDays ?? 30) * 86_400_000).toISOString(),
  };
  await deps.keys.register(record);
  return record;
}

/** What a listing shows: never the hash. */
export type ApiKeySummary = Omit<ApiKeyRecord, 'secretHash'> & { state: 'active' | 'revoked' | 'expired' };

export async function listApiKeys(deps: ApiKeyDeps, query: { principal?: string; limit: number; cursor?: string }): Promise<Page<ApiKeySummary>> {
  const page = await deps.keys.list(query);
  const now = deps.clock.now().getTime();
  const items = page.items.map(({ secretHash: _hash, ...rest }): ApiKeySummary => ({
    ...rest,
    state: rest.revokedAt !== undefined ? 'revoked' : Date.parse(rest.expiresAt) <= now ? 'expired' : 'active',
  }));
  return { items, nextCursor: page.nextCursor };
}

/** Revokes a key; a second revoke keeps the first time. Undefined when there is no such key. */
export async function revokeApiKey(deps: ApiKeyDeps, keyId: string): Promise<ApiKeyRecord | undefined> {
  const record = await deps.keys.revoke(keyId, deps.clock.now().toISOString());
  if (record) logger.info('api key revoked', { keyId });
  return record;
}
