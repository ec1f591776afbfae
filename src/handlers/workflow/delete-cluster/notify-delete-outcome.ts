/**
 * The `notifyDeleteOutcome` function (delete cluster workflow): hands the outcome's webhook to the deliver-webhook
 * workflow. It builds only what this step uses.
 */
import { deleteClusterStep } from '../delete-cluster-steps';
import { notifyDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const notifyDeleteOutcome = lambdaStep((config) => deleteClusterStep.notifyDeleteOutcome(notifyDeps(config)));
