/**
 * The `recordReady` function (create cluster workflow): records READY with the stack's outputs and instances. It
 * builds only what this step uses.
 */
import { createClusterStep } from '../create-cluster-steps';
import { outcomeDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const recordReady = lambdaStep((config) => createClusterStep.recordReady(outcomeDeps(config)));
