/**
 * The `awaitStackUpdate` function (update cluster workflow): attaches the task token to the cluster's update wait. It builds only what this step uses.
 */
import { updateClusterStep } from '../update-cluster-steps';
import { awaitDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const awaitStackUpdate = lambdaStep((config) => updateClusterStep.awaitStackUpdate(awaitDeps(config)));
