/**
 * The `deleteFailedStack` function (create cluster workflow): deletes the stack of a failed create. It builds only
 * what this step uses.
 */
import { quotaLedger } from '../../../composition/dynamodb';
import { createClusterStep } from '../create-cluster-steps';
import { stackDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const deleteFailedStack = lambdaStep((config) => createClusterStep.deleteFailedStack({ ...stackDeps(config), quotas: quotaLedger(config) }));
