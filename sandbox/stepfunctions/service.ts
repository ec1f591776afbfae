import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { CompiledStateMachine } from './definition';
import { StepFunctionsApiError } from './errors';
import { LocalExecution, type ExecutionEnvironment } from './execution';
import type { HistoryRecord } from './history';

/** ARNs of this account and region, shaped as on AWS. */
export interface ArnFactory {
  stateMachine(name: string): string;
  execution(stateMachineName: string, executionName: string): string;
}

const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:[^:]*:[^:]*:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[\w-]*:states:[^:]*:[^:]*:execution:[^:]+:[^:]+$/;
// Characters AWS rejects in state machine and execution names.
const INVALID_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u;
const MAX_INPUT_BYTES = 256 * 1024;
const DEFAULT_PAGE_SIZE = 100;

const taskToken = z.string().min(1).max(2048);
const maxResults = z.number().int().min(0).max(1000).optional();
const executionStatus = z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);

const schemas = {
  StartExecution: z.object({ stateMachineArn: z.string(), name: z.string().optional(), input: z.string().optional(), traceHeader: z.string().optional() }),
  DescribeExecution: z.object({ executionArn: z.string(), includedData: z.enum(['ALL_DATA', 'METADATA_ONLY']).optional() }),
  StopExecution: z.object({ executionArn: z.string(), error: z.string().max(256).optional(), cause: z.string().max(32768).optional() }),
  ListExecutions: z.object({ stateMachineArn: z.string(), statusFilter: executionStatus.optional(), maxResults, nextToken: z.string().optional() }),
  GetExecutionHistory: z.object({
    executionArn: z.string(),
    maxResults,
    reverseOrder: z.boolean().optional(),
    nextToken: z.string().optional(),
    includeExecutionData: z.boolean().optional(),
  }),
  DescribeStateMachine: z.object({ stateMachineArn: z.string(), includedData: z.enum(['ALL_DATA', 'METADATA_ONLY']).optional() }),
  ListStateMachines: z.object({ maxResults, nextToken: z.string().optional() }),
  // Limits from the API reference (API_SendTaskSuccess, API_SendTaskFailure, API_SendTaskHeartbeat).
  SendTaskSuccess: z.object({ taskToken, output: z.string().max(262144) }),
  SendTaskFailure: z.object({ taskToken, error: z.string().max(256).optional(), cause: z.string().max(32768).optional() }),
  SendTaskHeartbeat: z.object({ taskToken }),
};
type Action = keyof typeof schemas;

function parse<A extends Action>(action: A, body: unknown): z.infer<(typeof schemas)[A]> {
  const result = schemas[action].safeParse(body ?? {});
  if (result.success) return result.data as z.infer<(typeof schemas)[A]>;
  const problems = result.error.issues.map((issue) => `Value at '${issue.path.join('.')}' failed to satisfy constraint: ${issue.message}`);
  throw new StepFunctionsApiError('ValidationException', `${problems.length} validation error(s) detected: ${problems.join('; ')}`);
}

/** The JSON protocol sends timestamps as epoch seconds. */
const epochSeconds = (date: Date): number => date.getTime() / 1000;

/** Page positions are opaque to callers; a token names where the next page starts. */
function encodeToken(position: number): string {
  return Buffer.from(JSON.stringify({ position }), 'utf8').toString('base64url');
}

function decodeToken(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  try {
    const { position } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { position?: unknown };
    if (typeof position === 'number' && Number.isInteger(position) && position >= 0) return position;
  } catch {
    // Falls through to InvalidToken.
  }
  throw new StepFunctionsApiError('InvalidToken', `Invalid Token: '${token}'`);
}

export function checkName(name: string): void {
  if (name.length === 0 || name.length > 80 || INVALID_NAME_CHARACTER.test(name)) {
    throw new StepFunctionsApiError('InvalidName', `Invalid Name: '${name}'`);
  }
}

function checkInput(input: string): void {
  if (Buffer.byteLength(input, 'utf8') > MAX_INPUT_BYTES) {
    throw new StepFunctionsApiError('InvalidExecutionInput', 'Execution input is larger than 256 KiB');
  }
  try {
    JSON.parse(input);
  } catch {
    throw new StepFunctionsApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${input}'`);
  }
}

const DATA_FIELDS = new Set(['input', 'inputDetails', 'output', 'outputDetails', 'parameters']);

function withoutData<T extends object>(details: T): T {
  return Object.fromEntries(Object.entries(details).filter(([key]) => !DATA_FIELDS.has(key))) as T;
}

function serializeEvent(event: HistoryRecord, includeData: boolean): Record<string, unknown> {
  const details = Object.entries(event.details).map(([key, value]) => [key, includeData ? value : withoutData(value as object)]);
  return { timestamp: event.timestamp / 1000, type: event.type, id: event.id, previousEventId: event.previousEventId, ...Object.fromEntries(details) };
}

/** The Step Functions actions the service uses, over state machines fixed at start and executions kept in memory. */
export class LocalStepFunctionsService {
  private readonly machines: ReadonlyMap<string, CompiledStateMachine>;
  private readonly executions = new Map<string, LocalExecution>();
  /** Oldest first; only ever appended to, so a position in it stays valid as a page token. */
  private readonly executionsByMachine = new Map<string, LocalExecution[]>();

  constructor(
    machines: CompiledStateMachine[],
    private readonly arns: ArnFactory,
    private readonly env: ExecutionEnvironment,
  ) {
    this.machines = new Map(machines.map((machine) => [machine.arn, machine]));
  }

  readonly actions: Record<string, (body: unknown) => unknown> = {
    StartExecution: (body) => this.startExecution(parse('StartExecution', body)),
    DescribeExecution: (body) => this.describeExecution(parse('DescribeExecution', body)),
    StopExecution: (body) => this.stopExecution(parse('StopExecution', body)),
    ListExecutions: (body) => this.listExecutions(parse('ListExecutions', body)),
    GetExecutionHistory: (body) => this.getExecutionHistory(parse('GetExecutionHistory', body)),
    DescribeStateMachine: (body) => this.describeStateMachine(parse('DescribeStateMachine', body)),
    ListStateMachines: (body) => this.listStateMachines(parse('ListStateMachines', body)),
    SendTaskSuccess: (body) => this.sendTaskSuccess(parse('SendTaskSuccess', body)),
    SendTaskFailure: (body) => {
      const request = parse('SendTaskFailure', body);
      this.env.tokens.fail(request.taskToken, request.error, request.cause);
      return {};
    },
    SendTaskHeartbeat: (body) => {
      this.env.tokens.heartbeat(parse('SendTaskHeartbeat', body).taskToken);
      return {};
    },
  };

  allExecutions(): LocalExecution[] {
    return [...this.executions.values()];
  }

  findExecution(executionArn: string): LocalExecution | undefined {
    return this.executions.get(executionArn);
  }

  private startExecution(request: z.infer<typeof schemas.StartExecution>) {
    const machine = this.machine(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    checkName(name);
    const input = request.input ?? '{}';
    checkInput(input);
    const executionArn = this.arns.execution(machine.name, name);
    const existing = this.executions.get(executionArn);
    if (existing) {
      // AWS treats a repeat start as the same request only while the first execution is still open.
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn, startDate: epochSeconds(existing.startDate) };
      }
      throw new StepFunctionsApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution = new LocalExecution(machine, name, executionArn, input, this.env);
    this.executions.set(executionArn, execution);
    this.executionsByMachine.set(machine.arn, [...(this.executionsByMachine.get(machine.arn) ?? []), execution]);
    return { executionArn, startDate: epochSeconds(execution.startDate) };
  }

  private sendTaskSuccess(request: z.infer<typeof schemas.SendTaskSuccess>) {
    let output: unknown;
    try {
      output = JSON.parse(request.output);
    } catch {
      throw new StepFunctionsApiError('InvalidOutput', `Invalid Output: '${request.output}'`);
    }
    this.env.tokens.succeed(request.taskToken, output);
    return {};
  }

  private describeExecution(request: z.infer<typeof schemas.DescribeExecution>) {
    const execution = this.execution(request.executionArn);
    const includeData = request.includedData !== 'METADATA_ONLY';
    return {
      executionArn: execution.arn,
      stateMachineArn: execution.machine.arn,
      name: execution.name,
      status: execution.status,
      startDate: epochSeconds(execution.startDate),
      stopDate: execution.stopDate && epochSeconds(execution.stopDate),
      ...(includeData && { input: execution.input, inputDetails: { included: true } }),
      ...(includeData && execution.output !== undefined && { output: execution.output, outputDetails: { included: true } }),
      error: execution.error,
      cause: execution.cause,
      redriveCount: 0,
    };
  }

  private stopExecution(request: z.infer<typeof schemas.StopExecution>) {
    const execution = this.execution(request.executionArn);
    return { stopDate: epochSeconds(execution.stop(request.error, request.cause)) };
  }

  private listExecutions(request: z.infer<typeof schemas.ListExecutions>) {
    const machine = this.machine(request.stateMachineArn);
    const all = this.executionsByMachine.get(machine.arn) ?? [];
    const pageSize = request.maxResults || DEFAULT_PAGE_SIZE;
    // Newest first, as AWS lists them; positions count from the oldest so new executions do not shift later pages.
    let position = Math.min(decodeToken(request.nextToken) ?? all.length, all.length);
    const page: LocalExecution[] = [];
    while (position > 0 && page.length < pageSize) {
      position -= 1;
      const execution = all[position];
      if (execution && (!request.statusFilter || execution.status === request.statusFilter)) page.push(execution);
    }
    return {
      executions: page.map((execution) => ({
        executionArn: execution.arn,
        stateMachineArn: machine.arn,
        name: execution.name,
        status: execution.status,
        startDate: epochSeconds(execution.startDate),
        stopDate: execution.stopDate && epochSeconds(execution.stopDate),
        redriveCount: 0,
      })),
      nextToken: position > 0 ? encodeToken(position) : undefined,
    };
  }

  private getExecutionHistory(request: z.infer<typeof schemas.GetExecutionHistory>) {
    const { events } = this.execution(request.executionArn).history;
    const pageSize = request.maxResults || DEFAULT_PAGE_SIZE;
    const after = decodeToken(request.nextToken);
    // Event ids are stable, so a token holds the id of the last event already returned.
    const remaining = request.reverseOrder
      ? events.filter((event) => after === undefined || event.id < after).reverse()
      : events.filter((event) => after === undefined || event.id > after);
    const page = remaining.slice(0, pageSize);
    const last = page.at(-1);
    return {
      events: page.map((event) => serializeEvent(event, request.includeExecutionData ?? true)),
      nextToken: remaining.length > pageSize && last ? encodeToken(last.id) : undefined,
    };
  }

  private describeStateMachine(request: z.infer<typeof schemas.DescribeStateMachine>) {
    const machine = this.machine(request.stateMachineArn);
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: machine.definition,
      roleArn: this.env.roleArn,
      type: 'STANDARD',
      creationDate: epochSeconds(machine.creationDate),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  private listStateMachines(request: z.infer<typeof schemas.ListStateMachines>) {
    const all = [...this.machines.values()];
    const pageSize = request.maxResults || DEFAULT_PAGE_SIZE;
    const start = decodeToken(request.nextToken) ?? 0;
    const page = all.slice(start, start + pageSize);
    return {
      stateMachines: page.map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: 'STANDARD',
        creationDate: epochSeconds(machine.creationDate),
      })),
      nextToken: start + pageSize < all.length ? encodeToken(start + pageSize) : undefined,
    };
  }

  private machine(stateMachineArn: string): CompiledStateMachine {
    if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw new StepFunctionsApiError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw new StepFunctionsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    return machine;
  }

  private execution(executionArn: string): LocalExecution {
    if (!EXECUTION_ARN.test(executionArn)) throw new StepFunctionsApiError('InvalidArn', `Invalid Arn: '${executionArn}'`);
    const execution = this.executions.get(executionArn);
    if (!execution) throw new StepFunctionsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }
}
