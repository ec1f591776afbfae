/**
 * The `awaitStackRemoval` function (delete cluster workflow, invoked by its `.waitForTaskToken` state): attaches the
 * task token to the delete attempt's wait. It builds only what this step uses.
 */
import { deleteClusterStep } from '../delete-cluster-steps';
import { awaitDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const awaitStackRemoval = lambdaStep((config) => deleteClusterStep.awaitStackRemoval(awaitDeps(config)));
