import { compileStateMachine, type CompiledStateMachine } from './definition';
import { LocalStateMachineConfigError } from './errors';
import type { ExecutionEnvironment } from './execution';
import { listen } from './http-server';
import { checkName, LocalStepFunctionsService, type ArnFactory } from './service';
import { TaskTokens } from './task-tokens';
import type { LocalStepFunctions, LocalStepFunctionsOptions } from './types';

export type { ExecutionStatusChangeEvent, LocalStateMachineDefinition, LocalStepFunctions, LocalStepFunctionsOptions, TaskHandler } from './types';

function compileAll(options: LocalStepFunctionsOptions, arns: ArnFactory): CompiledStateMachine[] {
  const names = new Set<string>();
  return options.stateMachines.map((source) => {
    try {
      checkName(source.name);
    } catch {
      throw new LocalStateMachineConfigError(`state machine name ${JSON.stringify(source.name)} is not a valid Step Functions name`);
    }
    if (names.has(source.name)) throw new LocalStateMachineConfigError(`state machine ${source.name} is defined twice`);
    names.add(source.name);
    return compileStateMachine(source, arns.stateMachine(source.name));
  });
}

/**
 * Serves the Step Functions API on a local port and runs the real ASL definitions in-process with
 * aws-local-stepfunctions, calling local task handlers instead of Lambda. Every definition is checked before the
 * server starts: unknown placeholders, Task states without a handler and misspelt overrides fail here.
 */
export async function startLocalStepFunctions(options: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const arns: ArnFactory = {
    stateMachine: (name) => `arn:aws:states:${region}:${accountId}:stateMachine:${name}`,
    execution: (machine, name) => `arn:aws:states:${region}:${accountId}:execution:${machine}:${name}`,
  };
  const machines = compileAll(options, arns);

  const inFlight = new Set<Promise<unknown>>();
  // Set by close(): the executions it stops end with the process, as if it had died. No status change goes out for
  // them (the execution-ended backstop would otherwise end their clusters FAILED / DELETE_FAILED); the reconciler
  // starts them again on the next start, from the records they left.
  let closing = false;
  const onEvent = (message: string, details: Record<string, unknown>): void => {
    try {
      options.onEvent?.(message, details);
    } catch {
      // A broken console must not break the workflow it reports on.
    }
  };
  const env: ExecutionEnvironment = {
    region,
    roleArn: `arn:aws:iam::${accountId}:role/local-step-functions`,
    onEvent,
    tokens: new TaskTokens(),
    accountId,
    onStatusChange(event) {
      if (closing) return;
      try {
        options.onExecutionStatusChange?.(event);
      } catch (error) {
        onEvent('status change not delivered', { execution: event.detail.name, error: error instanceof Error ? error.message : String(error) });
      }
    },
    track(work) {
      inFlight.add(work);
      const forget = (): void => void inFlight.delete(work);
      work.then(forget, forget);
    },
  };
  const service = new LocalStepFunctionsService(machines, arns, env);
  const server = await listen(options.host ?? '127.0.0.1', options.port ?? 0, service.actions, (action, error) =>
    onEvent('request failed', { action, error: error instanceof Error ? error.message : String(error) }),
  );

  return {
    endpoint: server.endpoint,
    stateMachineArn(name) {
      const machine = machines.find((candidate) => candidate.name === name);
      if (!machine) throw new LocalStateMachineConfigError(`no local state machine is named ${name}`);
      return machine.arn;
    },
    transitionCount(executionArn) {
      if (executionArn === undefined) return service.allExecutions().reduce((total, execution) => total + execution.transitions, 0);
      const execution = service.findExecution(executionArn);
      if (!execution) throw new LocalStateMachineConfigError(`no local execution has the ARN ${executionArn}`);
      return execution.transitions;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async close() {
      closing = true;
      const running = service.allExecutions().filter((execution) => execution.status === 'RUNNING');
      for (const execution of running) execution.stop(undefined, 'the local Step Functions endpoint was closed');
      await Promise.allSettled(running.map((execution) => execution.settled));
      await server.close();
    },
  };
}
