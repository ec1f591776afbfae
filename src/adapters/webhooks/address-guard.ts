/**
 * Which IP addresses a webhook may reach, checked where it counts: on every address the socket is about to connect
 * to. A check on an earlier, separate lookup would leave a gap for DNS rebinding (a name that answers with a public
 * address to the check and with 169.254.169.254 to the connect), so the guarded lookup below is the one the socket
 * itself uses, and the socket connects to exactly the addresses it approved.
 */
import type * as dns from 'node:dns';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import ipaddr from 'ipaddr.js';
import { buildConnector } from 'undici';

export interface AddressPolicy {
  /** Local mode only: receivers on this machine. Never opens private, link-local or metadata addresses. */
  allowLoopback: boolean;
}

/** An address (or URL) the policy refuses; `message` is a plain sentence that is safe to show the caller. */
export class ForbiddenAddressError extends Error {
  readonly code = 'ERR_WEBHOOK_FORBIDDEN_ADDRESS';

  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ForbiddenAddressError';
  }
}

const IPV4_DESCRIPTIONS: Record<string, string> = {
  unspecified: 'an unspecified address (0.0.0.0/8)',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (169.254.0.0/16)',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  private: 'a private network address',
  reserved: 'a reserved address',
};

const IPV6_DESCRIPTIONS: Record<string, string> = {
  unspecified: 'the unspecified address',
  linkLocal: 'a link-local address (fe80::/10)',
  multicast: 'a multicast address',
  loopback: 'a loopback address',
  uniqueLocal: 'a unique-local address (fc00::/7)',
  deprecatedSiteLocal: 'a site-local address (fec0::/10)',
  '6to4': 'a 6to4 tunnel address, which can wrap any IPv4 address',
  teredo: 'a Teredo tunnel address, which can wrap any IPv4 address',
  rfc6145: 'an IPv4-translated address',
  reserved: 'a reserved address',
};

const METADATA_IPV4 = '169.254.169.254';
const METADATA_IPV6 = ipaddr.parse('fd00:ec2::254');
const GLOBAL_UNICAST_IPV6 = ipaddr.parseCIDR('2000::/3');
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');

/** The forbidden-ness of an address as a noun phrase ("a loopback address"), or undefined when it may be reached. */
function describeIPv4(address: ipaddr.IPv4, policy: AddressPolicy): string | undefined {
  if (address.toString() === METADATA_IPV4) return 'the cloud instance metadata address';
  const range = address.range();
  if (range === 'unicast') return undefined;
  if (range === 'loopback' && policy.allowLoopback) return undefined;
  return IPV4_DESCRIPTIONS[range] ?? `a special-purpose address (${range})`;
}

function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = address.toByteArray();
  return new ipaddr.IPv4(bytes.slice(12, 16));
}

function describeIPv6(address: ipaddr.IPv6, policy: AddressPolicy): string | undefined {
  if (address.isIPv4MappedAddress()) {
    // A dual-stack socket really does connect to the IPv4 address inside, so the inner address decides.
    const inner = address.toIPv4Address();
    const description = describeIPv4(inner, policy);
    return description && `an IPv4-mapped form of ${inner.toString()}, ${description}`;
  }
  if (address.match(METADATA_IPV6, 128)) return 'the cloud instance metadata address (IPv6)';

  const range = address.range();
  if (range === 'loopback') return policy.allowLoopback ? undefined : IPV6_DESCRIPTIONS.loopback;
  if (range === 'unspecified') return IPV6_DESCRIPTIONS.unspecified;

  const parts = address.parts;
  if (parts.slice(0, 6).every((part) => part === 0)) {
    // ::a.b.c.d, deprecated since 2006; ipaddr.js calls these "unicast", nothing legitimate uses them.
    return `an IPv4-compatible form of ${embeddedIPv4(address).toString()}, which is not accepted`;
  }
  if (address.match(NAT64_WELL_KNOWN)) {
    // NAT64 (with DNS64) is how IPv6-only subnets reach public IPv4 hosts: fine for public ones only.
    const inner = embeddedIPv4(address);
    const description = describeIPv4(inner, { allowLoopback: false });
    return description && `a NAT64 form of ${inner.toString()}, ${description}`;
  }
  if (range === 'rfc6052') return 'a local-use NAT64 address (64:ff9b:1::/48)';
  if (range === 'unicast' && address.match(GLOBAL_UNICAST_IPV6)) return undefined;
  return IPV6_DESCRIPTIONS[range] ?? `a special-purpose address (${range === 'unicast' ? 'outside 2000::/3' : range})`;
}

/**
 * Why `ip` may not be reached, as a sentence safe to show a caller, or `undefined` when it may. Accepts every
 * notation the OS would (`127.1`, `0x7f.1`, `2130706433`, IPv4-mapped IPv6, ...) because ipaddr.js parses them all.
 */
export function isForbiddenAddress(ip: string, policy: AddressPolicy): string | undefined {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (!ipaddr.isValid(text)) return 'The address is not a valid IP address.';
  const address = ipaddr.parse(text);
  const description =
    address.kind() === 'ipv4'
      ? describeIPv4(address as ipaddr.IPv4, policy)
      : describeIPv6(address as ipaddr.IPv6, policy);
  return description && `${address.toString()} is ${description}.`;
}

/** True for 127/8, ::1 and their IPv4-mapped forms: the only peers a plain-http (local mode) webhook may have. */
export function isLoopbackAddress(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  const address = ipaddr.process(ip);
  return address.range() === 'loopback';
}

/** dns.lookup in its `all: true` form; `dns.lookup` itself fits, and tests pass a stub. */
export type ResolveAll = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;

export interface ConnectPolicy extends AddressPolicy {
  /** Plain http: every peer must be loopback, whatever else the policy allows. */
  requireLoopback: boolean;
}

function refusal(ip: string, policy: ConnectPolicy): string | undefined {
  if (policy.requireLoopback && !isLoopbackAddress(ip)) {
    return `${ip} is not a loopback address; plain http webhooks may only reach this machine.`;
  }
  return isForbiddenAddress(ip, policy);
}

/**
 * A `lookup` for net.connect / tls.connect that resolves with `resolve`, refuses the whole name when ANY answer is
 * forbidden (a name that mixes public and internal answers is not trustworthy), and hands the approved answers to
 * the socket, which connects to them and to nothing else.
 */
export function buildGuardedLookup(resolve: ResolveAll, policy: ConnectPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, '');
        return;
      }
      const first = addresses[0];
      if (first === undefined) {
        callback(Object.assign(new Error(`no addresses for ${hostname}`), { code: 'ENOTFOUND' }), '');
        return;
      }
      for (const { address } of addresses) {
        const reason = refusal(address, policy);
        if (reason) {
          callback(new ForbiddenAddressError(reason), '');
          return;
        }
      }
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

export interface GuardedConnectorOptions {
  resolve: ResolveAll;
  allowLoopbackHttp: boolean;
  connectTimeoutMs: number;
}

/**
 * The undici connector for webhook traffic. Names go through the guarded lookup; IP literals skip lookup inside
 * net.connect, so they are checked here before any socket exists. As a last line, the peer a socket actually
 * reached is checked again before a single byte of the request is written.
 */
export function buildGuardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const httpsPolicy: ConnectPolicy = { allowLoopback: options.allowLoopbackHttp, requireLoopback: false };
  const httpPolicy: ConnectPolicy = { allowLoopback: true, requireLoopback: true };
  const connectHttps = buildConnector({
    timeout: options.connectTimeoutMs,
    lookup: buildGuardedLookup(options.resolve, httpsPolicy),
  });
  const connectHttp = buildConnector({
    timeout: options.connectTimeoutMs,
    lookup: buildGuardedLookup(options.resolve, httpPolicy),
  });

  return (connectOptions, callback) => {
    const refuse = (reason: string) => process.nextTick(() => callback(new ForbiddenAddressError(reason), null));
    const plain = connectOptions.protocol === 'http:';
    if (plain && !options.allowLoopbackHttp) {
      refuse('Plain http webhooks are not allowed; use https.');
      return;
    }
    const policy = plain ? httpPolicy : httpsPolicy;
    if (isIP(connectOptions.hostname)) {
      const reason = refusal(connectOptions.hostname, policy);
      if (reason) {
        refuse(reason);
        return;
      }
    }
    (plain ? connectHttp : connectHttps)(connectOptions, (err, socket) => {
      if (err) {
        callback(err, null);
        return;
      }
      const peer = (socket as Socket).remoteAddress;
      const reason = peer ? refusal(peer, policy) : 'The connection has no peer address.';
      if (reason) {
        socket.destroy();
        callback(new ForbiddenAddressError(reason), null);
        return;
      }
      callback(null, socket);
    });
  };
}
