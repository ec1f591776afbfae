/**
 * The `recordUpdateOutcome` function (update cluster workflow): records how the update ended (parameters, outputs, nodes, quota; the failed nodes' diagnostics). It builds only what this step uses.
 */
import { updateClusterStep } from '../update-cluster-steps';
import { updateOutcomeDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const recordUpdateOutcome = lambdaStep((config) => updateClusterStep.recordUpdateOutcome(updateOutcomeDeps(config)));
