/**
 * The `recordReady` function (create cluster workflow): records READY with the stack's outputs and instances, and maps
 * each instance to the cluster for EC2's events. It builds only what this step uses.
 */
import { createClusterStep } from '../create-cluster-steps';
import { readyDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const recordReady = lambdaStep((config) => createClusterStep.recordReady(readyDeps(config)));
