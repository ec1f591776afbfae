/** The Lambda client's one user: the Slack route handing a command to the worker with an asynchronous invoke. */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { buildChatDispatcher } from '../adapters/lambda/chat-dispatcher';
import type { Config } from '../config';
import type { ChatCommandDispatcher } from '../use-cases/run-chat-command';

/** Undefined when no worker function is configured: the Slack route then says it cannot take commands. */
export function chatDispatcher(config: Config): ChatCommandDispatcher | undefined {
  if (!config.slack.workerFunction) return undefined;
  // Short timeouts and one retry: the acknowledgement has 3 seconds in all, and Lambda answers an Event invoke at once.
  const client = new LambdaClient({ region: config.region, maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 1500 } });
  return buildChatDispatcher(client, config.slack.workerFunction);
}
