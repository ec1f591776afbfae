/**
 * The `awaitInstances` function (delete cluster workflow, invoked by its `.waitForTaskToken` state): one look at the
 * instances, then a wait for EC2's terminated events. It builds only what this step uses.
 */
import { deleteClusterStep } from '../delete-cluster-steps';
import { instanceProofDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const awaitInstances = lambdaStep((config) => deleteClusterStep.awaitInstances(instanceProofDeps(config)));
