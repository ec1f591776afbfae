/** The `removeStack` function (delete cluster workflow): deletes the stack. It builds only what this step uses. */
import { deleteClusterStep } from '../delete-cluster-steps';
import { removalDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const removeStack = lambdaStep((config) => deleteClusterStep.removeStack(removalDeps(config)));
