/**
 * One delivery attempt of one webhook: sign, POST, classify. Durable retries, the delivery log and the schedule
 * live elsewhere; this adapter only answers "what happened this time" and never throws for anything the network or
 * the receiver does.
 *
 * undici (not Node's global fetch, which ignores agents) with a connector that checks every address the socket
 * connects to; see address-guard.ts.
 */
import * as dns from 'node:dns';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { Agent, request as undiciRequest } from 'undici';
import {
  classifyResponseStatus,
  parseRetryAfterSeconds,
  type DeliveryAttempt,
  type DeliveryErrorClass,
} from '../../domain/webhook';
import { buildGuardedConnector, ForbiddenAddressError, type ResolveAll } from './address-guard';
import { checkWebhookUrl, DEFAULT_WEBHOOK_PORTS } from './url-policy';

export { newWebhookSecret } from './secret';
export type { DeliveryAttempt } from '../../domain/webhook';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** The bound on connect + response for one attempt. */
export const MAX_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 4096;
export const DEFAULT_USER_AGENT = 'swarm-provisioner-webhooks/1';

export interface WebhookSenderOptions {
  /** Local mode only: http:// and loopback receivers. A deployed service passes false. */
  allowLoopbackHttp: boolean;
  /** Connect + response bound for one attempt; default 10 s, at most 15 s. */
  timeoutMs?: number;
  /** How much of a response body is read before the connection is dropped; default 4 KiB. */
  maxResponseBytes?: number;
  /** Ports https URLs may name; must match the policy URLs were registered under. Default [443]. */
  allowedPorts?: number[];
  /** Name resolution (dns.lookup or a test stub); every answer goes through the address guard. */
  lookup?: ResolveAll;
  userAgent?: string;
}

export interface WebhookSendRequest {
  url: string;
  /** `whsec_...`; used to sign and nowhere else. */
  secret: string;
  /** `webhook-id`: one per event, the same on every retry and redelivery so receivers can deduplicate. */
  messageId: string;
  /** The event type; it travels inside the signed body, not as a header. */
  eventType: string;
  /** The serialised payload, byte for byte what was signed. */
  body: string;
  /** The attempt's time, for `webhook-timestamp` and `attemptedAt`; defaults to the clock. */
  now?: Date;
}

export type WebhookSender = (request: WebhookSendRequest) => Promise<DeliveryAttempt>;

/** A programming or configuration error in what the caller passed (never a network problem). */
export class InvalidWebhookRequestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidWebhookRequestError';
  }
}

// Visible ASCII: anything else could not travel in a header, and the id is part of what gets signed.
const MESSAGE_ID_PATTERN = /^[\x21-\x7e]{1,256}$/;

type Classified = Pick<DeliveryAttempt, 'outcome' | 'errorClass' | 'detail'>;

function errorChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = err; current !== undefined && current !== null && chain.length < 8; ) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

function classifyError(err: unknown, timedOut: boolean): Classified {
  const chain = errorChain(err);
  const forbidden = chain.find((e): e is ForbiddenAddressError => e instanceof ForbiddenAddressError);
  if (forbidden) return { outcome: 'refused', errorClass: 'forbidden_address', detail: forbidden.reason };
  if (timedOut) return { outcome: 'retryable', errorClass: 'timeout' };

  const codes = chain.map(errorCode);
  const has = (test: (code: string) => boolean) => codes.some(test);
  let errorClass: DeliveryErrorClass = 'network';
  if (has((code) => TIMEOUT_CODES.has(code))) errorClass = 'timeout';
  else if (has((code) => DNS_CODES.has(code))) errorClass = 'dns';
  else if (has((code) => code === 'ECONNREFUSED')) errorClass = 'connection_refused';
  else if (has((code) => TLS_CODE.test(code))) errorClass = 'tls';
  else if (has((code) => RESET_CODES.has(code))) errorClass = 'connection_reset';
  return { outcome: 'retryable', errorClass };
}

/** Reads (and discards: the log keeps the status only) up to `limit` bytes, then drops the connection. */
async function drainAtMost(body: AsyncIterable<Buffer> & { destroy(): unknown }, limit: number): Promise<void> {
  let received = 0;
  if (limit <= 0) {
    body.destroy();
    return;
  }
  try {
    for await (const chunk of body) {
      received += chunk.length;
      if (received >= limit) break;
    }
  } catch {
    // The status line already decided the outcome; a body cut short changes nothing.
  } finally {
    body.destroy();
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function signer(secret: string): Webhook {
  try {
    return new Webhook(secret);
  } catch (cause) {
    // The library's message never contains the secret, but ours is fixed text anyway.
    throw new InvalidWebhookRequestError('The webhook secret is not a valid whsec_ base64 key.', { cause });
  }
}

export function buildWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new RangeError(`timeoutMs must be an integer between 1 and ${MAX_TIMEOUT_MS}, got ${timeoutMs}`);
  }
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 0) {
    throw new RangeError(`maxResponseBytes must be a non-negative integer, got ${maxResponseBytes}`);
  }
  const urlPolicy = {
    allowLoopbackHttp: options.allowLoopbackHttp,
    allowedPorts: options.allowedPorts ?? [...DEFAULT_WEBHOOK_PORTS],
  };
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  const agent = new Agent({
    connect: buildGuardedConnector({
      resolve: options.lookup ?? dns.lookup,
      allowLoopbackHttp: options.allowLoopbackHttp,
      connectTimeoutMs: timeoutMs,
    }),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  return async function send(webhook: WebhookSendRequest): Promise<DeliveryAttempt> {
    if (!MESSAGE_ID_PATTERN.test(webhook.messageId)) {
      throw new InvalidWebhookRequestError('The webhook message id must be 1-256 visible ASCII characters.');
    }
    const sign = signer(webhook.secret);
    const now = webhook.now ?? new Date();
    const started = performance.now();
    const attempt = (fields: Omit<DeliveryAttempt, 'attemptedAt' | 'durationMs'>): DeliveryAttempt => ({
      attemptedAt: now.toISOString(),
      durationMs: Math.max(0, Math.round(performance.now() - started)),
      ...fields,
    });

    const checked = checkWebhookUrl(webhook.url, urlPolicy);
    if (!checked.ok) return attempt({ outcome: 'refused', errorClass: 'forbidden_url', detail: checked.reason });

    const headers = {
      'content-type': 'application/json',
      'user-agent': userAgent,
      'webhook-id': webhook.messageId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': sign.sign(webhook.messageId, now, webhook.body),
    };

    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    try {
      const response = await undiciRequest(checked.url, {
        dispatcher: agent,
        method: 'POST',
        headers,
        body: webhook.body,
        signal: deadline.signal,
        // One connection per attempt: each attempt resolves and passes the guard afresh, and no sockets to
        // arbitrary hosts linger in a warm Lambda.
        reset: true,
      });
      await drainAtMost(response.body, maxResponseBytes);

      const { outcome, errorClass, honoursRetryAfter } = classifyResponseStatus(response.statusCode);
      const retryAfterSeconds = honoursRetryAfter
        ? parseRetryAfterSeconds(firstHeader(response.headers['retry-after']), now)
        : undefined;
      return attempt({
        outcome,
        statusCode: response.statusCode,
        ...(errorClass && { errorClass }),
        ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
      });
    } catch (err) {
      return attempt(classifyError(err, deadline.signal.aborted));
    } finally {
      clearTimeout(timer);
    }
  };
}
