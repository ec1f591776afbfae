/**
 * The `checkStackRemoval` function (delete cluster workflow): watches the deletion, retrying it within its attempts.
 * It builds only what this step uses.
 */
import { deleteClusterStep } from '../delete-cluster-steps';
import { stackDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const checkStackRemoval = lambdaStep((config) => deleteClusterStep.checkStackRemoval(stackDeps(config)));
