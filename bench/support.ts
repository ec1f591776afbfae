/** What both benchmark scripts (scripts/bench.ts, bench/events-vs-polling.ts) need: percentiles, a worker pool, call counts. */
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';

/** The p-th percentile of `values` (in any order), nearest rank as scripts/bench.ts has always reported it. */
export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

/** Runs `task(0..total-1)`, `limit` at a time; resolves with the results in index order. */
export async function pooled<T>(total: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, total) }, worker));
  return results;
}

/**
 * Counts the AWS calls this process sends, by service and action (the JSON protocols name the action in the
 * `x-amz-target` header: `DynamoDB_20120810.UpdateItem`, `AWSStepFunctions.SendTaskHeartbeat`), and the bytes each
 * action's responses carried (their content-length). Every SDK client of the local cloud goes through Node's http
 * module, whose diagnostics channels see each request and response.
 */
export function countAwsCalls() {
  const calls = new Map<string, number>();
  const bytes = new Map<string, number>();
  const actionOf = (request: { getHeader(name: string): unknown }) => {
    const target = String(request.getHeader('x-amz-target') ?? '');
    return target ? target.replace(/^DynamoDB_\d+\./, 'DynamoDB.').replace(/^AWSStepFunctions\./, 'SFN.') : undefined;
  };
  subscribe('http.client.request.start', (message) => {
    const action = actionOf((message as { request: ClientRequest }).request);
    if (action) calls.set(action, (calls.get(action) ?? 0) + 1);
  });
  subscribe('http.client.response.finish', (message) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const action = actionOf(request);
    if (action) bytes.set(action, (bytes.get(action) ?? 0) + Number(response.headers['content-length'] ?? 0));
  });
  const snapshot = () => ({ calls: new Map(calls), bytes: new Map(bytes) });
  return {
    snapshot,
    /** Calls and response bytes per action since `before`, divided by `per`. */
    since(before: ReturnType<typeof snapshot>, per = 1) {
      const diff = (now: Map<string, number>, then: Map<string, number>) =>
        new Map([...now].map(([action, n]) => [action, (n - (then.get(action) ?? 0)) / per] as const).filter(([, n]) => n > 0));
      return { calls: diff(calls, before.calls), bytes: diff(bytes, before.bytes) };
    },
  };
}

/** DynamoDB's writing actions. */
export const DYNAMODB_WRITES = new Set(['DynamoDB.PutItem', 'DynamoDB.UpdateItem', 'DynamoDB.DeleteItem', 'DynamoDB.BatchWriteItem', 'DynamoDB.TransactWriteItems']);
