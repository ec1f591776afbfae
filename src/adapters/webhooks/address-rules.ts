/**
 * Which IP addresses a webhook may reach: the rules alone, with no network code. The request-time URL check
 * (url-policy.ts) and the connect-time guard (address-guard.ts) share them; they live apart from the guard so that
 * the functions that only check a URL (POST /clusters) do not carry the HTTP client the guard is built for.
 */
import ipaddr from 'ipaddr.js';

export interface AddressPolicy {
  /** Local mode only: receivers on this machine. Never opens private, link-local or metadata addresses. */
  allowLoopback: boolean;
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
