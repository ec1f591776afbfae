/**
 * Diagnostics on request, in two halves: the POST records the request and hands it over (requestDiagnostics), the
 * collector carries it out (collectRequestedDiagnostics). Against the embedded DynamoDB, whose conditional writes
 * make a second POST while one collects answer with the same request. The collector runs at least once per event
 * (EventBridge's and Lambda's retries of an asynchronous invocation: "Asynchronous invocation",
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html), so a redelivery must do nothing.
 */
import { buildDiagnosticsStore } from '../../../src/adapters/dynamodb/diagnostics-store';
import type { Cluster } from '../../../src/domain/cluster';
import { COLLECTION_LOST_AFTER_MS, type DiagnosticsJob } from '../../../src/domain/diagnostics';
import { ConflictError, TransientAwsError } from '../../../src/domain/errors';
import { collectRequestedDiagnostics, requestDiagnostics } from '../../../src/use-cases/cluster-diagnostics';
import type { NodeCommands } from '../../../src/use-cases/ports';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeInstances } from '../../support/fakes';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const MANAGER = { instanceId: 'i-0man', role: 'manager' as const, availabilityZone: 'us-east-1a', state: 'running' };

async function requested(overrides: Partial<Cluster>, options: { handOver?: (job: DiagnosticsJob) => Promise<void> } = {}) {
  const cluster = aCluster({ nodes: [MANAGER, { ...MANAGER, instanceId: 'i-0wrk', role: 'worker' }], ...overrides });
  await db.store.create(cluster);
  const runs: { instanceId: string; commands: string[] }[] = [];
  const jobs: DiagnosticsJob[] = [];
  const nodeCommands: NodeCommands = {
    run: async (_region, instanceId, commands) => {
      runs.push({ instanceId, commands });
      return { instanceId, status: 'Success', output: 'Swarm: active\n  Managers: 1\njoin with token=SWMTKN-1-secret' };
    },
  };
  const clock = fixedClock();
  let ids = 0;
  const diagnostics = buildDiagnosticsStore(db.documents, 'clusters');
  const post = () =>
    requestDiagnostics(
      { store: db.store, diagnostics, clock, newRequestId: () => `req-${++ids}`, requests: options.handOver ?? (async (job) => void jobs.push(job)) },
      { caller: cluster.owner, id: cluster.id },
    );
  const collect = (job: DiagnosticsJob) =>
    collectRequestedDiagnostics(
      { store: db.store, clock, diagnostics, instances: fakeInstances([{ instanceId: 'i-0man' }]).inventory, consoleOutput: { consoleOutput: async () => 'cloud-init finished' }, nodeCommands },
      job,
    );
  return { cluster, runs, jobs, clock, post, collect, stored: () => diagnostics.get(cluster.id) };
}

describe('POST /clusters/{id}/diagnostics: the request', () => {
  it('records the request as collecting and hands it over, without reading any node', async () => {
    const { cluster, runs, jobs, post, stored } = await requested({ status: 'READY' });

    const answer = await post();

    expect(answer).toEqual({ clusterId: cluster.id, status: 'collecting', request: { id: 'req-1', requestedAt: expect.any(String) }, nodes: [] });
    expect(jobs).toEqual([{ clusterId: cluster.id, requestId: 'req-1' }]);
    expect(runs).toEqual([]);
    expect(await stored()).toEqual(answer);
  });

  it('a second POST while one collects answers with the same request and hands nothing over', async () => {
    const { jobs, post } = await requested({ status: 'READY' });

    const first = await post();
    const second = await post();

    expect(second.request).toEqual(first.request);
    expect(jobs).toHaveLength(1);
  });

  it('two POSTs at once record one request', async () => {
    const { jobs, post } = await requested({ status: 'READY' });

    const answers = await Promise.all([post(), post(), post()]);

    expect(new Set(answers.map((a) => a.request?.id)).size).toBe(1);
    expect(jobs).toHaveLength(1);
  });

  it('a request collecting for longer than COLLECTION_LOST_AFTER_MS is taken as lost: the next POST starts another', async () => {
    const { jobs, post, clock } = await requested({ status: 'READY' });

    await post();
    clock.advance(COLLECTION_LOST_AFTER_MS + 1000);
    const again = await post();

    expect(again.request?.id).toBe('req-2');
    expect(jobs.map((j) => j.requestId)).toEqual(['req-1', 'req-2']);
  });

  it('a hand-over that fails marks the request failed, so the next POST starts a new one at once', async () => {
    let fail = true;
    const jobs: DiagnosticsJob[] = [];
    const { post, stored } = await requested(
      { status: 'READY' },
      {
        handOver: async (job) => {
          if (fail) throw new TransientAwsError('PutEvents refused the diagnostics request event: ThrottlingException');
          jobs.push(job);
        },
      },
    );

    await expect(post()).rejects.toBeInstanceOf(TransientAwsError);
    expect(await stored()).toMatchObject({ status: 'failed', request: { id: 'req-1', error: expect.any(String) } });
    fail = false;
    expect((await post()).request?.id).toBe('req-2');
    expect(jobs.map((j) => j.requestId)).toEqual(['req-2']);
  });

  it('refuses a cluster that is not READY or FAILED', async () => {
    const { post, jobs } = await requested({ status: 'UPDATING' });

    await expect(post()).rejects.toBeInstanceOf(ConflictError);
    expect(jobs).toEqual([]);
  });
});

describe('the collector', () => {
  it('on a READY cluster: console output and docker info / docker node ls from a running manager, redacted, stored ready with the request', async () => {
    const { cluster, runs, jobs, post, collect, stored } = await requested({ status: 'READY' });
    await post();

    await collect(jobs[0]!);

    expect(runs).toEqual([{ instanceId: 'i-0man', commands: ['docker info', 'docker node ls'] }]);
    const diagnostics = await stored();
    expect(diagnostics).toMatchObject({ clusterId: cluster.id, status: 'ready', trigger: 'requested', request: { id: 'req-1' } });
    expect(diagnostics?.swarm).toEqual({ instanceId: 'i-0man', status: 'Success', output: 'Swarm: active\n  Managers: 1\njoin with token=[REDACTED]', truncated: false });
    expect(diagnostics?.nodes).toEqual([{ instanceId: 'i-0man', consoleOutput: 'cloud-init finished', truncated: false }]);
  });

  it('on a FAILED cluster: console output only (no manager to ask)', async () => {
    const { runs, jobs, post, collect, stored } = await requested({ status: 'FAILED' });
    await post();

    await collect(jobs[0]!);

    expect(runs).toEqual([]);
    expect(await stored()).toMatchObject({ status: 'ready' });
    expect((await stored())?.swarm).toBeUndefined();
  });

  it('a redelivered event does nothing: the request is no longer collecting', async () => {
    const { runs, jobs, post, collect } = await requested({ status: 'READY' });
    await post();
    await collect(jobs[0]!);

    const again = await collect(jobs[0]!);

    expect(again).toBeUndefined();
    expect(runs).toHaveLength(1);
  });

  it('an event for a request that was never recorded does nothing', async () => {
    const { cluster, runs, collect, stored } = await requested({ status: 'READY' });

    expect(await collect({ clusterId: cluster.id, requestId: 'forged' })).toBeUndefined();
    expect(runs).toEqual([]);
    expect(await stored()).toBeUndefined();
  });

  it('a cluster that moved on (now DELETING) fails the request with why, reading no node', async () => {
    const { cluster, runs, jobs, post, collect, stored } = await requested({ status: 'READY' });
    await post();
    const current = (await db.store.get(cluster.id))!;
    await db.store.update(current, { status: 'DELETING' });

    await collect(jobs[0]!);

    expect(runs).toEqual([]);
    expect(await stored()).toMatchObject({ status: 'failed', request: { id: 'req-1', error: expect.stringContaining('DELETING') } });
  });
});
