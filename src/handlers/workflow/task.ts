import type { Context } from 'aws-lambda';
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

type Steps = Record<string, (input: never, context?: Context) => Promise<unknown>>;

/**
 * The Lambda exports of one workflow's steps: `build` (dependencies included) runs on the first invocation of any
 * of them, once per container, so importing the module reads no environment.
 */
export function lambdaSteps<S extends Steps>(build: () => S) {
  let steps: S | undefined;
  return <K extends keyof S>(name: K): S[K] => ((input: never, context: Context) => (steps ??= build())[name]!(input, context)) as S[K];
}
