/**
 * The `notifyUpdateOutcome` function (update cluster workflow): hands the outcome's webhook to its delivery workflow. It builds only what this step uses.
 */
import { updateClusterStep } from '../update-cluster-steps';
import { notifyDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const notifyUpdateOutcome = lambdaStep((config) => updateClusterStep.notifyUpdateOutcome(notifyDeps(config)));
