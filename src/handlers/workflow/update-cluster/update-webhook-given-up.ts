/**
 * The `updateWebhookGivenUp` function (update cluster workflow): records a webhook that could not be handed over. It builds only what this step uses.
 */
import { updateClusterStep } from '../update-cluster-steps';
import { deliveryDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const updateWebhookGivenUp = lambdaStep((config) => updateClusterStep.updateWebhookGivenUp(deliveryDeps(config)));
