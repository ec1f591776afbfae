import { randomBytes } from 'node:crypto';

/**
 * Standard Webhooks secrets: `whsec_` + a base64 key. 32 bytes matches the HMAC-SHA256 output size, above the
 * 24-byte floor the signing spec asks for.
 */
export const WEBHOOK_SECRET_BYTES = 32;

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(WEBHOOK_SECRET_BYTES).toString('base64')}`;
}
