import { slackSignature, verifySlackSignature } from '../../../src/adapters/slack/signature';

// Slack's own worked example ("Verifying requests from Slack"): an independent check of the HMAC input format.
const SLACK_EXAMPLE = {
  signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  rawBody:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const at = (seconds: number) => new Date(seconds * 1000);
const T = Number(SLACK_EXAMPLE.timestamp);

describe('Slack request signature (v0)', () => {
  it("accepts Slack's published example", () => {
    expect(slackSignature(SLACK_EXAMPLE.signingSecret, SLACK_EXAMPLE.timestamp, SLACK_EXAMPLE.rawBody)).toBe(SLACK_EXAMPLE.signature);
    expect(verifySlackSignature({ ...SLACK_EXAMPLE, now: at(T) })).toEqual({ ok: true });
  });

  it('accepts a timestamp exactly 5 minutes away either way', () => {
    expect(verifySlackSignature({ ...SLACK_EXAMPLE, now: at(T + 300) })).toEqual({ ok: true });
    expect(verifySlackSignature({ ...SLACK_EXAMPLE, now: at(T - 300) })).toEqual({ ok: true });
  });

  it.each([
    ['no signature header', { signature: undefined }, 'missing-headers'],
    ['no timestamp header', { timestamp: undefined }, 'missing-headers'],
    ['an empty signature', { signature: '' }, 'missing-headers'],
    ['a timestamp that is not a number', { timestamp: '1531420618.5' }, 'bad-timestamp'],
    ['a stale timestamp (5 minutes and 1 second old)', { now: at(T + 301) }, 'stale'],
    ['a future timestamp (5 minutes and 1 second ahead)', { now: at(T - 301) }, 'stale'],
    ['another version prefix', { signature: SLACK_EXAMPLE.signature.replace('v0=', 'v1=') }, 'malformed'],
    ['no version prefix', { signature: SLACK_EXAMPLE.signature.slice(3) }, 'malformed'],
    ['a signature one hex digit short', { signature: SLACK_EXAMPLE.signature.slice(0, -1) }, 'malformed'],
    ['a signature one hex digit long', { signature: `${SLACK_EXAMPLE.signature}0` }, 'malformed'],
    ['upper-case hex', { signature: SLACK_EXAMPLE.signature.toUpperCase().replace('V0=', 'v0=') }, 'malformed'],
    ['one digit changed', { signature: SLACK_EXAMPLE.signature.replace(/3$/, '4') }, 'mismatch'],
    ['another signing secret', { signingSecret: 'not-the-secret' }, 'mismatch'],
    ['the timestamp changed after signing', { timestamp: String(T + 1), now: at(T) }, 'mismatch'],
    ['a body with a field appended', { rawBody: `${SLACK_EXAMPLE.rawBody}&team_id=T0THER` }, 'mismatch'],
  ])('refuses %s', (_case, change, reason) => {
    expect(verifySlackSignature({ ...SLACK_EXAMPLE, now: at(T), ...change })).toEqual({ ok: false, reason });
  });

  it('refuses a re-serialised body: the same fields in other bytes are not what Slack signed', () => {
    const secret = 'test-signing-secret';
    const rawBody = 'team_id=T1&user_id=U2&text=create+demo+workers%3D2';
    const signed = { signingSecret: secret, timestamp: String(T), signature: slackSignature(secret, String(T), rawBody), now: at(T) };
    const fields = Object.fromEntries(new URLSearchParams(rawBody));
    const reEncoded = Object.entries(fields).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    const asJson = JSON.stringify(fields);
    const reordered = Object.entries(fields).reverse().map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');

    expect(verifySlackSignature({ ...signed, rawBody })).toEqual({ ok: true });
    for (const body of [reEncoded, asJson, reordered]) {
      expect(body).not.toBe(rawBody);
      expect(verifySlackSignature({ ...signed, rawBody: body })).toEqual({ ok: false, reason: 'mismatch' });
    }
  });
});
