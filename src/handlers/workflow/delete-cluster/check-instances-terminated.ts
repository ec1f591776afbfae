/**
 * The `checkInstancesTerminated` function (delete cluster workflow): proves the instances are gone. It builds only
 * what this step uses.
 */
import { deleteClusterStep } from '../delete-cluster-steps';
import { inventoryDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const checkInstancesTerminated = lambdaStep((config) => deleteClusterStep.checkInstancesTerminated(inventoryDeps(config)));
