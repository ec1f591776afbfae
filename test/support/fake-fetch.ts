/** A scripted fetch for the typed client's and swarmctl's unit tests: no network, every request recorded. */
import type { Cluster } from '../../packages/client/src';

export interface SentRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | Error;

/** Answers each request from `route` (method + path → answers, used in order, the last one repeated). */
export function fakeFetch(route: Record<string, Answer | Answer[]>) {
  const sent: SentRequest[] = [];
  const served: Record<string, number> = {};
  const fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const text = await request.text();
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => (headers[key] = value));
    sent.push({ method: request.method, url, headers, body: text ? JSON.parse(text) : undefined });
    const key = `${request.method} ${url.pathname}`;
    const answers = route[key];
    if (answers === undefined) return new Response(JSON.stringify({ title: 'Not Found', status: 404, detail: key }), { status: 404, headers: { 'content-type': 'application/problem+json' } });
    const list = Array.isArray(answers) ? answers : [answers];
    const n = served[key] ?? 0;
    served[key] = n + 1;
    const answer = list[Math.min(n, list.length - 1)]!;
    if (answer instanceof Error) throw answer;
    const type = answer.status >= 400 ? 'application/problem+json' : 'application/json';
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': type, ...answer.headers },
    });
  };
  return { fetch, sent };
}

/** A cluster as GET /clusters/{id} shows it; override what a test cares about. */
export function aClusterResource(overrides: Partial<Cluster> = {}): Cluster {
  const id = overrides.id ?? 'c-0000000000000000000000000a';
  return {
    id,
    name: 'demo',
    owner: 'alice',
    region: 'us-east-1',
    parameters: { managers: 3, workers: 5 },
    tags: {},
    status: 'CREATING',
    statusReason: 'create requested',
    stackName: `swarm-${id}`,
    outputs: {},
    nodes: [],
    requestedAt: '2026-11-27T12:00:00.000Z',
    lastActivityAt: '2026-11-27T12:00:00.000Z',
    updatedAt: '2026-11-27T12:00:00.000Z',
    version: 1,
    links: { self: `/clusters/${id}`, nodes: `/clusters/${id}/nodes`, events: `/clusters/${id}/events` },
    ...overrides,
  };
}

/** A sleep that only records, with the clock it moves (for waitFor's deadline). */
export function fakeTime(start = 1_000_000) {
  let now = start;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
    slept,
  };
}
