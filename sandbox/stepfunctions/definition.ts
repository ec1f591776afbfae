import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { LocalStateMachineConfigError } from './errors';
import type { LocalStateMachineDefinition, TaskHandler } from './types';

type State = StateMachineDefinition['States'][string];
type StateGraph = Pick<StateMachineDefinition, 'States'>;

/**
 * How a Task state calls its function:
 * - `function`: Resource is the Lambda function ARN itself; the result is the function's.
 * - `invoke`: `arn:aws:states:::lambda:invoke`, the function named by Parameters.FunctionName; the result is the
 *   Invoke response ({ ExecutedVersion, Payload, StatusCode }).
 * - `callback`: `arn:aws:states:::lambda:invoke.waitForTaskToken`; the function gets a task token and the state
 *   waits for SendTaskSuccess / SendTaskFailure with it.
 */
export type TaskPattern = 'function' | 'invoke' | 'callback';

/** How one Task state runs locally. */
export interface TaskBinding {
  stateName: string;
  resource: string;
  pattern: TaskPattern;
  /** The local handler of a function (a name, an ARN, a partial ARN, with or without a qualifier). */
  handlerFor(functionName: string): TaskHandler | undefined;
  /** Only a literal TimeoutSeconds; TimeoutSecondsPath is resolved by the interpreter and not known here. */
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}

const LAMBDA_INVOKE = /^arn:aws[\w-]*:states:::lambda:invoke(\.waitForTaskToken)?$/;

/** `arn:aws:lambda:r:a:function:name:qualifier`, `a:function:name`, `name:qualifier`, `name` → `name`. */
function functionNameOf(reference: string): string {
  const arn = /(?:^|:)function:([^:]+)/.exec(reference);
  return arn?.[1] ?? reference.split(':')[0] ?? reference;
}

function handlerLookup(handlers: Record<string, TaskHandler>): (functionName: string) => TaskHandler | undefined {
  return (functionName) => {
    if (Object.hasOwn(handlers, functionName)) return handlers[functionName];
    const name = functionNameOf(functionName);
    const key = Object.keys(handlers).find((candidate) => functionNameOf(candidate) === name);
    return key === undefined ? undefined : handlers[key];
  };
}

export interface CompiledStateMachine {
  name: string;
  arn: string;
  /** The definition after substitution, as DescribeStateMachine returns it on AWS. */
  definition: string;
  interpreter: StateMachine;
  /** By state name, because that is how aws-local-stepfunctions looks up local task handlers. */
  tasks: ReadonlyMap<string, TaskBinding>;
  waitTimeOverrides: Record<string, number>;
  retryIntervalOverrides: Record<string, number | number[]>;
  creationDate: Date;
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/**
 * Fills `${Name}` tokens the way CloudFormation's DefinitionSubstitutions does: as text, before the JSON is parsed, so
 * a value can also land outside a string (`"TimeoutSeconds": ${Timeout}`).
 */
export function substituteDefinition(text: string, substitutions: Record<string, string>, machineName: string): string {
  return text.replace(PLACEHOLDER, (_token, key: string) => {
    const value = Object.hasOwn(substitutions, key) ? substitutions[key] : undefined;
    if (value === undefined) {
      throw new LocalStateMachineConfigError(`state machine ${machineName}: no substitution for \${${key}}`);
    }
    return value;
  });
}

/** Every state, including those inside Parallel branches and Map iterators. */
function* allStates(graph: StateGraph): Generator<[string, State]> {
  for (const [name, state] of Object.entries(graph.States)) {
    yield [name, state];
    if (state.Type === 'Parallel') {
      for (const branch of state.Branches) yield* allStates(branch);
    }
    if (state.Type === 'Map') {
      const iterator = state.ItemProcessor ?? state.Iterator;
      if (iterator) yield* allStates(iterator);
    }
  }
}

function bindTasks(graph: StateGraph, source: LocalStateMachineDefinition): Map<string, TaskBinding> {
  const tasks = new Map<string, TaskBinding>();
  const lookup = handlerLookup(source.taskHandlers);
  for (const [stateName, state] of allStates(graph)) {
    if (state.Type !== 'Task') continue;
    const invoke = LAMBDA_INVOKE.exec(state.Resource);
    const pattern: TaskPattern = invoke ? (invoke[1] ? 'callback' : 'invoke') : 'function';
    // A literal FunctionName is checked now; one from a path (`FunctionName.$`) when the state runs.
    const parameters = (state as { Parameters?: Record<string, unknown> }).Parameters;
    const called = invoke ? parameters?.FunctionName : state.Resource;
    if (invoke && called === undefined && !(parameters && 'FunctionName.$' in parameters)) {
      throw new LocalStateMachineConfigError(`state machine ${source.name}: Task state ${stateName} calls ${state.Resource} without Parameters.FunctionName`);
    }
    const handlerFor = pattern === 'function' ? (name: string) => (name === state.Resource && Object.hasOwn(source.taskHandlers, name) ? source.taskHandlers[name] : undefined) : lookup;
    if (typeof called === 'string' && !handlerFor(called)) {
      throw new LocalStateMachineConfigError(`state machine ${source.name}: Task state ${stateName} calls ${called}, which has no local task handler`);
    }
    const earlier = tasks.get(stateName);
    if (earlier && (earlier.resource !== state.Resource || pattern !== 'function')) {
      // The interpreter keys local handlers by state name alone, so it could not tell the two apart.
      throw new LocalStateMachineConfigError(
        `state machine ${source.name}: two Task states are named ${stateName} but call different resources`,
      );
    }
    const heartbeatSeconds = (state as { HeartbeatSeconds?: number }).HeartbeatSeconds;
    tasks.set(stateName, { stateName, resource: state.Resource, pattern, handlerFor, timeoutSeconds: state.TimeoutSeconds, heartbeatSeconds });
  }
  return tasks;
}

/** A misspelt override would otherwise be ignored silently and the workflow would wait the full time. */
function checkOverrides(graph: StateGraph, source: LocalStateMachineDefinition): void {
  const states = new Map(allStates(graph));
  for (const name of Object.keys(source.waitTimeOverrides ?? {})) {
    if (states.get(name)?.Type !== 'Wait') {
      throw new LocalStateMachineConfigError(`state machine ${source.name}: waitTimeOverrides names ${name}, which is not a Wait state`);
    }
  }
  for (const name of Object.keys(source.retryIntervalOverrides ?? {})) {
    const state = states.get(name);
    if (!state || !('Retry' in state) || !state.Retry) {
      throw new LocalStateMachineConfigError(
        `state machine ${source.name}: retryIntervalOverrides names ${name}, which is not a state with a Retry field`,
      );
    }
  }
}

// The interpreter waits with setTimeout, which fires at once for anything longer than 2^31 - 1 ms (24.8 days), so a
// "never" such as TimeoutSeconds 99999999 would time out immediately. Locally, 24.8 days is as good as never.
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

function clampTimers(graph: StateGraph & { TimeoutSeconds?: number }): void {
  if (graph.TimeoutSeconds !== undefined) graph.TimeoutSeconds = Math.min(graph.TimeoutSeconds, MAX_TIMER_SECONDS);
  for (const [, state] of allStates(graph)) {
    // A callback Task waits as long as it is told: on AWS a Task's TimeoutSeconds defaults to 99999999, while the
    // interpreter would give it 60 s (right for a Lambda function, bounded by its own timeout anyway).
    if (state.Type === 'Task' && LAMBDA_INVOKE.exec(state.Resource)?.[1] && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = MAX_TIMER_SECONDS;
    }
    if (state.Type === 'Task' && state.TimeoutSeconds !== undefined) state.TimeoutSeconds = Math.min(state.TimeoutSeconds, MAX_TIMER_SECONDS);
    if (state.Type === 'Wait' && state.Seconds !== undefined) state.Seconds = Math.min(state.Seconds, MAX_TIMER_SECONDS);
  }
}

function parseDefinition(text: string, machineName: string): StateMachineDefinition {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LocalStateMachineConfigError(`state machine ${machineName}: definition is not valid JSON after substitution`, { cause: error });
  }
  try {
    // The interpreter validates the ASL (asl-validator) in its constructor.
    new StateMachine(json as StateMachineDefinition);
  } catch (error) {
    throw new LocalStateMachineConfigError(`state machine ${machineName}: ${(error as Error).message}`, { cause: error });
  }
  return json as StateMachineDefinition;
}

export function compileStateMachine(source: LocalStateMachineDefinition, arn: string): CompiledStateMachine {
  const definition = substituteDefinition(source.definition, source.substitutions, source.name);
  const graph = parseDefinition(definition, source.name);
  const tasks = bindTasks(graph, source);
  checkOverrides(graph, source);
  clampTimers(graph);
  // Already validated above, in its unclamped form.
  const interpreter = new StateMachine(graph, { validationOptions: { noValidate: true } });
  return {
    name: source.name,
    arn,
    definition,
    interpreter,
    tasks,
    waitTimeOverrides: { ...source.waitTimeOverrides },
    retryIntervalOverrides: { ...source.retryIntervalOverrides },
    creationDate: new Date(),
  };
}
