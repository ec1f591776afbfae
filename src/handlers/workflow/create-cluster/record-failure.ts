/**
 * The `recordFailure` function (create cluster workflow): records a failed create. It builds only what this step uses.
 */
import { createClusterStep } from '../create-cluster-steps';
import { failureDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const recordFailure = lambdaStep((config) => createClusterStep.recordFailure(failureDeps(config)));
