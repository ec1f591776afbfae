/**
 * The `updateStack` function (update cluster workflow): opens the update's wait and calls UpdateStack. It builds only what this step uses.
 */
import { updateClusterStep } from '../update-cluster-steps';
import { updateDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const updateStack = lambdaStep((config) => updateClusterStep.updateStack(updateDeps(config)));
