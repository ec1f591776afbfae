import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { LocalStateMachineConfigError } from './errors';
import type { LocalStateMachineDefinition, TaskHandler } from './types';

type State = StateMachineDefinition['States'][string];
type StateGraph = Pick<StateMachineDefinition, 'States'>;

/** How one Task state runs locally. */
export interface TaskBinding {
  stateName: string;
  resource: string;
  handler: TaskHandler;
  /** Only a literal TimeoutSeconds; TimeoutSecondsPath is resolved by the interpreter and not known here. */
  timeoutSeconds?: number;
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
  for (const [stateName, state] of allStates(graph)) {
    if (state.Type !== 'Task') continue;
    const handler = Object.hasOwn(source.taskHandlers, state.Resource) ? source.taskHandlers[state.Resource] : undefined;
    if (!handler) {
      throw new LocalStateMachineConfigError(
        `state machine ${source.name}: Task state ${stateName} calls ${state.Resource}, which has no local task handler`,
      );
    }
    const earlier = tasks.get(stateName);
    if (earlier && earlier.resource !== state.Resource) {
      // The interpreter keys local handlers by state name alone, so it could not tell the two apart.
      throw new LocalStateMachineConfigError(
        `state machine ${source.name}: two Task states are named ${stateName} but call different resources`,
      );
    }
    tasks.set(stateName, { stateName, resource: state.Resource, handler, timeoutSeconds: state.TimeoutSeconds });
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
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

function clampTimers(graph: StateGraph & { TimeoutSeconds?: number }): void {
  if (graph.TimeoutSeconds !== undefined) graph.TimeoutSeconds = Math.min(graph.TimeoutSeconds, MAX_TIMER_SECONDS);
  for (const [, state] of allStates(graph)) {
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
