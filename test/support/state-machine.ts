/**
 * Runs one execution of a real ASL file on the in-process Step Functions endpoint, with task functions supplied by
 * the test, and reports what happened: the final status, every task call in order, and the execution history.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { startLocalStepFunctions, type TaskHandler } from '../../src/local/stepfunctions';

export const readAsl = (file: string) => readFileSync(resolve(__dirname, '../../statemachines', file), 'utf8');

const functionArn = (step: string) => `arn:aws:lambda:us-east-1:000000000000:function:${step}`;

export const namedError = (name: string, message = name) => Object.assign(new Error(message), { name });

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
  /** What each step does; `call` counts that step's calls from 1. */
  steps: Record<Step, (input: any, call: number) => unknown>;
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
  for (const step of Object.values(scenario.tasks)) {
    taskHandlers[functionArn(step)] = async (input) => {
      calls.push({ step, input });
      const call = (counts.get(step) ?? 0) + 1;
      counts.set(step, call);
      return scenario.steps[step](input, call);
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
  const sfn = new SFNClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
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
    sfn.destroy();
    await local.close();
  }
}

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
