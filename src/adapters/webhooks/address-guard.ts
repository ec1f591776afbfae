/**
 * Which IP addresses a webhook may reach, checked where it counts: on every address the socket is about to connect
 * to. A check on an earlier, separate lookup would leave a gap for DNS rebinding (a name that answers with a public
 * address to the check and with 169.254.169.254 to the connect), so the guarded lookup below is the one the socket
 * itself uses, and the socket connects to exactly the addresses it approved.
 */
import type * as dns from 'node:dns';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { buildConnector } from 'undici';
import { isForbiddenAddress, isLoopbackAddress, type AddressPolicy } from './address-rules';

export { isForbiddenAddress, isLoopbackAddress, type AddressPolicy };

/** An address (or URL) the policy refuses; `message` is a plain sentence that is safe to show the caller. */
export class ForbiddenAddressError extends Error {
  readonly code = 'ERR_WEBHOOK_FORBIDDEN_ADDRESS';

  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ForbiddenAddressError';
  }
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
