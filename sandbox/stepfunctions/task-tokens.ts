import { randomBytes } from 'node:crypto';
import { StepFunctionsApiError } from './errors';

/**
 * The task tokens of callback Tasks (`.waitForTaskToken`): one per task entry (each retry is a new entry with a new
 * token, as on AWS), settled once by SendTaskSuccess or SendTaskFailure, kept alive by SendTaskHeartbeat.
 *
 * The errors are the ones the API reference lists for the three actions
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html):
 * - InvalidToken: "The provided token is not valid." (not a token this endpoint could have issued)
 * - TaskDoesNotExist (documented as "The activity does not exist."): here, a token in this endpoint's format that it
 *   never issued, e.g. one from before a restart of the sandbox. Which of the three AWS answers for such a token is not
 *   documented; this is a choice.
 * - TaskTimedOut: "The task token has either expired or the task associated with the token has already been closed."
 *   So a token that was already used, timed out, or whose execution ended answers TaskTimedOut.
 */

/** How a waiting task ends: its output (SendTaskSuccess) or a named error (SendTaskFailure, a timeout, the execution ending). */
export interface TaskSettlement {
  succeed(output: unknown): void;
  fail(error: Error): void;
}

export interface WaitingTask {
  executionArn: string;
  stateName: string;
  /** TimeoutSeconds: after it the interpreter fails the state with States.Timeout, and the token is closed. */
  timeoutSeconds: number;
  /** HeartbeatSeconds: without a heartbeat for this long the task fails with States.HeartbeatTimeout. */
  heartbeatSeconds?: number;
}

interface OpenTask extends WaitingTask {
  settle: TaskSettlement;
  deadline: number;
  timers: { heartbeat?: NodeJS.Timeout; deadline?: NodeJS.Timeout };
}

const TOKEN_PREFIX = 'local-sfn-task.';
// setTimeout fires at once past 2^31 - 1 ms; anything that long is "never" locally.
const MAX_TIMER_MS = 2 ** 31 - 1;
const TIMED_OUT = "Task Timed Out: 'Provided task does not exist anymore'";

function namedError(name: string, message = ''): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export class TaskTokens {
  private readonly open = new Map<string, OpenTask>();
  /** Every token issued and since closed: a second SendTaskSuccess with one answers TaskTimedOut. */
  private readonly closed = new Set<string>();

  /** Opens a task and returns its token; the settlement is called exactly once, whatever ends the task. */
  issue(task: WaitingTask, settle: TaskSettlement): string {
    const token = `${TOKEN_PREFIX}${randomBytes(48).toString('base64url')}`;
    const timeoutMs = Math.min(task.timeoutSeconds * 1000, MAX_TIMER_MS);
    const entry: OpenTask = { ...task, settle, deadline: Date.now() + timeoutMs, timers: {} };
    this.open.set(token, entry);
    // The interpreter's own timer, started just before this one, fails the state with States.Timeout; this one only
    // closes the token so that the wait settles and later Send* calls answer TaskTimedOut.
    entry.timers.deadline = setTimeout(() => this.close(token, namedError('States.Timeout')), timeoutMs);
    this.armHeartbeat(token, entry);
    return token;
  }

  succeed(token: string, output: unknown): void {
    const entry = this.live(token);
    this.forget(token, entry);
    entry.settle.succeed(output);
  }

  fail(token: string, error: string | undefined, cause: string | undefined): void {
    const entry = this.live(token);
    this.forget(token, entry);
    entry.settle.fail(namedError(error ?? '', cause ?? ''));
  }

  heartbeat(token: string): void {
    this.armHeartbeat(token, this.live(token));
  }

  /** Closes every open token of an execution that ended: their waits settle with `reason`, later Send* calls get TaskTimedOut. */
  closeExecution(executionArn: string, reason: Error): void {
    for (const [token, entry] of this.open) if (entry.executionArn === executionArn) this.close(token, reason);
  }

  /** Closes one token; its wait settles with `reason`. */
  close(token: string, reason: Error): void {
    const entry = this.open.get(token);
    if (!entry) return;
    this.forget(token, entry);
    entry.settle.fail(reason);
  }

  private forget(token: string, entry: OpenTask): void {
    clearTimeout(entry.timers.heartbeat);
    clearTimeout(entry.timers.deadline);
    this.open.delete(token);
    this.closed.add(token);
  }

  private armHeartbeat(token: string, entry: OpenTask): void {
    if (entry.heartbeatSeconds === undefined) return;
    clearTimeout(entry.timers.heartbeat);
    entry.timers.heartbeat = setTimeout(() => this.close(token, namedError('States.HeartbeatTimeout')), Math.min(entry.heartbeatSeconds * 1000, MAX_TIMER_MS));
  }

  /** The open task of a token, checked in the order AWS answers. */
  private live(token: string): OpenTask {
    if (!token.startsWith(TOKEN_PREFIX)) throw new StepFunctionsApiError('InvalidToken', `Invalid Token: '${token}'`);
    const entry = this.open.get(token);
    if (entry && Date.now() < entry.deadline) return entry;
    if (entry || this.closed.has(token)) throw new StepFunctionsApiError('TaskTimedOut', TIMED_OUT);
    throw new StepFunctionsApiError('TaskDoesNotExist', 'Task Does Not Exist');
  }
}
