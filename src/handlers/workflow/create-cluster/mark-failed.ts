/**
 * The `markFailed` function (create cluster workflow): marks the cluster FAILED. It builds only what this step uses.
 */
import { createClusterStep } from '../create-cluster-steps';
import { transitionDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const markFailed = lambdaStep((config) => createClusterStep.markFailed(transitionDeps(config)));
