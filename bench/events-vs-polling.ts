/**
 * `npm run bench:waits`: how the service waits for its stacks, side by side with the common alternative, in one run.
 *
 * Both run N whole lifecycles (create to READY, delete to DELETED) on the same scripted timeline: the simulated cloud
 * takes exactly 15 minutes per create and 5 per delete, compressed 60 times (15 s and 5 s of real time).
 * - ours: the real create and delete workflows of the local cloud, through the HTTP API, as a client would;
 * - the reference: bench/reference/*.asl.json, a fixed 30 s poll loop (Wait, DescribeStacks, Choice; the 30 s
 *   compressed like the timeline), run on a second local Step Functions endpoint against the same simulated cloud.
 * For each it prints state transitions and CloudFormation/EC2 calls per lifecycle (from the Step Functions endpoint's
 * own count and the simulated cloud's request log), the delay from the stack's final status to the status the
 * workflow records (p50, max), and the Step Functions cost of 1,000 lifecycles at $0.025 per 1,000 transitions.
 *
 * Delay: a poll's delay scales with the timeline (it is a share of the 30 s wait), so the reference's is also shown on
 * the real 30 s timeline; an event's does not (it is the time to handle one event), so ours is shown as measured.
 *
 *   npm run bench:waits -- --lifecycles 20 --concurrency 4
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { newClusterId } from '../src/domain/cluster';
import { clusterRequestSchema, parametersOf, templateParameters } from '../src/domain/parameters';
import { countAwsCalls, DYNAMODB_WRITES, percentile, pooled } from './support';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.QUOTA_MAX_ACTIVE_CLUSTERS ??= '100000';
process.env.QUOTA_MAX_INSTANCES ??= '10000000';

const COMPRESSION = 60;
const SCRIPT = { createMs: 15 * 60_000, deleteMs: 5 * 60_000 };
const TIME_SCALE = 1 / COMPRESSION;
const POLL_SECONDS = 30;
const PRICE_PER_TRANSITION = 0.025 / 1000;
const CALLS = ['CreateStack', 'DescribeStacks', 'DescribeStackEvents', 'DeleteStack', 'DescribeInstances'];
const DEADLINE_MS = 120_000;

const { values } = parseArgs({ options: { lifecycles: { type: 'string', default: '20' }, concurrency: { type: 'string', default: '4' } } });
const LIFECYCLES = Number(values.lifecycles);
/**
 * Lifecycles at a time. The compression multiplies the event rate too: one create sends ~70 resource events in 15 s
 * instead of 15 minutes, so 4 at a time here is the event rate of ~240 concurrent creates on AWS.
 */
const CONCURRENCY = Number(values.concurrency);

interface Result {
  transitions: number;
  calls: Record<string, number>;
  /** Milliseconds, stack final status → recorded status, one per create and one per delete. */
  delays: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${DEADLINE_MS} ms`);
    await sleep(intervalMs);
  }
}

async function main(): Promise<void> {
  const { startLocalCloud } = await import('../sandbox/local-cloud');
  const { startLocalStepFunctions } = await import('../sandbox/stepfunctions');

  // When each stack reached its final status, from the simulated cloud's own status line (real ms).
  const finalAt = new Map<string, number>();
  const cloud = await startLocalCloud({
    timeScale: TIME_SCALE,
    simulatedCloudScript: SCRIPT,
    // The waiting states. AWS heartbeat and timeout (1800 s, 3600 s), compressed like the timeline: the safety net
    // looks only when a stack has been silent as long as it would have to be on AWS.
    waits: { heartbeatSeconds: Math.ceil(1800 / COMPRESSION), timeoutSeconds: Math.ceil(3600 / COMPRESSION) },
    reaperIntervalSeconds: 0,
    reconcilerIntervalSeconds: 0,
    log: (line) => {
      const match = /^cloudformation\s+(\S+)\s+(CREATE_COMPLETE|DELETE_COMPLETE)\b/.exec(line);
      if (match) finalAt.set(`${match[1]} ${match[2]}`, Date.now());
    },
  });
  const sim = cloud.simulatedCloud!;
  const callsNow = () => Object.fromEntries(CALLS.map((action) => [action, sim.callCount(action)]));
  const callsSince = (before: Record<string, number>) => Object.fromEntries(CALLS.map((action) => [action, (sim.callCount(action) - before[action]!) / LIFECYCLES]));

  // --- ours, through the HTTP API -------------------------------------------------------------------------------
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${cloud.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    return (await response.json()) as Record<string, any>;
  };
  const statusOf = (id: string) => api('GET', `/clusters/${id}`).then((c) => String(c.status));
  async function ourLifecycle(index: number): Promise<number[]> {
    const { id, stackName } = (await api('POST', '/clusters', { name: `bench-${index}`, managers: 1, workers: 1 })) as { id: string; stackName: string };
    // Half a second between looks: the delay is read from the timeline's timestamps, not from when a look sees it, and
    // twenty clients looking every 50 ms were most of the embedded DynamoDB's load (the queue the events wait in).
    await until(`${id} READY`, () => statusOf(id), (s) => s === 'READY' || s === 'FAILED', 500);
    await api('DELETE', `/clusters/${id}`);
    await until(`${id} DELETED`, () => statusOf(id), (s) => s === 'DELETED' || s === 'DELETE_FAILED', 500);
    const events = (await api('GET', `/clusters/${id}/events?limit=100`)).items as { type: string; at: string }[];
    const recorded = (type: string) => Date.parse(events.find((event) => event.type === type)?.at ?? 'NaN');
    const name = stackName ?? `swarm-${id}`;
    return [recorded('cluster.ready') - finalAt.get(`${name} CREATE_COMPLETE`)!, recorded('cluster.deleted') - finalAt.get(`${name} DELETE_COMPLETE`)!];
  }

  const aws = countAwsCalls();
  const awsBefore = aws.snapshot();
  let before = callsNow();
  let transitions = cloud.stepFunctions.transitionCount();
  const oursDelays = (await pooled(LIFECYCLES, CONCURRENCY, ourLifecycle)).flat();
  await cloud.stepFunctions.idle();
  const ours: Result = { transitions: (cloud.stepFunctions.transitionCount() - transitions) / LIFECYCLES, calls: callsSince(before), delays: oursDelays };
  const oursAws = aws.since(awsBefore, LIFECYCLES);

  // --- the reference: a fixed 30 s poll loop -----------------------------------------------------------------------
  const region = cloud.deps.config.region;
  const fn = (name: string) => `arn:aws:lambda:${region}:000000000000:function:reference-${name}`;
  const observedAt = new Map<string, number>();
  const describe = async (input: { stack: { stackId: string; stackName: string; target: string } }) => {
    const stack = await cloud.deps.stacks.describeStack(region, input.stack.stackId);
    const status = stack?.status ?? 'DELETE_COMPLETE';
    const final = !status.endsWith('_IN_PROGRESS');
    if (final) observedAt.set(`${input.stack.stackName} ${status}`, Date.now());
    return { ...input.stack, status, final };
  };
  const parameters = parametersOf(clusterRequestSchema.parse({ name: 'reference', managers: 1, workers: 1 }));
  const reference = await startLocalStepFunctions({
    region,
    stateMachines: ['create', 'delete'].map((kind) => ({
      name: `reference-${kind}-poll-30s`,
      definition: readFileSync(resolve(__dirname, 'reference', `${kind}-poll-30s.asl.json`), 'utf8'),
      substitutions: { CreateStackFunctionArn: fn('createStack'), DeleteStackFunctionArn: fn('deleteStack'), DescribeStackFunctionArn: fn('describeStack') },
      taskHandlers: {
        [fn('createStack')]: async (input: any) => {
          const stackName = `reference-${input.clusterId}`;
          const stackId = await cloud.deps.stacks.createStack({ region, stackName, clientRequestToken: `create-${input.clusterId}`, parameters: templateParameters(input.clusterId, parameters), tags: {} });
          return { stackId, stackName };
        },
        [fn('deleteStack')]: async (input: any) => {
          await cloud.deps.stacks.deleteStack(region, input.stackId, `delete-${input.clusterId}`);
          return { stackId: input.stackId, stackName: input.stackName };
        },
        [fn('describeStack')]: describe as never,
      },
      waitTimeOverrides: { Wait30: (POLL_SECONDS * 1000) / COMPRESSION },
    })),
  });
  const sfn = new SFNClient({ region, endpoint: reference.endpoint });
  const run = async (machine: string, name: string, input: object) => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: reference.stateMachineArn(machine), name, input: JSON.stringify(input) }));
    const done = await until(name, () => sfn.send(new DescribeExecutionCommand({ executionArn })), (e) => e.status !== 'RUNNING', 50);
    if (done.status !== 'SUCCEEDED') throw new Error(`${name}: ${done.status} ${done.error ?? ''} ${done.cause ?? ''}`);
    return JSON.parse(done.output!) as { stack: { stackId: string; stackName: string } };
  };
  async function referenceLifecycle(): Promise<number[]> {
    const clusterId = newClusterId();
    const { stack } = await run('reference-create-poll-30s', `create-${clusterId}`, { clusterId });
    await run('reference-delete-poll-30s', `delete-${clusterId}`, { clusterId, stackId: stack.stackId, stackName: stack.stackName });
    return ['CREATE_COMPLETE', 'DELETE_COMPLETE'].map((status) => observedAt.get(`${stack.stackName} ${status}`)! - finalAt.get(`${stack.stackName} ${status}`)!);
  }
  before = callsNow();
  transitions = reference.transitionCount();
  const referenceDelays = (await pooled(LIFECYCLES, CONCURRENCY, () => referenceLifecycle())).flat();
  const ref: Result = { transitions: (reference.transitionCount() - transitions) / LIFECYCLES, calls: callsSince(before), delays: referenceDelays };
  sfn.destroy();
  await reference.close();
  await cloud.close();

  // --- the table -------------------------------------------------------------------------------------------------
  const totalCalls = (r: Result) => Object.values(r.calls).reduce((a, b) => a + b, 0);
  const row = (label: string, a: string, b: string) => console.log(`  ${label.padEnd(44)} ${a.padStart(22)} ${b.padStart(22)}`);
  const ms = (v: number) => `${Math.round(v)} ms`;
  console.log(`\n## Waiting for stacks: ${LIFECYCLES} lifecycles each, ${CONCURRENCY} at a time, 15-minute create + 5-minute delete compressed ${COMPRESSION}x\n`);
  row('', 'reference (30 s poll)', 'ours (events)');
  row('state transitions per lifecycle', ref.transitions.toFixed(1), ours.transitions.toFixed(1));
  row('CloudFormation + EC2 calls per lifecycle', totalCalls(ref).toFixed(1), totalCalls(ours).toFixed(1));
  for (const action of CALLS) row(`  ${action}`, ref.calls[action]!.toFixed(1), ours.calls[action]!.toFixed(1));
  row('final status → recorded, p50 (measured)', ms(percentile(ref.delays, 50)), ms(percentile(ours.delays, 50)));
  row('final status → recorded, p99 (measured)', ms(percentile(ref.delays, 99)), ms(percentile(ours.delays, 99)));
  row('final status → recorded, max (measured)', ms(Math.max(...ref.delays)), ms(Math.max(...ours.delays)));
  row('  the same on the real timeline, p50 / max', `${((percentile(ref.delays, 50) * COMPRESSION) / 1000).toFixed(1)} s / ${((Math.max(...ref.delays) * COMPRESSION) / 1000).toFixed(1)} s`, 'as measured');
  row('Step Functions cost per 1,000 lifecycles', `$${(ref.transitions * PRICE_PER_TRANSITION * 1000).toFixed(2)}`, `$${(ours.transitions * PRICE_PER_TRANSITION * 1000).toFixed(2)}`);
  // What the workflows and the event functions cost the other services, per lifecycle (ours only; the reference has no
  // event functions). DynamoDB reads include the bench client's own status polls through the API (one GetItem each).
  const sum = (map: Map<string, number>, keep: (action: string) => boolean) => [...map].filter(([a]) => keep(a)).reduce((t, [, n]) => t + n, 0);
  const list = (map: Map<string, number>, keep: (action: string) => boolean, unit = (n: number) => n.toFixed(1)) =>
    [...map].filter(([a]) => keep(a)).sort((a, b) => b[1] - a[1]).map(([a, n]) => `${a.replace(/^\w+\./, '')} ${unit(n)}`).join(', ');
  const isWrite = (a: string) => DYNAMODB_WRITES.has(a);
  const isSfn = (a: string) => a.startsWith('SFN.');
  console.log(`\n  ours, per lifecycle:`);
  console.log(`    DynamoDB writes ${sum(oursAws.calls, isWrite).toFixed(1)} (${list(oursAws.calls, isWrite)}), returning ${(sum(oursAws.bytes, isWrite) / 1024).toFixed(1)} KiB`);
  console.log(`    DynamoDB reads ${sum(oursAws.calls, (a) => a.startsWith('DynamoDB.') && !isWrite(a)).toFixed(1)} (with the bench's status polls)`);
  console.log(`    Step Functions calls ${sum(oursAws.calls, isSfn).toFixed(1)} (${list(oursAws.calls, isSfn)})`);
  console.log(`\n  Goals: ≤ 16 transitions and ≤ 6 CloudFormation/EC2 calls per lifecycle; recorded within 2 s (p99) locally.`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
