/**
 * The one state-machine harness of the scenario tests (create, delete and deliver-webhook workflows): runs one
 * execution of a real statemachines/*.asl.json on the in-process Step Functions endpoint, with task functions
 * supplied by the test, and reports what happened: the final status, every task call in order, the output and the
 * execution history. The state machine's own logic (Choice, Wait, Retry, Catch, timeouts) is what is under test.
 *
 * Two ways in:
 * - `runScenario(scenario)`: everything explicit (definition, every step, overrides, execution name). The
 *   deliver-webhook scenarios use it with the real task functions.
 * - `scenarioRunner(machine)`: a machine's happy path as defaults, each scenario scripting only the steps it changes;
 *   every Wait state and every Task's retry pause is shortened, read from the definition. A scenario may also shorten
 *   a TimeoutSeconds (withTimeout), and should say so.
 *
 * Callback Tasks (`lambda:invoke.waitForTaskToken`): the step gets the Payload (with its `taskToken`) and, as its
 * third argument, the `CallbackTask` of that entry: `succeed(output)`, `fail(error, cause)`, `heartbeat()` send
 * SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat through the real SFNClient, now (awaited inside the step) or
 * later (e.g. from a timer, as an event would arrive). The execution waits until one of them, or a timeout, ends it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import type { WorkflowRow } from '../../src/handlers/workflow/registry';
import { startLocalStepFunctions, type TaskHandler } from '../../sandbox/stepfunctions';

export const readAsl = (file: string) => readFileSync(resolve(__dirname, '../../statemachines', file), 'utf8');

const functionArn = (step: string) => `arn:aws:lambda:us-east-1:000000000000:function:${step}`;

export const namedError = (name: string, message = name) => Object.assign(new Error(message), { name });

/** The waiting task a callback step was called for; each method is one Send* call on the endpoint, with its AWS errors. */
export interface CallbackTask {
  /** The Payload's `taskToken` (undefined when the step is not called by a callback Task). */
  token: string | undefined;
  succeed(output: unknown): Promise<void>;
  fail(error: string, cause?: string): Promise<void>;
  heartbeat(): Promise<void>;
}

export type StepFunction = (input: any, call: number, task: CallbackTask) => unknown;

export interface ScenarioOutcome<Step extends string> {
  status: string;
  error?: string;
  output?: unknown;
  calls: { step: Step; input: any }[];
  history: HistoryEvent[];
}

export interface Scenario<Step extends string> {
  /** The ASL text, with `${Token}` placeholders. */
  definition: string;
  /** DefinitionSubstitutions token → the step (task function) it stands for. */
  tasks: Record<string, Step>;
  /** What each step does; `call` counts that step's calls from 1; `task` answers a callback Task. */
  steps: Record<Step, StepFunction>;
  input: Record<string, unknown>;
  executionName?: string;
  waitTimeOverrides?: Record<string, number>;
  retryIntervalOverrides?: Record<string, number | number[]>;
  /** How long the execution may run before the test fails (default 10 s). */
  deadlineMs?: number;
}

export async function runScenario<Step extends string>(scenario: Scenario<Step>): Promise<ScenarioOutcome<Step>> {
  const calls: ScenarioOutcome<Step>['calls'] = [];
  const counts = new Map<Step, number>();
  const taskHandlers: Record<string, TaskHandler> = {};
  // Created once the endpoint is up; a step only runs after that.
  let sfn: SFNClient | undefined;
  const answers: Promise<unknown>[] = [];
  const send = (command: SendTaskSuccessCommand | SendTaskFailureCommand | SendTaskHeartbeatCommand): Promise<void> => {
    const sent = (sfn!.send(command as SendTaskSuccessCommand) as Promise<unknown>).then(() => undefined);
    // Kept so the harness waits for late answers before closing; the step still sees the rejection if it awaits.
    answers.push(sent.catch(() => undefined));
    return sent;
  };
  const callbackTask = (input: unknown): CallbackTask => {
    const token = (input as { taskToken?: unknown } | null)?.taskToken;
    const taskToken = typeof token === 'string' ? token : undefined;
    const required = () => {
      if (!taskToken) throw new Error('this step was not called with a taskToken: is its Task a lambda:invoke.waitForTaskToken?');
      return taskToken;
    };
    return {
      token: taskToken,
      succeed: async (output) => send(new SendTaskSuccessCommand({ taskToken: required(), output: JSON.stringify(output ?? null) })),
      fail: async (error, cause) => send(new SendTaskFailureCommand({ taskToken: required(), error, cause })),
      heartbeat: async () => send(new SendTaskHeartbeatCommand({ taskToken: required() })),
    };
  };
  for (const step of Object.values(scenario.tasks)) {
    taskHandlers[functionArn(step)] = async (input) => {
      calls.push({ step, input });
      const call = (counts.get(step) ?? 0) + 1;
      counts.set(step, call);
      return scenario.steps[step](input, call, callbackTask(input));
    };
  }
  const substitutions = Object.fromEntries(Object.entries(scenario.tasks).map(([token, step]) => [token, functionArn(step)]));
  const local = await startLocalStepFunctions({
    stateMachines: [
      {
        name: 'under-test',
        definition: scenario.definition,
        substitutions,
        taskHandlers,
        waitTimeOverrides: scenario.waitTimeOverrides,
        retryIntervalOverrides: scenario.retryIntervalOverrides,
      },
    ],
  });
  sfn = new SFNClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  try {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: local.stateMachineArn('under-test'), name: scenario.executionName ?? 'scenario', input: JSON.stringify(scenario.input) }),
    );
    const deadline = Date.now() + (scenario.deadlineMs ?? 10_000);
    for (;;) {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (execution.status !== 'RUNNING') {
        const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
        return {
          status: execution.status!,
          error: execution.error,
          output: execution.output === undefined ? undefined : (JSON.parse(execution.output) as unknown),
          calls,
          history: history.events ?? [],
        };
      }
      if (Date.now() > deadline) throw new Error(`execution still RUNNING after its deadline; calls: ${calls.map((c) => c.step).join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await Promise.all(answers);
    sfn.destroy();
    await local.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// A machine's happy path as defaults, one script per scenario
// ---------------------------------------------------------------------------------------------------------------

export type StepScript<Step extends string> = Partial<Record<Step, StepFunction>>;

export interface MachineUnderTest<Step extends string> {
  /** The workflow's registry row (WORKFLOWS.createCluster, ...): its ASL file and its token → step table. */
  workflow: Pick<WorkflowRow, 'aslFile'> & { tasks: Record<string, Step> };
  /** What each step answers when a scenario does not script it: the happy path. */
  defaults: Record<Step, StepFunction>;
  /** Execution input. */
  input: Record<string, unknown>;
  /** The execution's name (default `scenario`). */
  executionName?: string;
}

/** Every state of a type (Wait, Task) by name, for shortening their pauses. */
export function statesOfType(definition: string, type: string): string[] {
  const states = (JSON.parse(definition) as { States: Record<string, { Type: string }> }).States;
  return Object.entries(states)
    .filter(([, state]) => state.Type === type)
    .map(([name]) => name);
}

/** Time compression for timeout scenarios: the same definition with one TimeoutSeconds (or the machine's) shortened. */
export function withTimeout(asl: string, path: 'machine' | string, seconds: number): string {
  const definition = JSON.parse(asl);
  if (path === 'machine') definition.TimeoutSeconds = seconds;
  else definition.States[path].TimeoutSeconds = seconds;
  return JSON.stringify(definition);
}

export function scenarioRunner<Step extends string>(machine: MachineUnderTest<Step>) {
  const asl = readAsl(machine.workflow.aslFile);
  return (script: StepScript<Step>, options: { definition?: string; deadlineMs?: number } = {}): Promise<ScenarioOutcome<Step>> =>
    runScenario<Step>({
      definition: options.definition ?? asl,
      tasks: machine.workflow.tasks,
      steps: Object.fromEntries(Object.entries(machine.defaults).map(([step, answer]) => [step, script[step as Step] ?? answer])) as Scenario<Step>['steps'],
      input: machine.input,
      executionName: machine.executionName,
      deadlineMs: options.deadlineMs,
      waitTimeOverrides: Object.fromEntries(statesOfType(asl, 'Wait').map((name) => [name, 5])),
      retryIntervalOverrides: Object.fromEntries(statesOfType(asl, 'Task').map((name) => [name, 5])),
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Reading an outcome
// ---------------------------------------------------------------------------------------------------------------

/** The steps called, in order. */
export const stepsOf = <Step extends string>(outcome: ScenarioOutcome<Step>) => outcome.calls.map((c) => c.step);

/** The input each time the execution entered the named state. */
export function statesEntered(outcome: ScenarioOutcome<string>, name: string): any[] {
  return outcome.history
    .filter((event) => event.stateEnteredEventDetails?.name === name)
    .map((event) => JSON.parse(event.stateEnteredEventDetails!.input ?? 'null') as unknown);
}

/** The name of the last state the execution entered. */
export function lastStateEntered(outcome: ScenarioOutcome<string>): string | undefined {
  return outcome.history.filter((event) => event.stateEnteredEventDetails).at(-1)?.stateEnteredEventDetails?.name;
}
