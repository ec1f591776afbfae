/**
 * EventBridge's PutEvents on the local default bus: each entry checked as EventBridge checks the fields this service
 * relies on, then put on the bus, which stamps the envelope (id, time, account, region) as EventBridge does. The rules,
 * from the EventBridge API Reference:
 *
 * - PutEvents (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html): 1 to 10 entries; the
 *   response's Entries match the request's one for one, a failed entry carries ErrorCode and ErrorMessage instead of
 *   an EventId, and FailedEntryCount counts them (the call itself still succeeds).
 * - PutEventsRequestEntry (…/API_PutEventsRequestEntry.html): "Detail, DetailType, and Source are required … If you
 *   include event entries in a request that do not include each of those properties, EventBridge fails that entry. If
 *   you submit a request in which none of the entries have each of these properties, EventBridge fails the entire
 *   request." Detail is "a valid JSON object"; no EventBusName means the default bus.
 * - PutEventsResultEntry (…/API_PutEventsResultEntry.html): the error codes, among them InvalidArgument ("A specified
 *   parameter is not valid"), MalformedDetail ("The JSON provided is not valid") and NotAuthorizedForSourceException
 *   (a source in the `aws.` namespace, which only AWS services may use).
 * - "Calculating PutEvents event entry size" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html):
 *   at most 256 KB an entry, counting Time as 14 bytes and Source, DetailType, Detail and each Resource in UTF-8.
 *
 * The error messages are ours; the codes are EventBridge's.
 */
import type { LocalEventBus } from './bus';

/** An entry as the AWS JSON 1.1 protocol carries it (Time is epoch seconds). */
export interface PutEventsRequestEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
  Time?: unknown;
  EventBusName?: unknown;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

/** A request EventBridge refuses as a whole (400 with this `__type`), as opposed to a failed entry. */
export class PutEventsRequestError extends Error {
  override readonly name = 'PutEventsRequestError';
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_ENTRIES = 10;
export const MAX_ENTRY_BYTES = 256 * 1024;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
/** EventBridge's event time: RFC 3339 in UTC, to the second. */
const eventTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

type Checked = { ok: true; event: Parameters<LocalEventBus['put']>[0] } | { ok: false; ErrorCode: string; ErrorMessage: string; missingRequired?: boolean };

function checkEntry(entry: unknown, bus: { region: string; account: string }): Checked {
  const e: PutEventsRequestEntry = isObject(entry) ? entry : {};
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    const value = e[field];
    if (typeof value !== 'string' || value.length === 0) {
      return { ok: false, ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`, missingRequired: true };
    }
  }
  const source = e.Source as string;
  const detailType = e.DetailType as string;
  const detailText = e.Detail as string;
  const busName = e.EventBusName ?? 'default';
  if (busName !== 'default' && busName !== `arn:aws:events:${bus.region}:${bus.account}:event-bus/default`) {
    // The local cloud has the default bus only.
    return { ok: false, ErrorCode: 'InvalidArgument', ErrorMessage: `Event bus ${String(busName)} does not exist.` };
  }
  if (source.startsWith('aws.')) return { ok: false, ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  let detail: unknown;
  try {
    detail = JSON.parse(detailText);
  } catch {
    return { ok: false, ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  if (!isObject(detail)) return { ok: false, ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  const resources = e.Resources ?? [];
  if (!Array.isArray(resources) || !resources.every((resource) => typeof resource === 'string')) {
    return { ok: false, ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Resources is not valid. Reason: Resources must be a list of strings.' };
  }
  let time: string | undefined;
  if (e.Time !== undefined) {
    const date = typeof e.Time === 'number' ? new Date(e.Time * 1000) : new Date(String(e.Time));
    if (Number.isNaN(date.getTime())) return { ok: false, ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' };
    time = eventTime(date);
  }
  const size = (time ? 14 : 0) + bytes(source) + bytes(detailType) + bytes(detailText) + resources.reduce((total: number, resource: string) => total + bytes(resource), 0);
  if (size > MAX_ENTRY_BYTES) return { ok: false, ErrorCode: 'InvalidArgument', ErrorMessage: `The entry is ${size} bytes; an entry may have at most ${MAX_ENTRY_BYTES}.` };
  // Only what an entry may say: id, account and region are the bus's, the time too unless the entry gives one.
  return { ok: true, event: { source, 'detail-type': detailType, detail, resources: resources as string[], ...(time ? { time } : {}) } };
}

/** PutEvents on the local default bus; throws PutEventsRequestError where EventBridge refuses the whole request. */
export function putEvents(bus: LocalEventBus, request: unknown, where: { region: string; account: string }): PutEventsResult {
  const entries = isObject(request) ? request.Entries : undefined;
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
    throw new PutEventsRequestError('ValidationException', `Entries must be a list of 1 to ${MAX_ENTRIES} entries.`);
  }
  const checked = entries.map((entry) => checkEntry(entry, where));
  if (checked.every((result) => !result.ok && result.missingRequired)) {
    throw new PutEventsRequestError('ValidationException', 'No entry has each of Source, DetailType and Detail.');
  }
  const results: PutEventsResultEntry[] = checked.map((result) => {
    if (!result.ok) return { ErrorCode: result.ErrorCode, ErrorMessage: result.ErrorMessage };
    const id = bus.put(result.event);
    return id === undefined ? { ErrorCode: 'InternalFailure', ErrorMessage: 'The local event bus is closed.' } : { EventId: id };
  });
  return { FailedEntryCount: results.filter((result) => !('EventId' in result)).length, Entries: results };
}
