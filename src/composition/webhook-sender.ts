/** The webhook sender (undici with the connect-time address guard): only the attemptDelivery step builds it. */
import { buildWebhookSender, type WebhookSender } from '../adapters/webhooks/sender';
import type { Config } from '../config';
import { webhookPolicy } from './webhooks';

export function webhookSender(config: Config): WebhookSender {
  return buildWebhookSender({ ...webhookPolicy(config), timeoutMs: config.webhook.timeoutMs });
}
