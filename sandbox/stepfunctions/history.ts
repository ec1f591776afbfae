import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import type { TaskBinding } from './definition';

/** aws-local-stepfunctions does not export its event type; it is what `run().eventLogs` yields. */
export type InterpreterEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type StateType = StateMachineDefinition['States'][string]['Type'];

export type HistoryDetails = Omit<HistoryEvent, 'timestamp' | 'type' | 'id' | 'previousEventId'>;

export interface HistoryRecord {
  id: number;
  previousEventId: number;
  /** Epoch milliseconds. */
  timestamp: number;
  type: HistoryEventType;
  details: HistoryDetails;
}

/** One call of a task handler, from the moment it starts until the interpreter gives up on it or it settles. */
export interface TaskAttempt {
  binding: TaskBinding;
  open: boolean;
}

const ENTERED: Record<StateType, HistoryEventType> = {
  Task: 'TaskStateEntered',
  Parallel: 'ParallelStateEntered',
  Map: 'MapStateEntered',
  Pass: 'PassStateEntered',
  Wait: 'WaitStateEntered',
  Choice: 'ChoiceStateEntered',
  Succeed: 'SucceedStateEntered',
  Fail: 'FailStateEntered',
};

// A Fail state never exits: it ends the execution.
const EXITED: Record<Exclude<StateType, 'Fail'>, HistoryEventType> = {
  Task: 'TaskStateExited',
  Parallel: 'ParallelStateExited',
  Map: 'MapStateExited',
  Pass: 'PassStateExited',
  Wait: 'WaitStateExited',
  Choice: 'ChoiceStateExited',
  Succeed: 'SucceedStateExited',
};

const NOT_TRUNCATED = { truncated: false };

/** A Task whose Resource is a Lambda function ARN shows up on AWS as LambdaFunction* events, anything else as Task*. */
function isLambdaFunction(resource: string): boolean {
  return /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:/.test(resource);
}

/** `arn:aws:states:::lambda:invoke` → resourceType 'lambda', resource 'invoke', as AWS reports service integrations. */
function integration(resource: string): { resourceType: string; resource: string } {
  const match = /^arn:aws[\w-]*:states:::([^:]+):(.+)$/.exec(resource);
  return match?.[1] && match[2] ? { resourceType: match[1], resource: match[2] } : { resourceType: 'local', resource };
}

export function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** The interpreter reports a cause as whatever the error carried; the API only has room for a string. */
export function causeText(cause: unknown): string | undefined {
  if (cause === undefined || cause === null || cause === '') return undefined;
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause);
}

/**
 * The event list GetExecutionHistory returns. State-level events come from the interpreter's event log; task-level
 * events (scheduled, started, succeeded, failed) come from the task handler wrapper, because only it sees the real
 * payload sent to and returned by the handler.
 */
export class ExecutionHistory {
  readonly events: HistoryRecord[] = [];
  private readonly caught = new Set<string>();
  private readonly openAttempts = new Map<string, TaskAttempt[]>();
  private readonly reportedFailures = new Map<string, number>();

  constructor(private readonly region: string) {}

  append(type: HistoryEventType, details: HistoryDetails = {}, timestamp = Date.now()): void {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId: id - 1, timestamp, type, details });
  }

  taskStarted(binding: TaskBinding, input: unknown): TaskAttempt {
    const attempt: TaskAttempt = { binding, open: true };
    this.openAttempts.set(binding.stateName, [...(this.openAttempts.get(binding.stateName) ?? []), attempt]);
    if (isLambdaFunction(binding.resource)) {
      this.append('LambdaFunctionScheduled', {
        lambdaFunctionScheduledEventDetails: {
          resource: binding.resource,
          input: json(input),
          inputDetails: NOT_TRUNCATED,
          timeoutInSeconds: binding.timeoutSeconds,
        },
      });
      this.append('LambdaFunctionStarted');
    } else {
      const { resourceType, resource } = integration(binding.resource);
      this.append('TaskScheduled', {
        taskScheduledEventDetails: { resourceType, resource, region: this.region, parameters: json(input), timeoutInSeconds: binding.timeoutSeconds, heartbeatInSeconds: binding.heartbeatSeconds },
      });
      this.append('TaskStarted', { taskStartedEventDetails: { resourceType, resource } });
    }
    return attempt;
  }

  taskSucceeded(attempt: TaskAttempt, output: unknown): void {
    if (!this.close(attempt)) return;
    const { resource: arn } = attempt.binding;
    if (isLambdaFunction(arn)) {
      this.append('LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: json(output), outputDetails: NOT_TRUNCATED } });
    } else {
      this.append('TaskSucceeded', { taskSucceededEventDetails: { ...integration(arn), output: json(output), outputDetails: NOT_TRUNCATED } });
    }
  }

  /** A callback task's function returned: the task now waits for its token (SendTaskSuccess / SendTaskFailure). */
  taskSubmitted(attempt: TaskAttempt, response: unknown): void {
    if (!attempt.open) return;
    this.append('TaskSubmitted', { taskSubmittedEventDetails: { ...integration(attempt.binding.resource), output: json(response), outputDetails: NOT_TRUNCATED } });
  }

  /** A timeout the task itself reports (States.HeartbeatTimeout), before the interpreter's StateFailed. */
  taskTimedOut(attempt: TaskAttempt, error: string, cause: string | undefined): void {
    if (!this.close(attempt)) return;
    const { stateName, resource: arn } = attempt.binding;
    this.reportedFailures.set(stateName, (this.reportedFailures.get(stateName) ?? 0) + 1);
    this.append('TaskTimedOut', { taskTimedOutEventDetails: { ...integration(arn), error, cause } });
  }

  taskFailed(attempt: TaskAttempt, error: string, cause: string): void {
    if (!this.close(attempt)) return;
    const { stateName, resource: arn } = attempt.binding;
    this.reportedFailures.set(stateName, (this.reportedFailures.get(stateName) ?? 0) + 1);
    if (isLambdaFunction(arn)) {
      this.append('LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error, cause } });
    } else {
      this.append('TaskFailed', { taskFailedEventDetails: { ...integration(arn), error, cause } });
    }
  }

  /** State-level events from the interpreter's log. Execution-level events are recorded by the execution itself. */
  recordStateEvent(event: InterpreterEvent): void {
    switch (event.type) {
      case 'StateEntered': {
        this.append(ENTERED[event.state.type], { stateEnteredEventDetails: { name: event.state.name, input: json(event.state.input), inputDetails: NOT_TRUNCATED } }, event.timestamp);
        if (event.state.type === 'Parallel') this.append('ParallelStateStarted', {}, event.timestamp);
        if (event.state.type === 'Map') this.append('MapStateStarted', {}, event.timestamp);
        return;
      }
      case 'StateExited': {
        const key = this.stateKey(event.state.name, event.index);
        const wasCaught = this.caught.delete(key);
        if (!wasCaught && event.state.type === 'Parallel') this.append('ParallelStateSucceeded', {}, event.timestamp);
        if (!wasCaught && event.state.type === 'Map') this.append('MapStateSucceeded', {}, event.timestamp);
        if (event.state.type === 'Fail') return;
        this.append(EXITED[event.state.type], { stateExitedEventDetails: { name: event.state.name, output: json(event.state.output), outputDetails: NOT_TRUNCATED } }, event.timestamp);
        return;
      }
      case 'StateFailed':
        this.recordStateFailed(event.state.name, event.state.type, event.Error, causeText(event.Cause), event.timestamp);
        return;
      case 'StateCaught':
        this.caught.add(this.stateKey(event.state.name, event.index));
        return;
      case 'MapIterationStarted':
        this.append('MapIterationStarted', { mapIterationStartedEventDetails: { name: event.parentState.name, index: event.index } }, event.timestamp);
        return;
      case 'MapIterationSucceeded':
        this.append('MapIterationSucceeded', { mapIterationSucceededEventDetails: { name: event.parentState.name, index: event.index } }, event.timestamp);
        return;
      case 'MapIterationFailed':
        this.append('MapIterationFailed', { mapIterationFailedEventDetails: { name: event.parentState.name, index: event.index } }, event.timestamp);
        return;
      default:
        // StateRetried: AWS shows a retry as the next Scheduled/Started pair, which the task wrapper records.
        // ParallelBranch*: AWS has no per-branch events.
        return;
    }
  }

  private recordStateFailed(name: string, type: StateType, error: string, cause: string | undefined, timestamp: number): void {
    if (type === 'Parallel') return this.append('ParallelStateFailed', {}, timestamp);
    if (type === 'Map') return this.append('MapStateFailed', {}, timestamp);
    if (type !== 'Task') return;
    const reported = this.reportedFailures.get(name) ?? 0;
    if (reported > 0) {
      // The handler's own failure, already recorded by the wrapper with the real error.
      this.reportedFailures.set(name, reported - 1);
      return;
    }
    if (error !== 'States.Timeout') return;
    // The handler is still running; its eventual result no longer counts.
    const attempt = this.openAttempts.get(name)?.find((candidate) => candidate.open);
    if (!attempt) return;
    this.close(attempt);
    const details = { error, cause };
    if (isLambdaFunction(attempt.binding.resource)) {
      this.append('LambdaFunctionTimedOut', { lambdaFunctionTimedOutEventDetails: details }, timestamp);
    } else {
      this.append('TaskTimedOut', { taskTimedOutEventDetails: { ...integration(attempt.binding.resource), ...details } }, timestamp);
    }
  }

  /** Marks an attempt settled; false when it already was (timed out before its handler returned). */
  private close(attempt: TaskAttempt): boolean {
    if (!attempt.open) return false;
    attempt.open = false;
    const open = (this.openAttempts.get(attempt.binding.stateName) ?? []).filter((candidate) => candidate !== attempt);
    this.openAttempts.set(attempt.binding.stateName, open);
    return true;
  }

  private stateKey(name: string, index: number | undefined): string {
    return `${name}#${index ?? ''}`;
  }
}
