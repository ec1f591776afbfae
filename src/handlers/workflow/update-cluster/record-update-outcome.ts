/**
 * The `recordUpdateOutcome` function (update cluster workflow): records how the update ended (parameters, outputs, nodes, quota). It builds only what this step uses.
 */
import { updateClusterStep } from '../update-cluster-steps';
import { readyDeps } from '../step-wiring';
import { lambdaStep } from '../task';

export const recordUpdateOutcome = lambdaStep((config) => updateClusterStep.recordUpdateOutcome(readyDeps(config)));
