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
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CHAT_COMMAND_RECEIVED } from '../../domain/chatops';
import { EventRejectedError, TransientAwsError } from '../../domain/errors';
import type { ChatCommandDispatcher } from '../../use-cases/run-chat-command';
import { classifyAwsError } from '../aws-errors';

// PutEventsResultEntry's retryable error codes; every other code is an answer about the event itself
// (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html).
const RETRYABLE_ENTRY_ERRORS = new Set(['InternalFailure', 'ThrottlingException']);

export function buildChatDispatcher(client: EventBridgeClient, source: string): ChatCommandDispatcher {
  return async (job) => {
    // No EventBusName: the default bus, the one the worker's rule is on and the role may put to.
    const put = new PutEventsCommand({ Entries: [{ Source: source, DetailType: CHAT_COMMAND_RECEIVED, Detail: JSON.stringify(job) }] });
    const result = await client.send(put).catch((error: unknown) => classifyAwsError(error, 'PutEvents'));
    // PutEvents answers 200 even when an entry fails: the failure is in FailedEntryCount and the entry's ErrorCode.
    const entry = result.Entries?.[0];
    if (!result.FailedEntryCount && entry?.EventId) return;
    const code = entry?.ErrorCode ?? 'Unknown';
    const message = `PutEvents refused the chat command event: ${code}${entry?.ErrorMessage ? ` (${entry.ErrorMessage})` : ''}`;
    if (RETRYABLE_ENTRY_ERRORS.has(code)) throw new TransientAwsError(message);
    throw new EventRejectedError(code, message);
  };
}
