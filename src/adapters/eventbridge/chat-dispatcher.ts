/**
 * Hands a slash command to the worker function as one event on the account's default EventBridge bus: a rule of
 * serverless.yml (source = this deployment's SLACK_COMMAND_SOURCE, detail-type `Chat Command Received`) invokes the
 * worker asynchronously. PutEvents answers as soon as the bus has the event, so Slack gets its acknowledgement within
 * 3 seconds whatever the command costs; EventBridge, then Lambda, retry a delivery that fails.
 *
 * The event stays far under PutEvents' 256 KB entry limit: the detail is the command parsed from Slack's form body,
 * which the route refuses above 64 KiB (MAX_BODY_BYTES). A detail that could grow past that (say, a command carrying a
 * file) would have to go by reference instead.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CHAT_COMMAND_RECEIVED } from '../../domain/chatops';
import type { ChatCommandDispatcher } from '../../use-cases/run-chat-command';
import { putOneEvent } from './put-event';

export function buildChatDispatcher(client: EventBridgeClient, source: string): ChatCommandDispatcher {
  return (job) => putOneEvent(client, { source, detailType: CHAT_COMMAND_RECEIVED, detail: job, what: 'chat command' });
}
