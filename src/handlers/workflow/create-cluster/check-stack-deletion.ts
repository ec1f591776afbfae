/**
 * The `checkStackDeletion` function (create cluster workflow): watches that deletion. It builds only what this step
 * uses.
 */
import { quotaLedger } from '../../../composition/dynamodb';
import { createClusterStep } from '../create-cluster-steps';
import { stackDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const checkStackDeletion = lambdaStep((config) => createClusterStep.checkStackDeletion({ ...stackDeps(config), quotas: quotaLedger(config) }));
