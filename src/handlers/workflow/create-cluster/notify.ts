/**
 * The `notify` function (create cluster workflow): hands the outcome's webhook to the deliver-webhook workflow. It
 * builds only what this step uses.
 */
import { createClusterStep } from '../create-cluster-steps';
import { notifyDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const notify = lambdaStep((config) => createClusterStep.notify(notifyDeps(config)));
