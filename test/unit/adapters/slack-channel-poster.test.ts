/**
 * chat.postMessage with the bot token, against a scripted fetch (no network). Slack's answers as its docs give them:
 * - "chat.postMessage" (https://docs.slack.dev/reference/methods/chat.postMessage): a bot token in
 *   `Authorization: Bearer`, a JSON body; HTTP 200 with `{"ok": true, "channel", "ts", ...}` on success and HTTP 200
 *   with `{"ok": false, "error": "not_in_channel"}` (or channel_not_found, invalid_auth, ...) on failure.
 * - "Rate limits" (https://docs.slack.dev/apis/web-api/rate-limits): over the limit, HTTP 429 Too Many Requests with
 *   a Retry-After header giving the seconds to wait.
 */
import { buildSlackChannelPoster } from '../../../src/adapters/slack/channel-poster';
import { logger } from '../../../src/logger';

const NOW = new Date('2026-11-28T01:00:00.000Z');
const TOKEN = 'xoxb-17-42-notarealtoken';
const BODY = JSON.stringify({ channel: 'C2147483705', text: ':warning: *demo* is drifted' });

function scripted(answer: () => Response | Promise<Response>) {
  const sent: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    sent.push({ url, init });
    return answer();
  }) as unknown as typeof globalThis.fetch;
  return { fetch, sent };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });

describe('the Slack channel poster (chat.postMessage)', () => {
  it('posts the stored body to <SLACK_API_URL>/chat.postMessage with the bot token as a Bearer token', async () => {
    // Prepare: Slack's success answer, as the method's docs show it.
    const slack = scripted(() => json({ ok: true, channel: 'C2147483705', ts: '1503435956.000247', message: { text: 'x' } }));
    const post = buildSlackChannelPoster({ apiUrl: 'http://127.0.0.1:4321/api', botToken: TOKEN, fetch: slack.fetch });

    // Act
    const attempt = await post({ body: BODY, now: NOW });

    // Assess
    expect(attempt).toMatchObject({ outcome: 'delivered', statusCode: 200, attemptedAt: NOW.toISOString() });
    expect(slack.sent).toHaveLength(1);
    expect(slack.sent[0]!.url).toBe('http://127.0.0.1:4321/api/chat.postMessage');
    expect(slack.sent[0]!.init).toMatchObject({ method: 'POST', body: BODY, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json; charset=utf-8' } });
  });

  it('refuses (no retry) when Slack answers HTTP 200 with ok:false not_in_channel, and logs what to do without the token', async () => {
    // Prepare
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const post = buildSlackChannelPoster({ apiUrl: 'https://slack.com/api', botToken: TOKEN, fetch: scripted(() => json({ ok: false, error: 'not_in_channel' })).fetch });

    // Act
    const attempt = await post({ body: BODY, now: NOW });

    // Assess
    expect(attempt).toMatchObject({ outcome: 'refused', statusCode: 200, detail: expect.stringContaining('invite it there') });
    expect(warn).toHaveBeenCalledWith('slack channel post refused', { slackError: 'not_in_channel', advice: expect.stringContaining('/invite') });
    expect(JSON.stringify(warn.mock.calls)).not.toContain(TOKEN);
    expect(JSON.stringify(attempt)).not.toContain(TOKEN);
    warn.mockRestore();
  });

  it.each([['channel_not_found'], ['invalid_auth'], ['missing_scope'], ['is_archived']])('refuses when Slack answers ok:false %s, which a retry would get again', async (error) => {
    const post = buildSlackChannelPoster({ apiUrl: 'https://slack.com/api', botToken: TOKEN, fetch: scripted(() => json({ ok: false, error })).fetch });

    const attempt = await post({ body: BODY, now: NOW });

    expect(attempt).toMatchObject({ outcome: 'refused', detail: expect.stringContaining(error) });
  });

  it('retries after Slack’s Retry-After when it answers 429 Too Many Requests', async () => {
    // Prepare: the rate limiter's answer (Rate limits: "HTTP 429 ... a Retry-After HTTP header").
    const post = buildSlackChannelPoster({ apiUrl: 'https://slack.com/api', botToken: TOKEN, fetch: scripted(() => json({ ok: false, error: 'ratelimited' }, 429, { 'retry-after': '30' })).fetch });

    // Act
    const attempt = await post({ body: BODY, now: NOW });

    // Assess
    expect(attempt).toMatchObject({ outcome: 'retryable', statusCode: 429, retryAfterSeconds: 30 });
  });

  it('retries when Slack has trouble of its own: ok:false internal_error, or a 503', async () => {
    const internal = buildSlackChannelPoster({ apiUrl: 'https://slack.com/api', botToken: TOKEN, fetch: scripted(() => json({ ok: false, error: 'internal_error' })).fetch });
    const unavailable = buildSlackChannelPoster({ apiUrl: 'https://slack.com/api', botToken: TOKEN, fetch: scripted(() => new Response('busy', { status: 503 })).fetch });

    expect(await internal({ body: BODY, now: NOW })).toMatchObject({ outcome: 'retryable', detail: 'Slack answered internal_error' });
    expect(await unavailable({ body: BODY, now: NOW })).toMatchObject({ outcome: 'retryable', statusCode: 503, errorClass: 'http_status' });
  });

  it('retries, without throwing, when the request never gets an answer', async () => {
    const post = buildSlackChannelPoster({
      apiUrl: 'https://slack.com/api',
      botToken: TOKEN,
      fetch: scripted(() => {
        throw new TypeError('fetch failed');
      }).fetch,
    });

    expect(await post({ body: BODY, now: NOW })).toMatchObject({ outcome: 'retryable', errorClass: 'network' });
  });
});
