/**
 * The `attemptDelivery` function (deliver webhook workflow): sends one attempt, to the webhook or (a health event of
 * a cluster made from Slack) to its channel with the bot token. It builds only what this step uses,
 * and is the one function whose bundle carries undici (the webhook sender's connect-time address guard).
 */
import { chatChannelPoster } from '../../../composition/chat';
import { webhookSender } from '../../../composition/webhook-sender';
import { deliverWebhookStep } from '../deliver-webhook-steps';
import { deliveryDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const attemptDelivery = lambdaStep((config) => deliverWebhookStep.attemptDelivery({ ...deliveryDeps(config), sendWebhook: webhookSender(config), postToChannel: chatChannelPoster(config) }));
