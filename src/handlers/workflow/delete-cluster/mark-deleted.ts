/**
 * The `markDeleted` function (delete cluster workflow): marks the cluster DELETED. It builds only what this step uses.
 */
import { deleteClusterStep } from '../delete-cluster-steps';
import { transitionDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const markDeleted = lambdaStep((config) => deleteClusterStep.markDeleted(transitionDeps(config)));
