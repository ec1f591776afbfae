/**
 * The `readDeleteFailure` function (delete cluster workflow): reads why a deletion failed. It builds only what this
 * step uses.
 */
import { deleteClusterStep } from '../delete-cluster-steps';
import { watchDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const readDeleteFailure = lambdaStep((config) => deleteClusterStep.readDeleteFailure(watchDeps(config)));
