/**
 * The `checkStackUpdate` function (update cluster workflow): the safety net's one look at the stack. It builds only what this step uses.
 */
import { updateClusterStep } from '../update-cluster-steps';
import { watchDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const checkStackUpdate = lambdaStep((config) => updateClusterStep.checkStackUpdate(watchDeps(config)));
