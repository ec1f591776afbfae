import type { EventBridgeEvent } from 'aws-lambda';

/**
 * The event Step Functions sends to EventBridge when an execution starts or ends, shaped as AWS documents it
 * (https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html): dates in epoch milliseconds, input and output
 * as JSON text, `error` and `cause` only on an execution that FAILED, TIMED_OUT or was ABORTED.
 */
export type ExecutionStatusChangeEvent = EventBridgeEvent<
  'Step Functions Execution Status Change',
  {
    executionArn: string;
    stateMachineArn: string;
    name: string;
    status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
    startDate: number;
    stopDate: number | null;
    input: string;
    inputDetails: { included: boolean };
    output: string | null;
    outputDetails: { included: boolean } | null;
    error?: string | null;
    cause?: string | null;
  }
>;

/** A local stand-in for the Lambda function behind a Task state: same payload in, same result (or thrown error) out. */
export type TaskHandler = (input: unknown, context: { executionArn: string; stateName: string }) => Promise<unknown>;

export interface LocalStateMachineDefinition {
  /** e.g. 'swarm-provisioner-local-create-cluster' */
  name: string;
  /** Raw ASL JSON text with `${Placeholder}` tokens, as in statemachines/*.asl.json. */
  definition: string;
  /** DefinitionSubstitutions, e.g. { CreateStackFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:createStack' }. */
  substitutions: Record<string, string>;
  /** Keyed by the resolved Task Resource ARN (after substitution). */
  taskHandlers: Record<string, TaskHandler>;
  /** Milliseconds per Wait state name, passed through to aws-local-stepfunctions. */
  waitTimeOverrides?: Record<string, number>;
  /** Milliseconds per retryable state name (one number, or one per retrier), passed through to aws-local-stepfunctions. */
  retryIntervalOverrides?: Record<string, number | number[]>;
}

export interface LocalStepFunctionsOptions {
  /** 0 (the default) picks a free port; read it back from `endpoint`. */
  port?: number;
  host?: string;
  region?: string;
  accountId?: string;
  stateMachines: LocalStateMachineDefinition[];
  /** One line per execution start and end and per state entered, retried or failed, for a person following along. */
  onEvent?: (message: string, details: Record<string, unknown>) => void;
  /** Every execution start and end, as the event Step Functions puts on the default EventBridge bus. */
  onExecutionStatusChange?: (event: ExecutionStatusChangeEvent) => void;
}

export interface LocalStepFunctions {
  /** Base URL for `AWS_ENDPOINT_URL_SFN`. */
  endpoint: string;
  stateMachineArn(name: string): string;
  /** States entered (retries included, as AWS bills them) by one execution, or by all executions when no ARN is given. */
  transitionCount(executionArn?: string): number;
  /** Resolves once no execution is running and no task handler is still in flight. */
  idle(): Promise<void>;
  /** Aborts running executions and stops the server; does not wait for task handlers that are still in flight. */
  close(): Promise<void>;
}
