/** The `createStack` function (create cluster workflow): starts the stack. It builds only what this step uses. */
import { createClusterStep } from '../create-cluster-steps';
import { stackDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const createStack = lambdaStep((config) => createClusterStep.createStack(stackDeps(config)));
