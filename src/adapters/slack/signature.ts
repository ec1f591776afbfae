/**
 * Slack's request signature, version v0: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:" + timestamp +
 * ":" + raw body)>` with `X-Slack-Request-Timestamp` in Unix seconds.
 *
 * Node's crypto rather than a library: the one well-kept implementation, @slack/bolt's verifySlackRequest, comes
 * with a whole app framework (express, axios, the Web API client) for what is one HMAC and one constant-time
 * comparison; the tests check this one against Slack's published example and every way a request can be wrong.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's own bound: a request older (or newer) than this is refused, so a captured request cannot be replayed later. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

const VERSION = 'v0';
const SIGNATURE_PATTERN = /^v0=([0-9a-f]{64})$/;

export type SignatureVerdict = { ok: true } | { ok: false; reason: 'missing-headers' | 'bad-timestamp' | 'stale' | 'malformed' | 'mismatch' };

export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  return `${VERSION}=${createHmac('sha256', signingSecret).update(`${VERSION}:${timestamp}:${rawBody}`, 'utf8').digest('hex')}`;
}

/**
 * Checks one request. `rawBody` must be the bytes Slack sent, untouched: a body parsed and serialised again (other
 * key order, other escaping) no longer matches, which is the point.
 */
export function verifySlackSignature(input: {
  signingSecret: string;
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: string;
  now: Date;
}): SignatureVerdict {
  const { signature, timestamp } = input;
  if (!signature || !timestamp) return { ok: false, reason: 'missing-headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad-timestamp' };
  if (Math.abs(Math.floor(input.now.getTime() / 1000) - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS) return { ok: false, reason: 'stale' };
  const presented = SIGNATURE_PATTERN.exec(signature);
  if (!presented) return { ok: false, reason: 'malformed' };
  const expected = createHmac('sha256', input.signingSecret).update(`${VERSION}:${timestamp}:${input.rawBody}`, 'utf8').digest();
  // Both are 32 bytes here (the pattern fixed the length), as timingSafeEqual requires.
  return timingSafeEqual(Buffer.from(presented[1]!, 'hex'), expected) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
