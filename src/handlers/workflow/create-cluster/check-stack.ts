/**
 * The `checkStack` function (create cluster workflow): reads the stack's status. It builds only what this step uses.
 */
import { createClusterStep } from '../create-cluster-steps';
import { watchDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const checkStack = lambdaStep((config) => createClusterStep.checkStack(watchDeps(config)));
