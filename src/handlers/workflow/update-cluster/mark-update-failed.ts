/**
 * The `markUpdateFailed` function (update cluster workflow): the last resort: UPDATE_FAILED with the reason. It builds only what this step uses.
 */
import { updateClusterStep } from '../update-cluster-steps';
import { transitionDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const markUpdateFailed = lambdaStep((config) => updateClusterStep.markUpdateFailed(transitionDeps(config)));
