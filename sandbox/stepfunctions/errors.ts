/** A misconfigured local state machine: thrown by startLocalStepFunctions so the mistake surfaces before any request. */
export class LocalStateMachineConfigError extends Error {
  override readonly name = 'LocalStateMachineConfigError';
}

/**
 * An error the Step Functions API itself returns. `type` is the AWS error code; the SDK turns it into the exception
 * class of the same name (ExecutionDoesNotExist, InvalidArn, ...).
 */
export class StepFunctionsApiError extends Error {
  override readonly name = 'StepFunctionsApiError';

  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}
