/**
 * The `failDelivery` function (deliver webhook workflow): marks a delivery failed when its workflow stops. It builds
 * only what this step uses.
 */
import { deliverWebhookStep } from '../deliver-webhook-steps';
import { deliveryDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const failDelivery = lambdaStep((config) => deliverWebhookStep.failDelivery(deliveryDeps(config)));
