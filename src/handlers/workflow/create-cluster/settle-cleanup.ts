/**
 * The `settleCleanup` function (create cluster workflow): records how the clean-up of a failed stack ended and gives
 * the quota share back. It builds only what this step uses.
 */
import { createClusterStep } from '../create-cluster-steps';
import { transitionDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const settleCleanup = lambdaStep((config) => {
  const { clock, store, quotas } = transitionDeps(config);
  return createClusterStep.settleCleanup({ clock, store, quotas });
});
