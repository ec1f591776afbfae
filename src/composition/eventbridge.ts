/**
 * The EventBridge client's users: the Slack route handing a command to the worker, and POST
 * /clusters/{id}/diagnostics handing a collection to the collector, each as an event on the default bus.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { buildChatDispatcher } from '../adapters/eventbridge/chat-dispatcher';
import { buildDiagnosticsRequests } from '../adapters/eventbridge/diagnostics-requests';
import { ConfigurationError, type Config } from '../config';
import type { DiagnosticsRequests } from '../use-cases/ports';
import type { ChatCommandDispatcher } from '../use-cases/run-chat-command';

// Short timeouts and one retry: PutEvents answers at once, and the callers answer a person waiting (Slack's 3
// seconds, an API request).
const client = (config: Config) => new EventBridgeClient({ region: config.region, maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 1500 } });

/** Undefined when no command source is configured: the Slack route then says it cannot take commands. */
export function chatDispatcher(config: Config): ChatCommandDispatcher | undefined {
  if (!config.slack.commandSource) return undefined;
  return buildChatDispatcher(client(config), config.slack.commandSource);
}

/** The POST route's hand-over; without a source there is no rule to reach the collector, so the route cannot work. */
export function diagnosticsRequests(config: Config): DiagnosticsRequests {
  if (!config.diagnostics.requestSource) throw new ConfigurationError('invalid environment: DIAGNOSTICS_EVENT_SOURCE: required to hand diagnostics collections to their collector');
  return buildDiagnosticsRequests(client(config), config.diagnostics.requestSource);
}
