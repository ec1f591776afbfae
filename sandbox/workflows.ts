/**
 * The service's state machines on the in-process Step Functions endpoint, built from the workflow registry: the real
 * ASL from statemachines/, its Lambda tasks run in this process. Execution status changes go to the local event bus
 * (sandbox/events.ts), whose rules from serverless.yml hand ended executions to the execution-ended backstop.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Dependencies } from '../src/composition';
import { WORKFLOWS, workflowRows, type WorkflowRow } from '../src/handlers/workflow/registry';
import { ACCOUNT, localFunctionArn, localFunctionName, localStateMachineName, REGION } from './environment';
import { lambdaContext } from './http-api';
import { startLocalStepFunctions, type ExecutionStatusChangeEvent, type LocalStepFunctions, type TaskHandler } from './stepfunctions';

const STATEMACHINES = resolve(__dirname, '..', 'statemachines');

export interface LocalWorkflowOptions {
  /** The dependencies the tasks run with; asked for on a task's first call (the SFN client must exist first). */
  deps: () => Dependencies;
  /** Shortens Wait states (ms per state name) and retry pauses, for tests. */
  waitTimeOverrides?: Record<string, number>;
  retryIntervalOverrides?: Record<string, number | number[]>;
  /** The waiting states' heartbeat and timeout (default LOCAL_WAITS). */
  waits?: LocalWaits;
  log: (line: string) => void;
  /** Where execution status changes go: the local event bus, as Step Functions puts them on the default bus. */
  onExecutionStatusChange: (event: ExecutionStatusChangeEvent) => void;
}

/**
 * The waiting states (callback Tasks) with their heartbeat and timeout shortened: on AWS they are 30 minutes and an
 * hour (statemachines/*.asl.json), which only matter when an event is lost; here the simulated cloud emits each event
 * within milliseconds of its change, so a few seconds of silence is a lost event, and the safety net's one look
 * follows at once. A waiting state without a heartbeat (the instance wait) gets `instanceWaitSeconds` as its timeout
 * (the heartbeat's time when unset): instances go on shutting down for seconds after DELETE_COMPLETE here too.
 */
export function compressWaits(definition: string, waits: LocalWaits): string {
  const parsed = JSON.parse(definition) as { States: Record<string, { Type: string; Resource?: string; HeartbeatSeconds?: number; TimeoutSeconds?: number }> };
  for (const state of Object.values(parsed.States)) {
    if (state.Type !== 'Task' || !state.Resource?.endsWith('.waitForTaskToken')) continue;
    const beats = state.HeartbeatSeconds !== undefined;
    if (beats) state.HeartbeatSeconds = waits.heartbeatSeconds;
    if (state.TimeoutSeconds !== undefined) state.TimeoutSeconds = beats ? waits.timeoutSeconds : (waits.instanceWaitSeconds ?? waits.heartbeatSeconds);
  }
  return JSON.stringify(parsed);
}

export interface LocalWaits {
  heartbeatSeconds: number;
  timeoutSeconds: number;
  instanceWaitSeconds?: number;
}

/**
 * The sandbox's waits: see compressWaits. The instance wait outlasts the simulated cloud's shutdown (8 s from the
 * moment a group starts deleting, at time scale 1), so at the default pace the EC2 events, not the timeout, resume it.
 */
export const LOCAL_WAITS: LocalWaits = { heartbeatSeconds: 5, timeoutSeconds: 60, instanceWaitSeconds: 15 };

export async function startLocalWorkflows(options: LocalWorkflowOptions): Promise<LocalStepFunctions> {
  const { deps, log } = options;

  function machine(workflow: WorkflowRow) {
    let steps: ReturnType<WorkflowRow['steps']> | undefined;
    const definition = compressWaits(readFileSync(resolve(STATEMACHINES, workflow.aslFile), 'utf8'), options.waits ?? LOCAL_WAITS);
    // One set of overrides serves every machine; each machine takes the names that are its own states. The
    // deliver-webhook waits follow WEBHOOK_RETRY_TIME_SCALE (the retry schedule, scaled), not the test overrides.
    const overrides = workflow !== WORKFLOWS.deliverWebhook;
    const states = (JSON.parse(definition) as { States: Record<string, unknown> }).States;
    const own = <T>(given: Record<string, T> | undefined) => (overrides && given ? Object.fromEntries(Object.entries(given).filter(([state]) => Object.hasOwn(states, state))) : undefined);
    return {
      name: localStateMachineName(workflow),
      definition,
      substitutions: Object.fromEntries(Object.entries(workflow.tasks).map(([token, step]) => [token, localFunctionArn(step)])),
      taskHandlers: Object.fromEntries(
        Object.values(workflow.tasks).map((step): [string, TaskHandler] => [
          localFunctionArn(step),
          (input) => (steps ??= workflow.steps(deps()))[step]!(input as never, lambdaContext(localFunctionName(step), 60_000)),
        ]),
      ),
      waitTimeOverrides: own(options.waitTimeOverrides),
      retryIntervalOverrides: own(options.retryIntervalOverrides),
    };
  }

  return startLocalStepFunctions({
    region: REGION,
    accountId: ACCOUNT,
    stateMachines: workflowRows.map(machine),
    onEvent: (message, details) => log(workflowLine(message, details)),
    onExecutionStatusChange: options.onExecutionStatusChange,
  });
}

/** `workflow  c-01…  CheckStack` for state changes, the message and its details otherwise. */
function workflowLine(message: string, details: Record<string, unknown>): string {
  const execution = String(details.execution ?? '');
  if (message === 'state entered') return `workflow        ${execution}  ${String(details.state)}`;
  const rest = Object.entries(details)
    .filter(([key, value]) => value !== undefined && !['stateMachine', 'execution', 'cause'].includes(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `workflow        ${execution}  ${message}${rest ? `  ${rest}` : ''}`;
}
