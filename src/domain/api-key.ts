/**
 * API keys for bots and jobs: `spk_<id>_<secret>`. The id is public (it names the key in listings, logs and
 * revocations); the secret is 256 random bits, shown once when the key is minted and stored only as a SHA-256 hash.
 * A fast hash is enough here: the secret is random, not a password, so there is nothing to guess offline.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_ROLES = ['user', 'operator'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export interface ApiKeyRecord {
  keyId: string;
  /** The owner every request made with this key acts as. */
  principal: string;
  role: ApiKeyRole;
  /** Hex SHA-256 of the whole key as presented. */
  secretHash: string;
  description?: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
}

const KEY_PATTERN = /^spk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
// What a bearer token may look like at all; anything longer or stranger is refused before a lookup.
const TOKEN_PATTERN = /^[\x21-\x7e]{8,512}$/;

export function newApiKey(): { keyId: string; key: string } {
  const keyId = randomBytes(8).toString('hex');
  return { keyId, key: `spk_${keyId}_${randomBytes(32).toString('base64url')}` };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * The record id a presented key is looked up by: the id inside a minted key, or, for a key given verbatim (the local
 * sandbox's LOCAL_API_KEY may be any string), an id derived from its hash. Undefined when it cannot be a key.
 */
export function keyIdOf(key: string): string | undefined {
  if (!TOKEN_PATTERN.test(key)) return undefined;
  const minted = KEY_PATTERN.exec(key);
  return minted ? minted[1]! : `h${hashApiKey(key).slice(0, 24)}`;
}

/** The token of an `Authorization: Bearer <token>` header; undefined for any other shape. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export type KeyVerdict =
  | { ok: true; keyId: string; principal: string; role: ApiKeyRole }
  | { ok: false; reason: 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired' };

/**
 * Whether `key` is the key `record` was minted for, and still good at `now`. The hashes are compared in constant
 * time; revocation and expiry are only reported to someone who showed the right secret.
 */
export function verifyApiKey(record: ApiKeyRecord | undefined, key: string, now: Date): KeyVerdict {
  if (!record) return { ok: false, reason: 'unknown' };
  const presented = Buffer.from(hashApiKey(key), 'hex');
  const stored = Buffer.from(record.secretHash, 'hex');
  if (presented.length !== stored.length || !timingSafeEqual(presented, stored)) return { ok: false, reason: 'unknown' };
  if (record.revokedAt !== undefined) return { ok: false, reason: 'revoked' };
  if (Date.parse(record.expiresAt) <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, keyId: record.keyId, principal: record.principal, role: record.role };
}

/** What a person reads when a key is refused (the reason is safe to tell: revoked and expired need the secret). */
export const KEY_REFUSALS: Record<Exclude<KeyVerdict, { ok: true }>['reason'], string> = {
  missing: 'Send credentials: an API key as "Authorization: Bearer <key>" (or sign the request with IAM on the IAM endpoint).',
  malformed: 'The Authorization header is not "Bearer <API key>".',
  unknown: 'The API key is not valid.',
  revoked: 'The API key has been revoked.',
  expired: 'The API key has expired.',
};
