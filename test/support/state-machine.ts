/**
 * Runs a real statemachines/*.asl.json on the in-process Step Functions endpoint, one scenario at a time. The task
 * functions are stubs that script what each step answers; the state machine's own logic (Choice, Wait, Retry,
 * Catch, timeouts) is what is under test. Waits and retry pauses are shortened; a scenario may also shorten a
 * TimeoutSeconds (withTimeout), and should say so.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { startLocalStepFunctions, type TaskHandler } from '../../src/local/stepfunctions';

export type StepScript<Step extends string> = Partial<Record<Step, (input: any, call: number) => unknown>>;

export interface ScenarioOutcome<Step extends string> {
  status: string;
  error?: string;
  calls: { step: Step; input: any }[];
}

export interface MachineUnderTest<Step extends string> {
  /** The file under statemachines/, e.g. 'create-cluster.asl.json'. */
  file: string;
  /** DefinitionSubstitutions token → step name (CREATE_CLUSTER_TASKS, ...). */
  tasks: Record<string, Step>;
  /** What each step answers when a scenario does not script it: the happy path. */
  defaults: Record<Step, (input: any, call: number) => unknown>;
  /** Execution input. */
  input: Record<string, unknown>;
}

const arn = (step: string) => `arn:aws:lambda:us-east-1:000000000000:function:${step}`;

export const namedError = (name: string, message = name) => Object.assign(new Error(message), { name });

export function readAsl(file: string): string {
  return readFileSync(resolve(__dirname, '../../statemachines', file), 'utf8');
}

/** Every Wait state's and every Task state's name, for shortening their pauses. */
function statesOfType(definition: string, type: string): string[] {
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
  const asl = readAsl(machine.file);
  return async function runScenario(script: StepScript<Step>, options: { definition?: string; deadlineMs?: number } = {}): Promise<ScenarioOutcome<Step>> {
    const definition = options.definition ?? asl;
    const calls: ScenarioOutcome<Step>['calls'] = [];
    const counts = new Map<Step, number>();
    const taskHandlers: Record<string, TaskHandler> = {};
    for (const step of Object.values(machine.tasks)) {
      taskHandlers[arn(step)] = async (input) => {
        calls.push({ step, input });
        const call = (counts.get(step) ?? 0) + 1;
        counts.set(step, call);
        return (script[step] ?? machine.defaults[step])(input, call);
      };
    }
    const substitutions = Object.fromEntries(Object.entries(machine.tasks).map(([token, step]) => [token, arn(step)]));
    const local = await startLocalStepFunctions({
      stateMachines: [
        {
          name: 'under-test',
          definition,
          substitutions,
          taskHandlers,
          waitTimeOverrides: Object.fromEntries(statesOfType(asl, 'Wait').map((name) => [name, 5])),
          retryIntervalOverrides: Object.fromEntries(statesOfType(asl, 'Task').map((name) => [name, 5])),
        },
      ],
    });
    const sfn = new SFNClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: local.stateMachineArn('under-test'), name: 'scenario', input: JSON.stringify(machine.input) }));
      const deadline = Date.now() + (options.deadlineMs ?? 10_000);
      for (;;) {
        const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (execution.status !== 'RUNNING') return { status: execution.status!, error: execution.error, calls };
        if (Date.now() > deadline) throw new Error(`execution still RUNNING after its deadline; calls: ${calls.map((c) => c.step).join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      sfn.destroy();
      await local.close();
    }
  };
}

export const stepsOf = <Step extends string>(outcome: ScenarioOutcome<Step>) => outcome.calls.map((c) => c.step);
