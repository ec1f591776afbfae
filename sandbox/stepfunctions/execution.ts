import { types } from 'node:util';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, type StateMachine } from 'aws-local-stepfunctions';
import type { CompiledStateMachine, TaskBinding } from './definition';
import { causeText, ExecutionHistory, json, type InterpreterEvent } from './history';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

type JsonValue = Parameters<StateMachine['run']>[0];
type Run = ReturnType<StateMachine['run']>;
type Outcome = { error?: string; cause?: string; output?: string };

export interface ExecutionEnvironment {
  region: string;
  roleArn: string;
  onEvent(message: string, details: Record<string, unknown>): void;
  /** Registers work that outlives the request that started it, so idle() can wait for it. */
  track(work: Promise<unknown>): void;
}

/** Reused by the interpreter's Retry/Catch matching: it reads these two flags off whatever error a task throws. */
interface InterpreterErrorFlags {
  isRetryable: boolean;
  isCatchable: boolean;
}

/**
 * A task handler's failure as AWS reports a Lambda function's: the error is the thrown error's name (the Lambda
 * errorType), which is what Retry and Catch ErrorEquals match, and the cause is the JSON error the function returned.
 */
function lambdaStyleFailure(thrown: unknown): Error {
  const isError = types.isNativeError(thrown) || thrown instanceof Error;
  // Same rule as the Lambda Node.js runtime: errors report their name, anything else its typeof.
  const errorType = isError ? thrown.name : typeof thrown;
  const errorMessage = isError ? thrown.message : String(thrown);
  const failure = new Error(JSON.stringify({ errorType, errorMessage }));
  failure.name = errorType;
  return failure;
}

/** After an abort the interpreter may still start a pending retry; this refuses it without a Retry or Catch seeing it. */
function executionEndedError(): Error {
  const error = new Error('the execution has ended') as Error & InterpreterErrorFlags;
  error.name = 'States.Runtime';
  error.isRetryable = false;
  error.isCatchable = false;
  return error;
}

/** A handler's result travels as JSON on AWS; the round trip gives local runs the same Date-to-string and undefined-to-null. */
function asJson(value: unknown): JsonValue {
  return JSON.parse(json(value)) as JsonValue;
}

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class LocalExecution {
  readonly startDate = new Date();
  status: ExecutionStatus = 'RUNNING';
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** States entered plus retries: what AWS bills as state transitions. */
  transitions = 0;
  readonly history: ExecutionHistory;
  /** Settles once the interpreter has finished and its event log has been read to the end. */
  readonly settled: Promise<void>;
  private readonly abortRun: () => void;
  private endRecorded = false;

  constructor(
    readonly machine: CompiledStateMachine,
    readonly name: string,
    readonly arn: string,
    readonly input: string,
    private readonly env: ExecutionEnvironment,
  ) {
    this.history = new ExecutionHistory(env.region);
    const parsedInput = JSON.parse(input) as JsonValue;
    const run = machine.interpreter.run(parsedInput, {
      overrides: {
        taskResourceLocalHandlers: this.localHandlers(),
        waitTimeOverrides: machine.waitTimeOverrides,
        retryIntervalOverrides: machine.retryIntervalOverrides,
      },
      context: {
        Execution: { Id: arn, Name: name, StartTime: this.startDate.toISOString(), Input: parsedInput, RoleArn: env.roleArn, RedriveCount: 0 },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    this.abortRun = run.abort;
    this.settled = this.follow(run);
    env.track(this.settled);
  }

  /** Returns the stop date; stopping an execution that has already ended changes nothing. */
  stop(error: string | undefined, cause: string | undefined): Date {
    if (this.status === 'RUNNING') {
      this.status = 'ABORTED';
      this.error = error;
      this.cause = cause;
      this.stopDate = new Date();
      this.abortRun();
    }
    return this.stopDate ?? new Date();
  }

  private localHandlers(): Record<string, (input: JsonValue) => Promise<JsonValue>> {
    const handlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const [stateName, binding] of this.machine.tasks) {
      handlers[stateName] = (input) => {
        const call = this.callTask(binding, input);
        this.env.track(call);
        return call;
      };
    }
    return handlers;
  }

  private async callTask(binding: TaskBinding, input: JsonValue): Promise<JsonValue> {
    // The interpreter calls this in the same tick it logs the state's entry; yielding one macrotask lets the event log
    // reader catch up, so the task's history events land after the state's and a stopped execution is seen as stopped.
    await nextMacrotask();
    if (this.status !== 'RUNNING') throw executionEndedError();
    const attempt = this.history.taskStarted(binding, input);
    // A result that arrives after the execution ended belongs to no one, as on AWS; the history stops at the end event.
    try {
      const output = asJson(await binding.handler(asJson(input), { executionArn: this.arn, stateName: binding.stateName }));
      if (this.status === 'RUNNING') this.history.taskSucceeded(attempt, output);
      return output;
    } catch (thrown) {
      const failure = lambdaStyleFailure(thrown);
      if (this.status === 'RUNNING') this.history.taskFailed(attempt, failure.name, failure.message);
      throw failure;
    }
  }

  private async follow(run: Run): Promise<void> {
    // The event log, not the result, decides the final status, so history and status never disagree.
    const result = run.result.then(
      (value) => ({ value }),
      (reason: unknown) => ({ reason }),
    );
    try {
      for await (const event of run.eventLogs) this.onInterpreterEvent(event);
    } catch (error) {
      this.end('FAILED', { error: 'States.Runtime', cause: `local Step Functions could not follow the execution: ${(error as Error).message}` });
    }
    const settled = await result;
    if (!this.endRecorded) this.end(...this.outcomeOf(settled));
  }

  /** Only used if the event log closed without a final event. */
  private outcomeOf(settled: { value: JsonValue } | { reason: unknown }): [ExecutionStatus, Outcome] {
    if ('value' in settled) return ['SUCCEEDED', { output: json(settled.value) }];
    const { reason } = settled;
    if (reason instanceof ExecutionTimeoutError) return ['TIMED_OUT', { error: 'States.Timeout' }];
    if (reason instanceof ExecutionAbortedError) return ['ABORTED', {}];
    if (reason instanceof ExecutionError && reason.cause instanceof Error) {
      return ['FAILED', { error: reason.cause.name, cause: causeText(reason.cause.cause ?? reason.cause.message) }];
    }
    return ['FAILED', { error: 'States.Runtime', cause: causeText(reason) }];
  }

  private onInterpreterEvent(event: InterpreterEvent): void {
    switch (event.type) {
      case 'ExecutionStarted':
        this.history.append('ExecutionStarted', { executionStartedEventDetails: { input: this.input, inputDetails: { truncated: false }, roleArn: this.env.roleArn } }, event.timestamp);
        this.log('execution started', {});
        return;
      case 'ExecutionSucceeded':
        return this.end('SUCCEEDED', { output: json(event.output) }, event.timestamp);
      case 'ExecutionFailed':
        return this.end('FAILED', { error: event.Error, cause: causeText(event.Cause) }, event.timestamp);
      case 'ExecutionTimeout':
        return this.end('TIMED_OUT', { error: 'States.Timeout', cause: 'The execution exceeded the TimeoutSeconds of its state machine' }, event.timestamp);
      case 'ExecutionAborted':
        return this.end('ABORTED', {}, event.timestamp);
      case 'StateEntered':
        this.transitions += 1;
        this.log('state entered', { state: event.state.name, type: event.state.type, index: event.index });
        break;
      case 'StateRetried':
        this.transitions += 1;
        this.log('state retried', { state: event.state.name, attempt: event.retry.attempt, index: event.index });
        break;
      case 'StateFailed':
        this.log('state failed', { state: event.state.name, error: event.Error, cause: causeText(event.Cause), index: event.index });
        break;
      default:
        break;
    }
    this.history.recordStateEvent(event);
  }

  /**
   * Records the end once. A StopExecution that raced an interpreter which had already finished wins: the caller was
   * told the execution stopped, so status and history both say ABORTED.
   */
  private end(status: ExecutionStatus, outcome: Outcome, timestamp = Date.now()): void {
    if (this.endRecorded) return;
    this.endRecorded = true;
    if (this.status === 'RUNNING') {
      this.status = status;
      this.output = outcome.output;
      this.error = outcome.error;
      this.cause = outcome.cause;
      this.stopDate = new Date(timestamp);
    }
    const failure = { error: this.error, cause: this.cause };
    switch (this.status) {
      case 'SUCCEEDED':
        this.history.append('ExecutionSucceeded', { executionSucceededEventDetails: { output: this.output, outputDetails: { truncated: false } } }, timestamp);
        this.log('execution succeeded', { transitions: this.transitions });
        return;
      case 'FAILED':
        this.history.append('ExecutionFailed', { executionFailedEventDetails: failure }, timestamp);
        this.log('execution failed', failure);
        return;
      case 'TIMED_OUT':
        this.history.append('ExecutionTimedOut', { executionTimedOutEventDetails: failure }, timestamp);
        this.log('execution timed out', failure);
        return;
      default:
        this.history.append('ExecutionAborted', { executionAbortedEventDetails: failure }, timestamp);
        this.log('execution aborted', failure);
    }
  }

  private log(message: string, details: Record<string, unknown>): void {
    const defined = Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
    this.env.onEvent(message, { stateMachine: this.machine.name, execution: this.name, ...defined });
  }
}
