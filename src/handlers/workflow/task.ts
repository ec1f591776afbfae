import type { Context } from 'aws-lambda';
import { loadConfig, type Config } from '../../config';
import { logger } from '../../logger';

/**
 * A workflow step: the state input in, the result out, one log line each way. Errors propagate with their name,
 * which is what the state machine's Retry and Catch match.
 */
export function workflowTask<I extends { clusterId: string }, O>(step: string, run: (input: I) => Promise<O>) {
  return async (input: I, context?: Context): Promise<O> => {
    if (context) logger.addContext(context);
    logger.info('workflow step started', { step, clusterId: input.clusterId });
    try {
      const output = await run(input);
      logger.info('workflow step finished', { step, clusterId: input.clusterId });
      return output;
    } catch (error) {
      logger.warn('workflow step failed', { step, clusterId: input.clusterId, error });
      throw error;
    }
  };
}

/**
 * One workflow step as a Lambda export. `build` runs on its first invocation, once per container, and makes only
 * the clients this step uses: importing the module reads no environment, the step's role needs only those clients'
 * permissions, and (called as `/* @__PURE__ *\/ lambdaStep(...)`) a bundle of one export carries no other step's
 * clients, which is how test/deployment/function-permissions.test.ts reads each function's SDK calls.
 */
export function lambdaStep<I, O>(build: (config: Config) => (input: I, context?: Context) => Promise<O>) {
  let step: ((input: I, context?: Context) => Promise<O>) | undefined;
  return (input: I, context: Context): Promise<O> => (step ??= build(loadConfig()))(input, context);
}
