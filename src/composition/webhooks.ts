/**
 * Webhooks at request time: the URL policy and the signing-secret generator (no HTTP client). Sending is
 * webhook-sender.ts, the one module that brings undici into a bundle.
 */
import { newWebhookSecret } from '../adapters/webhooks/secret';
import { checkWebhookUrl } from '../adapters/webhooks/url-policy';
import type { Config } from '../config';

export interface WebhookRegistration {
  checkUrl: (url: string) => string | undefined;
  newSecret: () => string;
}

export const webhookPolicy = (config: Config) => ({ allowLoopbackHttp: config.webhook.allowLoopbackHttp, allowedPorts: [443] });

export function webhookRegistration(config: Config): WebhookRegistration {
  const policy = webhookPolicy(config);
  return {
    checkUrl: (url) => {
      const verdict = checkWebhookUrl(url, policy);
      return verdict.ok ? undefined : verdict.reason;
    },
    newSecret: newWebhookSecret,
  };
}
