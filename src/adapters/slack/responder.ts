/**
 * Posting to a slash command's `response_url`. Only Slack's own `https://hooks.slack.com/...` is ever called: the
 * URL arrives in a request body, and posting wherever a body says would be a request forgery waiting to happen.
 * The local sandbox may also allow http:// on loopback (a test receiver), as it does for webhooks.
 *
 * It posts with Node's own fetch, not undici's API: this poster is in every function that ends a cluster's lifecycle
 * (its chat follow-up), and only the webhook sender needs undici's connect-time guard, so only its bundle carries
 * undici (docs/performance.md).
 */
import type { ChatFollowUp, Cluster } from '../../domain/cluster';
import { followUpText, type ChatMessage } from '../../domain/chatops';
import { logger } from '../../logger';
import type { ChatFollowUps } from '../../use-cases/ports';

export interface ResponseUrlPolicy {
  allowLoopbackHttp: boolean;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isAllowedResponseUrl(raw: string, policy: ResponseUrlPolicy): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '' || raw.length > 2048) return false;
  if (url.protocol === 'https:' && url.hostname === 'hooks.slack.com' && url.port === '') return true;
  return policy.allowLoopbackHttp && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** Posts one message; resolves whether Slack took it. Never throws: a lost follow-up must not fail a workflow step. */
export type ChatResponder = (responseUrl: string, message: ChatMessage) => Promise<boolean>;

export function buildSlackResponder(options: ResponseUrlPolicy & { timeoutMs?: number }): ChatResponder {
  const timeoutMs = options.timeoutMs ?? 5000;
  return async (responseUrl, message) => {
    if (!isAllowedResponseUrl(responseUrl, options)) {
      logger.warn('response_url refused: not a Slack URL');
      return false;
    }
    try {
      const response = await fetch(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(timeoutMs),
        // A redirect is answered as it is, never followed: it can never steer this post elsewhere.
        redirect: 'manual',
      });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return true;
      // Slack answers 404 once a response_url has expired (30 minutes) or been used five times.
      logger.warn('response_url post refused', { statusCode: response.status });
      return false;
    } catch (error) {
      logger.warn('response_url post failed', { errorName: (error as Error).name });
      return false;
    }
  };
}

/** The chat follow-up of the lifecycle: when a cluster someone asked for in Slack ends somewhere, tell them. */
export function buildChatFollowUps(respond: ChatResponder): ChatFollowUps {
  return {
    async announce(cluster: Cluster) {
      const followUp: ChatFollowUp | undefined = cluster.followUp;
      const text = followUpText(cluster);
      if (!followUp || !text) return;
      const posted = await respond(followUp.responseUrl, { response_type: 'in_channel', replace_original: false, text });
      logger.info('chat follow-up finished', { clusterId: cluster.id, status: cluster.status, posted });
    },
  };
}
