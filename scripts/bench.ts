/**
 * `npm run bench`: numbers, not pass/fail. Prints
 *   1. each function's bundle: minified size, top contributors, module init time (cold require) and PASS/OVER against
 *      the HTTP budget (scripts/bundles.ts, also `npm run bench:bundles` on its own),
 *   2. one local create lifecycle: state transitions and AWS API calls per service,
 *   3. one local delete lifecycle of that cluster (DELETE → DELETED): the same counts,
 *   4. HTTP API latency p50/p99 for POST /clusters and GET /clusters/{id} under 20 concurrent clients,
 *   5. the process's memory afterwards,
 *   6. a short run of whole lifecycles (below).
 * Timings on a shared machine are noisy: compare ratios within one run.
 *
 * `npm run bench -- --lifecycles 10000 --concurrency 50` runs only the lifecycle mode: N clusters (1 manager, 1 worker)
 * each created, polled to READY over HTTP, deleted and polled to DELETED, C at a time, against one local cloud in
 * this process (simulated cloud at time scale 0.05). It prints lost (clusters that did not reach DELETED, by where
 * they stopped), wall time, throughput and the peak RSS and heap. The default run does 100 lifecycles at 20.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { percentile, pooled } from '../bench/support';
import { printBundleTable } from './bundles';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CONCURRENCY = 20;
const POSTS = Number(process.env.BENCH_POSTS ?? 200);
const GETS = Number(process.env.BENCH_GETS ?? 1000);

/** `--name value` from the command line, as a positive integer. */
const numberArgument = (name: string): number | undefined => {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return undefined;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer, got ${process.argv[index + 1]}`);
  return value;
};
const LIFECYCLES = numberArgument('lifecycles');
const LIFECYCLE_CONCURRENCY = numberArgument('concurrency') ?? (LIFECYCLES === undefined ? 20 : 50);
/** How long one cluster may take to reach READY, and then DELETED, before it counts as lost. */
const LIFECYCLE_DEADLINE_MS = Number(process.env.BENCH_LIFECYCLE_DEADLINE_MS ?? 300_000);
/**
 * How often a lifecycle client polls GET /clusters/{id}, as a user's script would. Every poll is served by the same
 * process: at 50 clients, polling every 250 ms is 200 requests a second on top of the workflows.
 */
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 1_000);

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

/** Counts outgoing HTTP requests per port: each local AWS endpoint listens on its own. */
function countRequests() {
  const counts = new Map<string, number>();
  subscribe('http.client.request.start', (message) => {
    const request = (message as { request: ClientRequest }).request;
    const host = String(request.getHeader('host') ?? '');
    counts.set(host, (counts.get(host) ?? 0) + 1);
  });
  return counts;
}

/** Peak RSS and heap, sampled every 250 ms. */
function memoryPeaks() {
  const peak = { rss: 0, heapUsed: 0 };
  const sample = () => {
    const memory = process.memoryUsage();
    peak.rss = Math.max(peak.rss, memory.rss);
    peak.heapUsed = Math.max(peak.heapUsed, memory.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 250);
  timer.unref();
  return { peak, stop: () => (sample(), clearInterval(timer)) };
}

async function startCloud() {
  // Hundreds (or thousands) of creates from one owner: lift the quota so the numbers measure the service, not its
  // 429s. The variables are read once by loadConfig, so they are set before the local cloud is loaded.
  process.env.QUOTA_MAX_ACTIVE_CLUSTERS ??= '100000';
  process.env.QUOTA_MAX_INSTANCES ??= '10000000';
  const { startLocalCloud } = await import('../sandbox/local-cloud');
  return startLocalCloud({
    timeScale: 0.05,
    reaperIntervalSeconds: 0,
    waitTimeOverrides: { WaitBeforeRetry: 100 },
  });
}

type Cloud = Awaited<ReturnType<typeof startCloud>>;

/**
 * N whole lifecycles through the HTTP API, C at a time: POST /clusters (1 manager, 1 worker), GET until READY,
 * DELETE, GET until DELETED. A cluster that stops anywhere else, or runs out of time, is lost.
 */
async function lifecycles(cloud: Cloud, total: number, concurrency: number, heading: string): Promise<void> {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${cloud.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: body ? JSON.stringify(body) : undefined });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  let retries = 0;
  /**
   * What a careful client does: a 5xx or a 409 (the first attempt still in flight) is retried with the same
   * Idempotency-Key, a few times, with a pause. Whatever a retry leaves behind shows in the leftover count below.
   */
  const create = async (index: number) => {
    const key = `bench-${Date.now().toString(36)}-${index}`;
    for (let attempt = 1; ; attempt++) {
      const created = await call('POST', '/clusters', { name: `life-${index}`, managers: 1, workers: 1 }, { 'idempotency-key': key });
      if ((created.status < 500 && created.status !== 409) || attempt === 4) return created;
      retries += 1;
      await new Promise((r) => setTimeout(r, 2_000 * attempt));
    }
  };
  const until = async (id: string, from: string): Promise<string> => {
    const deadline = Date.now() + LIFECYCLE_DEADLINE_MS;
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const { status, json } = await call('GET', `/clusters/${id}`);
      const current = status === 200 ? String(json.status) : `HTTP ${status}`;
      if (current !== from) return current;
      if (Date.now() > deadline) return `${from} (timed out)`;
    }
  };
  const lost = new Map<string, number>();
  const reasons = new Map<string, number>();
  const lose = (where: string, reason?: unknown) => {
    lost.set(where, (lost.get(where) ?? 0) + 1);
    if (reason !== undefined) reasons.set(String(reason), (reasons.get(String(reason)) ?? 0) + 1);
  };
  const createMs: number[] = [];
  const deleteMs: number[] = [];
  const one = async (index: number): Promise<void> => {
    const started = performance.now();
    const created = await create(index);
    if (created.status !== 202) return lose(`POST ${created.status}`, created.json.title ?? created.json.detail);
    const id = String(created.json.id);
    const ready = await until(id, 'CREATING');
    createMs.push(performance.now() - started);
    if (ready !== 'READY') {
      const { json } = await call('GET', `/clusters/${id}`);
      return lose(ready, json.statusReason);
    }
    const deleteStarted = performance.now();
    const deleting = await call('DELETE', `/clusters/${id}`);
    if (deleting.status !== 202) return lose(`DELETE ${deleting.status}`, deleting.json.title ?? deleting.json.detail);
    const deleted = await until(id, 'DELETING');
    deleteMs.push(performance.now() - deleteStarted);
    if (deleted !== 'DELETED') {
      const { json } = await call('GET', `/clusters/${id}`);
      return lose(deleted, json.statusReason);
    }
  };

  const before = await notDeleted(cloud);
  const memory = memoryPeaks();
  const started = performance.now();
  let done = 0;
  const progress = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    const rss = process.memoryUsage().rss;
    console.log(`   … ${done}/${total} done after ${seconds.toFixed(0)} s (${(done / seconds).toFixed(1)}/s), lost so far ${[...lost.values()].reduce((a, b) => a + b, 0)}, rss ${kib(rss)}`);
  }, 30_000);
  progress.unref();
  await pooled(total, concurrency, async (index) => {
    await one(index).catch((error: unknown) => lose('client error', error instanceof Error ? error.message : error));
    done += 1;
  });
  clearInterval(progress);
  memory.stop();
  const seconds = (performance.now() - started) / 1000;
  const lostCount = [...lost.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${heading}`);
  console.log(`   lost=${lostCount}${lostCount > 0 ? ` (${[...lost].map(([where, n]) => `${where}: ${n}`).join(', ')})` : ''}`);
  for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5)) console.log(`     ${n} × ${reason}`);
  console.log(`   POST retries (same Idempotency-Key): ${retries}; clusters this run left in the store not DELETED: ${leftovers(before, await notDeleted(cloud))}`);
  console.log(`   wall=${seconds.toFixed(1)} s throughput=${(total / seconds).toFixed(2)} lifecycles/s`);
  console.log(`   POST→READY p50=${percentile(createMs, 50).toFixed(0)} ms p99=${percentile(createMs, 99).toFixed(0)} ms; DELETE→DELETED p50=${percentile(deleteMs, 50).toFixed(0)} ms p99=${percentile(deleteMs, 99).toFixed(0)} ms`);
  // With node --expose-gc, what is still held once the garbage is collected: what a longer run would keep growing.
  (globalThis as { gc?: () => void }).gc?.();
  const after = process.memoryUsage();
  console.log(`   memory peak rss=${kib(memory.peak.rss)} heapUsed=${kib(memory.peak.heapUsed)}; at the end rss=${kib(after.rss)} heapUsed=${kib(after.heapUsed)}`);
}

/** Clusters of the local principal in any status but DELETED, by status: orphans of retries included. */
async function notDeleted(cloud: Cloud): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const status of ['CREATING', 'READY', 'FAILED', 'DELETING', 'DELETE_FAILED'] as const) {
    let cursor: string | undefined;
    do {
      const page = await cloud.deps.store.listByOwner(cloud.principal, { status, limit: 100, ...(cursor ? { cursor } : {}) });
      counts.set(status, (counts.get(status) ?? 0) + page.items.length);
      cursor = page.nextCursor;
    } while (cursor);
  }
  return counts;
}

/** What the lifecycle run left behind: clusters not DELETED now that were not there before it started. */
const leftovers = (before: Map<string, number>, after: Map<string, number>): string => {
  const grown = [...after].map(([status, count]) => [status, count - (before.get(status) ?? 0)] as const).filter(([, count]) => count !== 0);
  return grown.length > 0 ? grown.map(([status, count]) => `${status} ${count}`).join(', ') : '0';
};

async function lifecycleMode(total: number, concurrency: number): Promise<void> {
  const cloud = await startCloud();
  try {
    await lifecycles(cloud, total, concurrency, `${total} lifecycles (create 1+1 → READY → delete → DELETED), ${concurrency} at a time, one local cloud, SIM_TIME_SCALE 0.05`);
  } finally {
    await cloud.close();
  }
}

async function main(): Promise<void> {
  if (LIFECYCLES !== undefined) return lifecycleMode(LIFECYCLES, LIFECYCLE_CONCURRENCY);
  // --skip-bundles: sections 2–6 only, e.g. to compare two commits' loaded latency back to back.
  if (!process.argv.includes('--skip-bundles')) await printBundleTable('1. Bundles against the budget of issue 11', 5);
  console.log(`load average when sections 2–6 started: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);

  const requests = countRequests();
  const cloud = await startCloud();
  const service = (host: string) => {
    const port = host.split(':')[1];
    const endpoints: Record<string, string | undefined> = {
      dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB,
      'cloudformation+ec2': process.env.AWS_ENDPOINT_URL_CLOUDFORMATION,
      stepfunctions: process.env.AWS_ENDPOINT_URL_SFN,
    };
    return Object.entries(endpoints).find(([, url]) => url?.endsWith(`:${port}`))?.[0] ?? `other (${host})`;
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const started = performance.now();
    const response = await fetch(`${cloud.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    const json = (await response.json()) as Record<string, unknown>;
    return { status: response.status, json, ms: performance.now() - started };
  };

  /** Polls the store (not over HTTP, so the counts stay the workflow's own) until the status leaves `from`. */
  const settle = async (id: string, from: string) => {
    const deadline = Date.now() + 60_000;
    let status = from;
    while (status === from && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await cloud.deps.store.get(id))?.status ?? 'missing';
    }
    await cloud.stepFunctions.idle();
    return status;
  };
  const SIM_ACTIONS = ['CreateStack', 'DeleteStack', 'DescribeStacks', 'DescribeStackEvents', 'DescribeInstances'];
  const simCalls = () => new Map(SIM_ACTIONS.map((action) => [action, cloud.simulatedCloud?.callCount(action) ?? NaN]));
  const report = (executionArn: string, simBefore: Map<string, number>) => {
    console.log(`   state transitions: ${cloud.stepFunctions.transitionCount(executionArn)}`);
    const perService = new Map<string, number>();
    for (const [host, count] of requests) perService.set(service(host), (perService.get(service(host)) ?? 0) + count);
    for (const [name, count] of [...perService].sort()) console.log(`   AWS calls to ${name}: ${count}`);
    const simAfter = simCalls();
    const byAction = SIM_ACTIONS.map((action) => `${action} ${(simAfter.get(action) ?? NaN) - (simBefore.get(action) ?? 0)}`).join(', ');
    console.log(`   (simulated cloud by action: ${byAction}; the status polls of this script go to DynamoDB directly, not counted above)`);
  };

  try {
    requests.clear();
    let simBefore = simCalls();
    const created = await call('POST', '/clusters', { name: 'bench' });
    const id = created.json.id as string;
    const status = await settle(id, 'CREATING');
    console.log(`\n2. One local create lifecycle (default cluster, ${status})`);
    report(created.json.createExecutionArn as string, simBefore);

    requests.clear();
    simBefore = simCalls();
    const deleteStarted = performance.now();
    const deleted = await call('DELETE', `/clusters/${id}`);
    const deletedStatus = await settle(id, 'DELETING');
    const deleteMs = performance.now() - deleteStarted;
    const events = (await cloud.deps.store.listEvents(id, { limit: 100 })).items.filter((e) => e.at >= (deleted.json.deletingAt as string));
    console.log(`\n3. One local delete lifecycle of that cluster (DELETE → ${deletedStatus} in ${deleteMs.toFixed(0)} ms at SIM_TIME_SCALE 0.05)`);
    report(deleted.json.deleteExecutionArn as string, simBefore);
    console.log(`   timeline: ${events.length} events; stages shown: ${[...new Set(events.map((e) => e.message).filter((m) => m.startsWith('waiting')))].join(' → ')}`);

    const sequential: number[] = [];
    for (let i = 0; i < 20; i++) sequential.push((await call('POST', '/clusters', { name: `bench-seq-${i}`, workers: 1 })).ms);
    await cloud.stepFunctions.idle();
    console.log(`\n4. HTTP API latency. One client, idle service: POST /clusters p50=${percentile(sequential, 50).toFixed(1)} ms p99=${percentile(sequential, 99).toFixed(1)} ms`);
    console.log(`   ${CONCURRENCY} concurrent clients (every POST starts a workflow in this same process, which competes for it):`);
    for (const [label, total, request] of [
      ['POST /clusters', POSTS, (i: number) => call('POST', '/clusters', { name: `bench-${i}`, workers: 1 })],
      ['GET /clusters/{id}', GETS, () => call('GET', `/clusters/${id}`)],
    ] as const) {
      const latencies: number[] = [];
      const failures: number[] = [];
      const started = performance.now();
      await pooled(total, CONCURRENCY, async (i) => {
        const result = await request(i);
        latencies.push(result.ms);
        if (result.status >= 300) failures.push(result.status);
      });
      const seconds = (performance.now() - started) / 1000;
      console.log(`   ${label.padEnd(20)} n=${total} p50=${percentile(latencies, 50).toFixed(1)} ms p99=${percentile(latencies, 99).toFixed(1)} ms throughput=${(total / seconds).toFixed(0)}/s non-2xx=${failures.length}`);
    }
    await cloud.stepFunctions.idle();
    const memory = process.memoryUsage();
    console.log(`\n5. Memory after one delete and ${POSTS + 21} create lifecycles in one process: rss=${kib(memory.rss)} heapUsed=${kib(memory.heapUsed)}`);
    await lifecycles(cloud, 100, LIFECYCLE_CONCURRENCY, `6. 100 whole lifecycles, ${LIFECYCLE_CONCURRENCY} at a time (npm run bench -- --lifecycles 10000 --concurrency 50 for the long run)`);
  } finally {
    await cloud.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
