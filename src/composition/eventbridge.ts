/** The EventBridge client's one user: the Slack route handing a command to the worker as an event on the default bus. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { buildChatDispatcher } from '../adapters/eventbridge/chat-dispatcher';
import type { Config } from '../config';
import type { ChatCommandDispatcher } from '../use-cases/run-chat-command';

/** Undefined when no command source is configured: the Slack route then says it cannot take commands. */
export function chatDispatcher(config: Config): ChatCommandDispatcher | undefined {
  if (!config.slack.commandSource) return undefined;
  // Short timeouts and one retry: the acknowledgement has 3 seconds in all, and PutEvents answers at once.
  const client = new EventBridgeClient({ region: config.region, maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 1500 } });
  return buildChatDispatcher(client, config.slack.commandSource);
}
