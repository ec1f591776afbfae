/**
 * The waiting half of the create and delete workflows: a Task state `.waitForTaskToken` invokes `awaitStack` with its
 * token; CloudFormation's events (stack-events.ts) resume it. See docs/workflows.md, "Waiting for events".
 */
import { StackWaitClosedError } from '../domain/errors';
import { waitOutcome, type WaitTarget } from '../domain/stack-wait';
import { logger } from '../logger';
import type { StackWaits, TaskTokens } from './ports';

export interface AwaitStackDeps {
  waits: StackWaits;
  tokens: TaskTokens;
  /** Waits (the first and one per safety-net round) before the workflow is told the stack never settled. */
  maxRounds: number;
}

export interface AwaitStackInput {
  clusterId: string;
  /** The open wait's key (the step that started the stack operation returned it). */
  key: string;
  target: WaitTarget;
  stackId?: string | null;
  taskToken: string;
}

/**
 * Primary course:
 * 1. Attach the task token to the cluster's open wait (a conditional write on its key) and count the round.
 * 2. If the final status is already there (its event came before the token, or a check saw it), resume the workflow
 *    with it now: no DescribeStacks.
 * 3. If the safety net has spent its rounds, resume the workflow with `exhausted`.
 * 4. Otherwise return; the workflow stays waiting until the stack's final event (or its heartbeat/timeout).
 */
export async function awaitStack(deps: AwaitStackDeps, input: AwaitStackInput): Promise<{ waiting: boolean }> {
  const wait = await deps.waits.attachToken(input.clusterId, input.key, input.taskToken);
  if (!wait) throw new StackWaitClosedError(input.clusterId, input.key);
  if (wait.status) {
    logger.info('stack settled before the wait began; resuming at once', { clusterId: input.clusterId, key: input.key, status: wait.status });
    await deps.tokens.succeed(input.taskToken, waitOutcome(wait.target, wait.status, wait.reason));
    return { waiting: false };
  }
  if (wait.round > deps.maxRounds) {
    const reason = `the stack reached no final status in ${deps.maxRounds} waits`;
    await deps.tokens.succeed(input.taskToken, waitOutcome(wait.target, 'UNSETTLED', reason, true));
    return { waiting: false };
  }
  return { waiting: true };
}
