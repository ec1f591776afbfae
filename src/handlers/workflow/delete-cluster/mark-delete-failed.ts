/**
 * The `markDeleteFailed` function (delete cluster workflow): marks the cluster DELETE_FAILED. It builds only what this
 * step uses.
 */
import { deleteClusterStep } from '../delete-cluster-steps';
import { transitionDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const markDeleteFailed = lambdaStep((config) => deleteClusterStep.markDeleteFailed(transitionDeps(config)));
