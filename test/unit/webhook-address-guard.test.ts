import type * as dns from 'node:dns';
import {
  buildGuardedLookup,
  ForbiddenAddressError,
  isForbiddenAddress,
  isLoopbackAddress,
  type ResolveAll,
} from '../../src/adapters/webhooks/address-guard';

const strict = { allowLoopback: false };
const local = { allowLoopback: true };

// Every class the issue names, with the forms an attacker would try. None of these may ever be reached.
const ALWAYS_FORBIDDEN: Array<[string, string, RegExp]> = [
  ['private 10/8', '10.0.0.1', /private/],
  ['private 172.16/12', '172.16.5.4', /private/],
  ['private 172.31 (top of /12)', '172.31.255.255', /private/],
  ['private 192.168/16', '192.168.1.1', /private/],
  ['carrier-grade NAT', '100.64.0.1', /carrier-grade NAT/],
  ['carrier-grade NAT (top)', '100.127.255.254', /carrier-grade NAT/],
  ['link-local', '169.254.10.10', /link-local/],
  ['instance metadata', '169.254.169.254', /metadata/],
  ['ECS task metadata', '169.254.170.2', /link-local/],
  ['instance metadata IPv6', 'fd00:ec2::254', /metadata/],
  ['unique-local fc00::/7', 'fc00::1', /unique-local/],
  ['unique-local fd..', 'fd12:3456::1', /unique-local/],
  ['link-local IPv6', 'fe80::1', /link-local/],
  ['link-local IPv6 with zone', 'fe80::1%eth0', /link-local/],
  ['site-local IPv6', 'fec0::1', /site-local/],
  ['multicast IPv4', '224.0.0.1', /multicast/],
  ['multicast IPv4 (top)', '239.255.255.250', /multicast/],
  ['multicast IPv6', 'ff02::1', /multicast/],
  ['unspecified IPv4', '0.0.0.0', /unspecified/],
  ['0.0.0.0/8', '0.1.2.3', /unspecified/],
  ['unspecified IPv6', '::', /unspecified/],
  ['broadcast', '255.255.255.255', /broadcast/],
  ['reserved 240/4', '240.0.0.1', /reserved/],
  ['TEST-NET-1', '192.0.2.1', /reserved/],
  ['benchmarking 198.18/15', '198.18.0.1', /reserved/],
  ['IETF protocol assignments', '192.0.0.8', /reserved/],
  ['documentation IPv6', '2001:db8::1', /reserved/],
  ['discard-only IPv6', '100::1', /discard/],
  ['IPv4-mapped private', '::ffff:10.0.0.1', /IPv4-mapped form of 10\.0\.0\.1, a private/],
  ['IPv4-mapped metadata', '::ffff:169.254.169.254', /IPv4-mapped form of 169\.254\.169\.254, the cloud instance metadata/],
  ['IPv4-mapped metadata (hex)', '::ffff:a9fe:a9fe', /IPv4-mapped form of 169\.254\.169\.254/],
  ['IPv4-mapped CGNAT', '::ffff:100.64.0.1', /IPv4-mapped .*carrier-grade/],
  ['IPv4-mapped, fully written', '0:0:0:0:0:ffff:c0a8:0101', /IPv4-mapped form of 192\.168\.1\.1/],
  ['IPv4-compatible metadata', '::a9fe:a9fe', /IPv4-compatible form of 169\.254\.169\.254/],
  ['IPv4-compatible public', '::808:808', /IPv4-compatible/],
  ['IPv4-translated', '::ffff:0:a00:1', /IPv4-translated/],
  ['NAT64 of private', '64:ff9b::10.0.0.1', /NAT64 form of 10\.0\.0\.1, a private/],
  ['NAT64 of metadata', '64:ff9b::a9fe:a9fe', /NAT64 form of 169\.254\.169\.254/],
  ['NAT64 of loopback', '64:ff9b::127.0.0.1', /NAT64 form of 127\.0\.0\.1/],
  ['local-use NAT64', '64:ff9b:1::808:808', /local-use NAT64/],
  ['6to4 (wraps 127.0.0.1)', '2002:7f00:1::1', /6to4/],
  ['Teredo', '2001:0:4136:e378::1', /Teredo/],
  ['outside 2000::/3', '4000::1', /special-purpose/],
  ['segment routing', '5f00::1', /special-purpose/],
];

// Notations inet_aton accepts for 127.0.0.1 and 169.254.169.254.
const ODD_NOTATIONS: Array<[string, RegExp]> = [
  ['2130706433', /loopback/],
  ['0x7f000001', /loopback/],
  ['017700000001', /loopback/],
  ['0x7f.1', /loopback/],
  ['0177.0.0.1', /loopback/],
  ['0x7f.0x0.0x0.0x1', /loopback/],
  ['127.1', /loopback/],
  ['127.0.1', /loopback/],
  ['2852039166', /metadata/],
  ['0xa9.0xfe.0xa9.0xfe', /metadata/],
  ['0251.0376.0251.0376', /metadata/],
  ['169.254.43518', /metadata/],
  ['012.1', /private/],
];

const PUBLIC = ['8.8.8.8', '1.1.1.1', '52.95.110.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '64:ff9b::808:808'];

describe('isForbiddenAddress', () => {
  it.each(ALWAYS_FORBIDDEN)('refuses %s (%s), even in local mode', (_label, ip, reason) => {
    // Act
    const strictReason = isForbiddenAddress(ip, strict);
    const localReason = isForbiddenAddress(ip, local);

    // Assess
    expect(strictReason).toMatch(reason);
    expect(localReason).toMatch(reason);
  });

  it.each(ODD_NOTATIONS)('reads the odd notation %s the way the OS would', (ip, reason) => {
    // Act / Assess
    expect(isForbiddenAddress(ip, strict)).toMatch(reason);
  });

  it.each(['127.0.0.1', '127.255.255.254', '::1', '::ffff:127.0.0.1', '[::1]'])(
    'refuses loopback %s unless loopback is allowed',
    (ip) => {
      // Act
      const strictReason = isForbiddenAddress(ip, strict);
      const localReason = isForbiddenAddress(ip, local);

      // Assess
      expect(strictReason).toMatch(/loopback/);
      expect(localReason).toBeUndefined();
    },
  );

  it.each(PUBLIC)('allows the public address %s', (ip) => {
    // Act / Assess
    expect(isForbiddenAddress(ip, strict)).toBeUndefined();
  });

  it.each(['', 'example.com', '1.2.3.4.5', '999.1.1.1', '::g', '08.0.0.1'])('refuses %p as not an IP address', (ip) => {
    // Act / Assess
    expect(isForbiddenAddress(ip, local)).toBe('The address is not a valid IP address.');
  });

  it('words reasons as sentences that name the address', () => {
    // Act
    const reason = isForbiddenAddress('10.1.2.3', strict);

    // Assess
    expect(reason).toBe('10.1.2.3 is a private network address.');
  });
});

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.9.9.9', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['8.8.8.8', false],
    ['not-an-ip', false],
  ])('%s → %p', (ip, expected) => {
    // Act / Assess
    expect(isLoopbackAddress(ip)).toBe(expected);
  });
});

describe('buildGuardedLookup', () => {
  function stubResolve(answers: dns.LookupAddress[] | NodeJS.ErrnoException): jest.MockedFunction<ResolveAll> {
    return jest.fn<void, Parameters<ResolveAll>>((_hostname, _options, callback) => {
      if (answers instanceof Error) callback(answers, []);
      else callback(null, answers);
    });
  }

  function lookupOnce(
    resolve: ResolveAll,
    policy: { allowLoopback: boolean; requireLoopback: boolean },
    options: dns.LookupOptions = { all: true },
  ): Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }> {
    const lookup = buildGuardedLookup(resolve, policy);
    return new Promise((resolvePromise) => {
      lookup('hooks.example.com', options, (err, address, family) => resolvePromise({ err, address, family }));
    });
  }

  const httpsPolicy = { allowLoopback: false, requireLoopback: false };

  it.each(ALWAYS_FORBIDDEN.filter(([, ip]) => !ip.includes('%')))(
    'refuses a name that resolves to %s (%s)',
    async (_label, ip, reason) => {
      // Prepare
      const resolve = stubResolve([{ address: ip, family: ip.includes(':') ? 6 : 4 }]);

      // Act
      const { err } = await lookupOnce(resolve, { allowLoopback: true, requireLoopback: false });

      // Assess
      expect(err).toBeInstanceOf(ForbiddenAddressError);
      expect((err as ForbiddenAddressError).reason).toMatch(reason);
    },
  );

  it('refuses the whole name when any one of its answers is forbidden', async () => {
    // Prepare
    const resolve = stubResolve([
      { address: '8.8.8.8', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
      { address: '169.254.169.254', family: 4 },
    ]);

    // Act
    const { err } = await lookupOnce(resolve, httpsPolicy);

    // Assess
    expect(err).toBeInstanceOf(ForbiddenAddressError);
    expect(err?.message).toBe('169.254.169.254 is the cloud instance metadata address.');
  });

  it('hands every approved answer to the socket when it asks for all of them', async () => {
    // Prepare
    const answers = [
      { address: '8.8.8.8', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
    ];
    const resolve = stubResolve(answers);

    // Act
    const result = await lookupOnce(resolve, httpsPolicy, { all: true, family: 0 });

    // Assess
    expect(result.err).toBeNull();
    expect(result.address).toEqual(answers);
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(resolve.mock.calls[0]?.[1]).toMatchObject({ all: true, family: 0 });
  });

  it('answers in the single-address form when the socket asks for one', async () => {
    // Prepare
    const resolve = stubResolve([{ address: '2606:4700:4700::1111', family: 6 }]);

    // Act
    const result = await lookupOnce(resolve, httpsPolicy, { family: 6 });

    // Assess
    expect(result).toEqual({ err: null, address: '2606:4700:4700::1111', family: 6 });
    expect(resolve.mock.calls[0]?.[1]).toMatchObject({ all: true, family: 6 });
  });

  it('passes resolution failures through untouched', async () => {
    // Prepare
    const failure = Object.assign(new Error('getaddrinfo ENOTFOUND hooks.example.com'), { code: 'ENOTFOUND' });

    // Act
    const { err } = await lookupOnce(stubResolve(failure), httpsPolicy);

    // Assess
    expect(err).toBe(failure);
  });

  it('treats an empty answer as not found', async () => {
    // Act
    const { err } = await lookupOnce(stubResolve([]), httpsPolicy);

    // Assess
    expect(err?.code).toBe('ENOTFOUND');
  });

  it('lets plain http reach loopback only', async () => {
    // Prepare
    const plainHttp = { allowLoopback: true, requireLoopback: true };

    // Act
    const loopback = await lookupOnce(stubResolve([{ address: '127.0.0.1', family: 4 }]), plainHttp);
    const publicHost = await lookupOnce(stubResolve([{ address: '8.8.8.8', family: 4 }]), plainHttp);

    // Assess
    expect(loopback.err).toBeNull();
    expect(publicHost.err).toBeInstanceOf(ForbiddenAddressError);
    expect(publicHost.err?.message).toMatch(/not a loopback address/);
  });
});
