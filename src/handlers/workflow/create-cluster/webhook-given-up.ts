/**
 * The `webhookGivenUp` function (create cluster workflow): records a webhook that could not be handed over. It builds
 * only what this step uses.
 */
import { createClusterStep } from '../create-cluster-steps';
import { deliveryDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const webhookGivenUp = lambdaStep((config) => createClusterStep.webhookGivenUp(deliveryDeps(config)));
