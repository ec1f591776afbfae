import { lambdaSteps } from '../../../src/handlers/workflow/task';
import { lambdaContext } from '../../../src/local/http-api';

describe('lambdaSteps', () => {
  it('builds the steps once, on the first invocation of any of them, and routes each export to its step', async () => {
    const build = jest.fn(() => ({
      first: async (input: { n: number }, _context?: unknown) => input.n + 1,
      second: async (input: { n: number }, _context?: unknown) => input.n * 10,
    }));
    const step = lambdaSteps(build);
    const first = step('first');
    const second = step('second');
    expect(build).not.toHaveBeenCalled();

    await expect(first({ n: 1 }, lambdaContext('first'))).resolves.toBe(2);
    await expect(second({ n: 2 }, lambdaContext('second'))).resolves.toBe(20);
    await expect(first({ n: 3 }, lambdaContext('first'))).resolves.toBe(4);
    expect(build).toHaveBeenCalledTimes(1);
  });
});
