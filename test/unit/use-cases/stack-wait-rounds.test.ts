/**
 * awaitStack's answer to the waiting Task state, with in-memory waits and tokens: the outcome the workflow's Choice
 * states read when the safety net has spent its rounds, when the final status came first, and while it must wait.
 * The token is resumed with SendTaskSuccess's output
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html).
 */
import type { StackWait } from '../../../src/domain/stack-wait';
import { awaitStack } from '../../../src/use-cases/await-stack';
import type { StackWaits, TaskTokens } from '../../../src/use-cases/ports';

function world(wait: StackWait | undefined) {
  const resumed: { token: string; output: unknown }[] = [];
  const waits = { attachToken: async () => wait } as Pick<StackWaits, 'attachToken'> as StackWaits;
  const tokens = {
    succeed: async (token: string, output: unknown) => {
      resumed.push({ token, output });
      return true;
    },
  } as Pick<TaskTokens, 'succeed'> as TaskTokens;
  return { deps: { waits, tokens, maxRounds: 3 }, resumed };
}

const input = { clusterId: 'c-1', key: 'create', target: 'create' as const, taskToken: 'token-1' };
const openWait = (round: number, extra: Partial<StackWait> = {}): StackWait => ({ key: 'create', target: 'create', since: '2026-11-26T12:00:00.000Z', round, ...extra });

describe('the answer to a waiting stack task', () => {
  it('tells the workflow the stack never settled once the rounds are spent, and says after how many', async () => {
    // Prepare
    const { deps, resumed } = world(openWait(4));

    // Act
    const result = await awaitStack(deps, input);

    // Assess
    expect(result).toEqual({ waiting: false });
    expect(resumed).toEqual([{ token: 'token-1', output: { status: 'UNSETTLED', reason: 'the stack reached no final status in 3 waits', progress: 'in_progress', exhausted: true } }]);
  });

  it('keeps waiting on the last round', async () => {
    // Prepare
    const { deps, resumed } = world(openWait(3));

    // Act / Assess
    expect(await awaitStack(deps, input)).toEqual({ waiting: true });
    expect(resumed).toEqual([]);
  });

  it('resumes at once with a final status that arrived before the token', async () => {
    // Prepare
    const { deps, resumed } = world(openWait(1, { status: 'CREATE_COMPLETE' }));

    // Act / Assess
    expect(await awaitStack(deps, input)).toEqual({ waiting: false });
    expect(resumed).toEqual([{ token: 'token-1', output: { status: 'CREATE_COMPLETE', progress: 'complete', exhausted: false } }]);
  });
});
