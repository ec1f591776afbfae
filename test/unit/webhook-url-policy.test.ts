import { checkWebhookUrl, type WebhookUrlPolicy } from '../../src/adapters/webhooks/url-policy';

const deployed: WebhookUrlPolicy = { allowLoopbackHttp: false, allowedPorts: [443] };
const localMode: WebhookUrlPolicy = { allowLoopbackHttp: true, allowedPorts: [443] };

function reasonFor(raw: string, policy: WebhookUrlPolicy): string | undefined {
  const result = checkWebhookUrl(raw, policy);
  return result.ok ? undefined : result.reason;
}

describe('checkWebhookUrl', () => {
  it.each([
    'https://hooks.example.com/swarm',
    'https://hooks.example.com:443/swarm?token=abc',
    'https://HOOKS.Example.COM./swarm',
    'https://8.8.8.8/hook',
    'https://[2606:4700:4700::1111]/hook',
    'https://xn--bcher-kva.example/hook',
  ])('accepts %s', (raw) => {
    // Act
    const result = checkWebhookUrl(raw, deployed);

    // Assess
    expect(result.ok).toBe(true);
  });

  it('returns the parsed URL', () => {
    // Act
    const result = checkWebhookUrl('https://hooks.example.com/a?b=c', deployed);

    // Assess
    expect(result.ok && result.url.href).toBe('https://hooks.example.com/a?b=c');
  });

  it.each([
    ['http:', 'http://hooks.example.com/', /must use https/],
    ['file:', 'file:///etc/passwd', /must use https/],
    ['ftp:', 'ftp://hooks.example.com/', /must use https/],
    ['gopher:', 'gopher://hooks.example.com:70/', /must use https/],
    ['javascript:', 'javascript:alert(1)', /must use https/],
    ['data:', 'data:text/plain,hi', /must use https/],
    ['a relative URL', '/hooks', /not a valid absolute URL/],
    ['garbage', 'not a url', /not a valid absolute URL/],
    ['user info', 'https://user:secret@hooks.example.com/', /credentials/],
    ['a user name alone', 'https://user@hooks.example.com/', /credentials/],
    ['a port not allowed', 'https://hooks.example.com:8443/', /port 8443 is not allowed; allowed: 443/],
    ['port 22', 'https://hooks.example.com:22/', /port 22/],
    ['a very long URL', `https://hooks.example.com/${'a'.repeat(3000)}`, /longer than 2048/],
  ])('refuses %s', (_label, raw, reason) => {
    // Act / Assess
    expect(reasonFor(raw, deployed)).toMatch(reason);
  });

  it.each([
    ['localhost', 'https://localhost/'],
    ['localhost with a trailing dot', 'https://localhost./'],
    ['localhost in capitals', 'https://LOCALHOST/'],
    ['localhost in full-width letters', 'https://ｌｏｃａｌｈｏｓｔ/'],
    ['a *.localhost name', 'https://api.localhost/'],
    ['GCP metadata', 'https://metadata.google.internal/computeMetadata/v1/'],
    ['an EC2 internal name', 'https://ip-10-0-0-1.eu-west-1.compute.internal/'],
    ['a .internal name', 'https://vault.internal/'],
    ['an mDNS name', 'https://printer.local/'],
    ['a home.arpa name', 'https://nas.home.arpa/'],
    ['a single-label name', 'https://intranet/'],
    ['instance-data', 'https://instance-data/latest/meta-data/'],
  ])('refuses the internal name %s', (_label, raw) => {
    // Act / Assess
    expect(reasonFor(raw, deployed)).toMatch(/internal name|not a fully qualified/);
  });

  // Each row: how it is written, what WHATWG makes of it, which rule must refuse it.
  it.each([
    ['decimal', 'https://2130706433/', /127\.0\.0\.1 is a loopback/],
    ['hex', 'https://0x7f.1/', /127\.0\.0\.1 is a loopback/],
    ['hex, dotted', 'https://0x7f.0x0.0x0.0x1/', /127\.0\.0\.1 is a loopback/],
    ['hex, single number', 'https://0x7f000001/', /127\.0\.0\.1 is a loopback/],
    ['octal', 'https://0177.0.0.1/', /127\.0\.0\.1 is a loopback/],
    ['octal, single number', 'https://017700000001/', /127\.0\.0\.1 is a loopback/],
    ['short', 'https://127.1/', /127\.0\.0\.1 is a loopback/],
    ['percent-encoded', 'https://%31%32%37.0.0.1/', /127\.0\.0\.1 is a loopback/],
    ['ideographic dots', 'https://127。0。0。1/', /127\.0\.0\.1 is a loopback/],
    ['IPv6 loopback', 'https://[::1]/', /::1 is a loopback/],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/', /IPv4-mapped form of 127\.0\.0\.1/],
    ['IPv4-compatible loopback', 'https://[::127.0.0.1]/', /IPv4-compatible form of 127\.0\.0\.1/],
    ['metadata', 'https://169.254.169.254/latest/meta-data/', /metadata/],
    ['metadata, decimal', 'https://2852039166/', /169\.254\.169\.254 is the cloud instance metadata/],
    ['metadata, hex', 'https://0xa9fea9fe/', /169\.254\.169\.254 is the cloud instance metadata/],
    ['metadata, octal', 'https://0251.0376.0251.0376/', /169\.254\.169\.254 is the cloud instance metadata/],
    ['metadata, short', 'https://169.254.43518/', /169\.254\.169\.254 is the cloud instance metadata/],
    ['metadata, IPv4-mapped', 'https://[::ffff:169.254.169.254]/', /IPv4-mapped form of 169\.254\.169\.254/],
    ['metadata, IPv6', 'https://[fd00:ec2::254]/', /metadata address \(IPv6\)/],
    ['private 10/8', 'https://10.0.0.1/', /private/],
    ['private 10/8, short', 'https://10.1/', /10\.0\.0\.1 is a private/],
    ['private 172.16/12', 'https://172.20.0.1/', /private/],
    ['private 192.168/16', 'https://192.168.0.10/', /private/],
    ['private, IPv4-mapped', 'https://[::ffff:192.168.0.10]/', /IPv4-mapped form of 192\.168\.0\.10/],
    ['private, NAT64', 'https://[64:ff9b::192.168.0.10]/', /NAT64 form of 192\.168\.0\.10/],
    ['carrier-grade NAT', 'https://100.100.100.100/', /carrier-grade NAT/],
    ['link-local', 'https://169.254.1.1/', /link-local/],
    ['link-local IPv6', 'https://[fe80::1]/', /link-local/],
    ['unique-local', 'https://[fd12:3456::1]/', /unique-local/],
    ['multicast', 'https://224.0.0.251/', /multicast/],
    ['multicast IPv6', 'https://[ff02::1]/', /multicast/],
    ['unspecified', 'https://0.0.0.0/', /unspecified/],
    ['unspecified, decimal', 'https://0/', /0\.0\.0\.0 is an unspecified/],
    ['unspecified IPv6', 'https://[::]/', /unspecified/],
    ['broadcast', 'https://255.255.255.255/', /broadcast/],
    ['broadcast, decimal', 'https://4294967295/', /255\.255\.255\.255 is the broadcast/],
    ['reserved', 'https://240.1.2.3/', /reserved/],
  ])('refuses the literal address written %s', (_label, raw, reason) => {
    // Act / Assess
    expect(reasonFor(raw, deployed)).toMatch(reason);
    expect(reasonFor(raw, deployed)).toMatch(/^The webhook URL's host is refused: /);
  });

  it('refuses an IPv6 literal with a zone, which WHATWG cannot parse', () => {
    // Act / Assess
    expect(reasonFor('https://[fe80::1%25eth0]/', deployed)).toMatch(/not a valid absolute URL/);
  });

  it('refuses a URL with more than four dotted numbers', () => {
    // Act / Assess
    expect(reasonFor('https://1.2.3.4.5/', deployed)).toMatch(/not a valid absolute URL/);
  });

  it('accepts a public name that merely looks like an address, leaving it to the connect-time guard', () => {
    // Act
    const result = checkWebhookUrl('https://127.0.0.1.nip.io/', deployed);

    // Assess
    expect(result.ok).toBe(true);
  });

  describe('in local mode', () => {
    it.each([
      'http://127.0.0.1:8080/hook',
      'http://127.0.0.1/hook',
      'http://[::1]:9000/hook',
      'http://localhost:3000/hook',
      'http://receiver.localhost:3000/hook',
      'https://127.0.0.1:8443/hook',
      'http://2130706433:8080/',
    ])('accepts the loopback receiver %s on any port', (raw) => {
      // Act / Assess
      expect(reasonFor(raw, localMode)).toBeUndefined();
    });

    it.each([
      ['plain http to a public host', 'http://hooks.example.com/', /must use https/],
      ['plain http to a private address', 'http://10.0.0.1:8080/', /must use https/],
      ['https to metadata', 'https://169.254.169.254/', /metadata/],
      ['https to a private address', 'https://192.168.1.1/', /private/],
      ['https to IPv6 metadata', 'https://[fd00:ec2::254]/', /metadata/],
      ['a public host on another port', 'https://hooks.example.com:8443/', /port 8443/],
      ['credentials on loopback', 'http://user:pw@127.0.0.1:8080/', /credentials/],
      ['an .internal name', 'https://vault.internal/', /internal name/],
    ])('still refuses %s', (_label, raw, reason) => {
      // Act / Assess
      expect(reasonFor(raw, localMode)).toMatch(reason);
    });
  });

  describe('when deployed', () => {
    // Deployed, loopback is refused for what it is; over plain http the scheme is refused first (that check comes first).
    it.each([
      ['http://127.0.0.1:8080/hook', 'The webhook URL must use https.'],
      ['https://127.0.0.1/hook', "The webhook URL's host is refused: 127.0.0.1 is a loopback address."],
      ['https://[::1]/hook', "The webhook URL's host is refused: ::1 is a loopback address."],
      ['http://localhost:3000/hook', 'The webhook URL must use https.'],
      ['https://localhost/hook', "The webhook URL's host localhost is an internal name."],
    ])('refuses the loopback receiver %s, saying why', (raw, reason) => {
      // Act / Assess
      expect(reasonFor(raw, deployed)).toBe(reason);
      expect(reasonFor(raw, localMode)).toBeUndefined();
    });

    it('accepts another port when it is allowed', () => {
      // Act / Assess
      expect(reasonFor('https://hooks.example.com:8443/', { ...deployed, allowedPorts: [443, 8443] })).toBeUndefined();
    });
  });

  it('keeps reasons free of the URL path and query, which may carry a receiver token', () => {
    // Act
    const reason = reasonFor('https://10.0.0.1/hook?token=very-secret-token', deployed);

    // Assess
    expect(reason).toBeDefined();
    expect(reason).not.toContain('very-secret-token');
  });
});
