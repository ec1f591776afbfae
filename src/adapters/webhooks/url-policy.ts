/**
 * The request-time check of a webhook URL (422 on refusal). It cannot know what a host name will resolve to at
 * delivery time, so it refuses what is visibly wrong (scheme, credentials, port, internal names, forbidden literal
 * addresses) and leaves resolved addresses to the connect-time guard, which every delivery goes through.
 */
import ipaddr from 'ipaddr.js';
import { isForbiddenAddress } from './address-rules';

export interface WebhookUrlPolicy {
  /** Local mode: `http://` and any port, but only towards loopback. */
  allowLoopbackHttp: boolean;
  /** Ports an https URL may name; 443 when the URL names none. */
  allowedPorts: number[];
}

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

export const DEFAULT_WEBHOOK_PORTS: readonly number[] = [443];

// Long enough for any real receiver URL (with a token in its path), short enough to keep records and logs small.
const MAX_URL_LENGTH = 2048;

// Names that resolve inside a network by convention: cloud metadata endpoints, mDNS, split-horizon zones.
const INTERNAL_SUFFIXES = ['.localhost', '.internal', '.local', '.localdomain', '.home.arpa', '.lan', '.intranet', '.corp'];
const INTERNAL_NAMES = new Set(['localhost', 'metadata.google.internal', 'metadata', 'instance-data']);

function refuse(reason: string): WebhookUrlCheck {
  return { ok: false, reason };
}

function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

function hostnameRefusal(host: string, allowLoopbackHttp: boolean): string | undefined {
  if (allowLoopbackHttp && isLoopbackName(host)) return undefined;
  if (INTERNAL_NAMES.has(host) || INTERNAL_SUFFIXES.some((suffix) => host.endsWith(suffix))) {
    return `The webhook URL's host ${host} is an internal name.`;
  }
  // A single label is completed with the resolver's search domains, i.e. looked up inside our own network.
  if (!host.includes('.')) return `The webhook URL's host ${host} is not a fully qualified domain name.`;
  return undefined;
}

export function checkWebhookUrl(raw: string, policy: WebhookUrlPolicy): WebhookUrlCheck {
  if (raw.length > MAX_URL_LENGTH) return refuse(`The webhook URL is longer than ${MAX_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('The webhook URL is not a valid absolute URL.');
  }

  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse('The webhook URL must use https.');
  if (url.username !== '' || url.password !== '') return refuse('The webhook URL must not contain user credentials.');

  // WHATWG parsing has already turned 2130706433, 0x7f.1, 0177.0.0.1 and 127.1 into 127.0.0.1; ipaddr.js would
  // catch any notation that slipped through, so literal-looking hosts never reach the name rules.
  const bracketed = url.hostname.startsWith('[');
  const host = (bracketed ? url.hostname.slice(1, -1) : url.hostname).replace(/\.$/, '').toLowerCase();
  if (host === '') return refuse('The webhook URL has no host.');
  const literal = bracketed || ipaddr.isValid(host);

  const loopbackTarget = literal
    ? ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback'
    : isLoopbackName(host);
  const localMode = policy.allowLoopbackHttp && loopbackTarget;

  if (url.protocol === 'http:' && !localMode) return refuse('The webhook URL must use https.');

  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (!localMode && !policy.allowedPorts.includes(port)) {
    const allowed = policy.allowedPorts.join(', ');
    return refuse(`The webhook URL's port ${port} is not allowed; allowed: ${allowed || 'none'}.`);
  }

  if (literal) {
    const reason = isForbiddenAddress(host, { allowLoopback: policy.allowLoopbackHttp });
    if (reason) return refuse(`The webhook URL's host is refused: ${reason}`);
  } else {
    const reason = hostnameRefusal(host, policy.allowLoopbackHttp);
    if (reason) return refuse(reason);
  }
  return { ok: true, url };
}
