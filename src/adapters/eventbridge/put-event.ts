/**
 * One event on the account's default EventBridge bus, for a rule of serverless.yml that invokes a function
 * asynchronously. PutEvents answers as soon as the bus has the event; EventBridge, then Lambda, retry a delivery that
 * fails. Each caller's detail stays far under PutEvents' 256 KB entry limit.
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventRejectedError, TransientAwsError } from '../../domain/errors';
import { classifyAwsError } from '../aws-errors';

// PutEventsResultEntry's retryable error codes; every other code is an answer about the event itself
// (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html).
const RETRYABLE_ENTRY_ERRORS = new Set(['InternalFailure', 'ThrottlingException']);

export async function putOneEvent(client: EventBridgeClient, event: { source: string; detailType: string; detail: unknown; what: string }): Promise<void> {
  // No EventBusName: the default bus, the one the rules are on and the roles may put to.
  const put = new PutEventsCommand({ Entries: [{ Source: event.source, DetailType: event.detailType, Detail: JSON.stringify(event.detail) }] });
  const result = await client.send(put).catch((error: unknown) => classifyAwsError(error, 'PutEvents'));
  // PutEvents answers 200 even when an entry fails: the failure is in FailedEntryCount and the entry's ErrorCode.
  const entry = result.Entries?.[0];
  if (!result.FailedEntryCount && entry?.EventId) return;
  const code = entry?.ErrorCode ?? 'Unknown';
  const message = `PutEvents refused the ${event.what} event: ${code}${entry?.ErrorMessage ? ` (${entry.ErrorMessage})` : ''}`;
  if (RETRYABLE_ENTRY_ERRORS.has(code)) throw new TransientAwsError(message);
  throw new EventRejectedError(code, message);
}
