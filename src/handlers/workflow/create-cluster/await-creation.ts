/**
 * The `awaitCreation` function (create cluster workflow, invoked by its `.waitForTaskToken` states for the create and
 * the clean-up): attaches the task token to the cluster's wait. It builds only what this step uses.
 */
import { createClusterStep } from '../create-cluster-steps';
import { awaitDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const awaitCreation = lambdaStep((config) => createClusterStep.awaitCreation(awaitDeps(config)));
