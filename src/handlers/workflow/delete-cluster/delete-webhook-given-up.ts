/**
 * The `deleteWebhookGivenUp` function (delete cluster workflow): records a webhook that could not be handed over. It
 * builds only what this step uses.
 */
import { deleteClusterStep } from '../delete-cluster-steps';
import { deliveryDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const deleteWebhookGivenUp = lambdaStep((config) => deleteClusterStep.deleteWebhookGivenUp(deliveryDeps(config)));
