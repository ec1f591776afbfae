import { randomUUID } from 'node:crypto';
import { types } from 'node:util';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, type StateMachine } from 'aws-local-stepfunctions';
import { MAX_TIMER_SECONDS, type CompiledStateMachine, type TaskBinding } from './definition';
import { causeText, ExecutionHistory, json, type InterpreterEvent, type TaskAttempt } from './history';
import type { TaskTokens } from './task-tokens';
import type { ExecutionStatusChangeEvent } from './types';

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
  /** The task tokens of callback Tasks, shared with the SendTask* actions. */
  tokens: TaskTokens;
  accountId: string;
  onStatusChange(event: ExecutionStatusChangeEvent): void;
}

/**
 * What `$$.Task.Token` evaluates to in the interpreter, which has one Context Object per execution. Each task entry
 * swaps it for a token of its own in the Parameters it receives, so no two entries share a token.
 */
const TOKEN_PLACEHOLDER = 'local-sfn-task-token-placeholder';

function withToken(value: unknown, token: string): unknown {
  if (typeof value === 'string') return value.split(TOKEN_PLACEHOLDER).join(token);
  if (Array.isArray(value)) return value.map((item) => withToken(item, token));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withToken(item, token)]));
  return value;
}

/** Settles the wait of a task whose function failed; nobody listens to it. */
const failureBeforeWait = (): Error => Object.assign(new Error('the function failed before the task could wait'), { name: 'States.TaskFailed' });

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

/** Parameters of a lambda:invoke Task: `{ FunctionName, Payload }`. */
function invokeParameters(input: JsonValue): { functionName: string; payload: JsonValue } {
  const parameters = (input ?? {}) as { FunctionName?: unknown; Payload?: JsonValue };
  if (typeof parameters.FunctionName !== 'string') {
    throw Object.assign(new Error('lambda:invoke needs Parameters.FunctionName'), { name: 'States.Runtime', isRetryable: false, isCatchable: false });
  }
  return { functionName: parameters.FunctionName, payload: parameters.Payload ?? {} };
}

/** What the lambda:invoke integration returns: the Invoke response, with the function's result as Payload. */
function invokeResponse(payload: JsonValue): JsonValue {
  return { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 };
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
        Task: { Token: TOKEN_PLACEHOLDER },
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
      this.env.tokens.closeExecution(this.arn, executionEndedError());
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
    if (binding.pattern === 'callback') return this.callAndWait(binding, input);
    const attempt = this.history.taskStarted(binding, input);
    // A result that arrives after the execution ended belongs to no one, as on AWS; the history stops at the end event.
    try {
      const output = binding.pattern === 'invoke' ? invokeResponse(await this.invoke(binding, input)) : await this.invoke(binding, input);
      if (this.status === 'RUNNING') this.history.taskSucceeded(attempt, output);
      return output;
    } catch (thrown) {
      const failure = lambdaStyleFailure(thrown);
      if (this.status === 'RUNNING') this.history.taskFailed(attempt, failure.name, failure.message);
      throw failure;
    }
  }

  /** Calls the task's function: the Resource itself, or the FunctionName of a lambda:invoke with its Payload. */
  private async invoke(binding: TaskBinding, input: JsonValue): Promise<JsonValue> {
    const { functionName, payload } = binding.pattern === 'function' ? { functionName: binding.resource, payload: input } : invokeParameters(input);
    const handler = binding.handlerFor(functionName);
    if (!handler) throw Object.assign(new Error(`Function not found: ${functionName}`), { name: 'Lambda.ResourceNotFoundException' });
    return asJson(await handler(asJson(payload), { executionArn: this.arn, stateName: binding.stateName }));
  }

  /**
   * `lambda:invoke.waitForTaskToken`: a token for this entry alone, the function called with it, then the wait for
   * SendTaskSuccess / SendTaskFailure. The token is open before the function runs, so it may answer before returning.
   */
  private async callAndWait(binding: TaskBinding, input: JsonValue): Promise<JsonValue> {
    let settle!: { succeed(output: unknown): void; fail(error: Error): void };
    const answered = new Promise<JsonValue>((resolve, reject) => {
      settle = { succeed: (output) => resolve(output as JsonValue), fail: reject };
    });
    // Settled by whoever ends the wait; the interpreter may have stopped listening (States.Timeout) by then.
    answered.catch(() => undefined);
    const timeoutSeconds = Math.min(binding.timeoutSeconds ?? MAX_TIMER_SECONDS, MAX_TIMER_SECONDS);
    const token = this.env.tokens.issue(
      { executionArn: this.arn, stateName: binding.stateName, timeoutSeconds, heartbeatSeconds: binding.heartbeatSeconds },
      settle,
    );
    const parameters = withToken(input, token) as JsonValue;
    const attempt = this.history.taskStarted(binding, parameters);
    try {
      const response = invokeResponse(await this.invoke(binding, parameters));
      if (this.status === 'RUNNING') this.history.taskSubmitted(attempt, response);
    } catch (thrown) {
      // The function failed before the task could be waited for: the task fails as a lambda:invoke would.
      this.env.tokens.close(token, failureBeforeWait());
      const failure = lambdaStyleFailure(thrown);
      if (this.status === 'RUNNING') this.history.taskFailed(attempt, failure.name, failure.message);
      throw failure;
    }
    try {
      const output = asJson(await answered);
      if (this.status === 'RUNNING') this.history.taskSucceeded(attempt, output);
      return output;
    } catch (thrown) {
      this.recordCallbackFailure(attempt, thrown as Error);
      throw thrown;
    }
  }

  private recordCallbackFailure(attempt: TaskAttempt, error: Error): void {
    if (this.status !== 'RUNNING') return;
    // States.Timeout is the interpreter's: its StateFailed event records the TaskTimedOut.
    if (error.name === 'States.Timeout') return;
    if (error.name === 'States.HeartbeatTimeout') this.history.taskTimedOut(attempt, error.name, causeText(error.message));
    else this.history.taskFailed(attempt, error.name, error.message);
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
        this.publishStatus(event.timestamp);
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
    // Tokens of tasks still waiting die with the execution: a late SendTaskSuccess answers TaskTimedOut.
    this.env.tokens.closeExecution(this.arn, executionEndedError());
    if (this.status === 'RUNNING') {
      this.status = status;
      this.output = outcome.output;
      this.error = outcome.error;
      this.cause = outcome.cause;
      this.stopDate = new Date(timestamp);
    }
    const failure = { error: this.error, cause: this.cause };
    this.publishStatus(this.stopDate?.getTime() ?? timestamp);
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

  /** The EventBridge event of the status the execution has now. */
  private publishStatus(timestamp: number): void {
    this.env.onStatusChange({
      version: '0',
      id: randomUUID(),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: this.env.accountId,
      time: new Date(timestamp).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.env.region,
      resources: [this.arn],
      detail: {
        executionArn: this.arn,
        stateMachineArn: this.machine.arn,
        name: this.name,
        status: this.status,
        startDate: this.startDate.getTime(),
        stopDate: this.stopDate?.getTime() ?? null,
        input: this.input,
        inputDetails: { included: true },
        output: this.output ?? null,
        outputDetails: this.output === undefined ? null : { included: true },
        ...(['FAILED', 'TIMED_OUT', 'ABORTED'].includes(this.status) && { error: this.error ?? null, cause: this.cause ?? null }),
      },
    });
  }

  private log(message: string, details: Record<string, unknown>): void {
    const defined = Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
    this.env.onEvent(message, { stateMachine: this.machine.name, execution: this.name, ...defined });
  }
}
