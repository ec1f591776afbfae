/**
 * Posting to a Slack channel with the app's bot token: Slack's Web API method chat.postMessage
 * (https://docs.slack.dev/reference/methods/chat.postMessage), `Authorization: Bearer xoxb-…`, a JSON body
 * `{channel, text}`. The health events of a cluster made from Slack reach its channel this way, through the durable
 * delivery workflow (use-cases/attempt-webhook-delivery.ts), long after the command's response_url has expired.
 *
 * One attempt, answered as a DeliveryAttempt so the workflow's retry schedule applies unchanged:
 * - HTTP 200 `{ok: true}`: delivered.
 * - HTTP 429 with Retry-After (seconds): retryable after at least that long (rate limits,
 *   https://docs.slack.dev/apis/web-api/rate-limits).
 * - HTTP 200 `{ok: false, error}`: Slack's way of refusing. An error that says Slack had trouble is retryable; one
 *   about the token, the channel or the message (not_in_channel, channel_not_found, invalid_auth, missing_scope, …)
 *   would be refused again on every retry, so it is `refused`, logged with what the operator should do.
 * - 5xx, a timeout, a network error: retryable.
 *
 * Node's fetch, no SDK: one POST to one fixed host. The token is only ever in the Authorization header; it is never
 * logged and never part of an attempt's record.
 */
import { parseRetryAfterSeconds, type DeliveryAttempt } from '../../domain/webhook';
import { logger } from '../../logger';
import type { SendChatMessage } from '../../use-cases/ports';

export interface ChannelPosterOptions {
  /** Slack's Web API base URL (SLACK_API_URL): https://slack.com/api on AWS, a loopback receiver in tests. */
  apiUrl: string;
  botToken: string;
  timeoutMs?: number;
  /** Like the global fetch; tests pass a scripted one. */
  fetch?: typeof fetch;
}

// chat.postMessage's errors that say Slack itself had trouble (its "Errors" table); any other error is about the
// request and would be answered the same way again.
const TRANSIENT_ERRORS = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

/** What the operator has to do about a refusal, in the log and the delivery's attempt. */
const ADVICE: Record<string, string> = {
  not_in_channel: 'the Slack app is not in the channel: invite it there (/invite @<app>), then redeliver',
  channel_not_found: 'the channel is gone or the app cannot see it (a private channel needs the app invited)',
  is_archived: 'the channel is archived',
  invalid_auth: 'the bot token (SLACK_BOT_TOKEN) is not valid: reinstall the app and deploy its new token',
  not_authed: 'no bot token reached Slack: check SLACK_BOT_TOKEN',
  token_revoked: 'the bot token was revoked: reinstall the app and deploy its new token',
  account_inactive: 'the bot token belongs to a deleted app or workspace',
  missing_scope: 'the bot token lacks the chat:write scope: add it to the app and reinstall',
};

export function buildSlackChannelPoster(options: ChannelPosterOptions): SendChatMessage {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const post = options.fetch ?? fetch;
  const url = `${options.apiUrl}/chat.postMessage`;
  return async ({ body, now }) => {
    const started = Date.now();
    const attempt = (fields: Omit<DeliveryAttempt, 'attemptedAt' | 'durationMs'>): DeliveryAttempt => ({
      attemptedAt: now.toISOString(),
      durationMs: Math.max(0, Date.now() - started),
      ...fields,
    });
    let response: Response;
    try {
      response = await post(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${options.botToken}` },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      logger.warn('slack channel post failed', { errorName: (error as Error).name });
      return attempt({ outcome: 'retryable', errorClass: timedOut ? 'timeout' : 'network' });
    }
    if (response.status === 429) {
      await response.body?.cancel();
      const retryAfterSeconds = parseRetryAfterSeconds(response.headers.get('retry-after') ?? undefined, now);
      logger.warn('slack channel post rate limited', { retryAfterSeconds });
      return attempt({ outcome: 'retryable', statusCode: 429, errorClass: 'http_status', ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) });
    }
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel();
      logger.warn('slack channel post answered an error status', { statusCode: response.status });
      return attempt({ outcome: 'retryable', statusCode: response.status, errorClass: response.status >= 300 && response.status <= 399 ? 'redirect' : 'http_status' });
    }
    const answer = (await response.json().catch(() => undefined)) as { ok?: unknown; error?: unknown } | undefined;
    if (answer?.ok === true) return attempt({ outcome: 'delivered', statusCode: response.status });
    const error = typeof answer?.error === 'string' ? answer.error.slice(0, 100) : 'unreadable_answer';
    if (TRANSIENT_ERRORS.has(error) || error === 'unreadable_answer') {
      logger.warn('slack channel post failed on Slack’s side', { slackError: error });
      return attempt({ outcome: 'retryable', statusCode: response.status, detail: `Slack answered ${error}` });
    }
    const advice = ADVICE[error] ?? 'Slack refused the message; see chat.postMessage’s errors';
    logger.warn('slack channel post refused', { slackError: error, advice });
    return attempt({ outcome: 'refused', statusCode: response.status, detail: `Slack answered ${error}: ${advice}` });
  };
}
