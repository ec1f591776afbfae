import { createSwarmClient } from '../../../packages/client/src';
import { run } from '../../../packages/swarmctl/src/main';
import { connectInstructions, connectScript } from '../../../src/domain/connect';
import { aCluster } from '../../support/clusters';
import { aClusterResource, fakeFetch, fakeTime } from '../../support/fake-fetch';

const ID = 'c-0000000000000000000000000a';
const ENV = { SWARM_API_URL: 'http://api.test', SWARM_API_KEY: 'spk_abc_secret' };
const progress = (done: number) => ({ resourcesDone: done, resourcesTotal: 36, inProgress: ['ManagerAsg'], updatedAt: '2026-11-27T12:00:01.000Z' });

function stream(isTTY = false) {
  const chunks: string[] = [];
  return { chunks, text: () => chunks.join(''), write: (s: string) => chunks.push(s) > 0, isTTY, columns: 120 };
}

async function swarmctl(argv: string[], route: Parameters<typeof fakeFetch>[0], { env = ENV, tty = false }: { env?: Record<string, string>; tty?: boolean } = {}) {
  const api = fakeFetch(route);
  const time = fakeTime();
  const stdout = stream();
  const stderr = stream(tty);
  const code = await run(argv, {
    env,
    stdout,
    stderr,
    sleep: time.sleep,
    now: time.now,
    client: (options) => createSwarmClient({ ...options, fetch: api.fetch }),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text(), sent: api.sent };
}

const creating = {
  'POST /clusters': { status: 202, body: { ...aClusterResource(), webhookSecret: 'whsec_abc' } },
};
const toReady = [
  { status: 200, body: aClusterResource({ statusReason: 'create requested' }) },
  { status: 200, body: aClusterResource({ statusReason: 'stack CREATE_IN_PROGRESS', progress: progress(10) }) },
  { status: 200, body: aClusterResource({ statusReason: 'stack CREATE_IN_PROGRESS', progress: progress(12) }) },
  // The last resource events may land a moment after READY (docs/api.md, Progress): READY still shows them all done.
  { status: 200, body: aClusterResource({ status: 'READY', statusReason: 'stack CREATE_COMPLETE; 3 managers', progress: progress(30), outputs: { DefaultDNSTarget: 'demo-elb.example.com' } }) },
];

describe('swarmctl create', () => {
  it('--wait off a terminal: one line per stage on stderr, the outcome on stdout, exit 0 at READY', async () => {
    const { code, stdout, stderr, sent } = await swarmctl(['create', 'demo', '--wait'], { ...creating, [`GET /clusters/${ID}`]: toReady });

    expect(code).toBe(0);
    expect(sent[0]!.body).toEqual({ name: 'demo' });
    const stages = stderr.split('\n').filter((line) => line.includes(' demo CREATING') || line.includes(' demo READY'));
    // Two reads in the same stage and quarter of the resources print one line.
    expect(stages).toHaveLength(3);
    expect(stages[1]).toContain('CREATING: stack CREATE_IN_PROGRESS (10/36 resources)');
    expect(stages[2]).toContain('READY: stack CREATE_COMPLETE; 3 managers (36/36 resources)');
    expect(stdout).toBe('demo is READY: stack CREATE_COMPLETE; 3 managers\nDNS target: demo-elb.example.com\n');
  });

  it('--wait off a terminal also marks each quarter of the resources within one stage', async () => {
    const stage = (done: number) => ({ status: 200, body: aClusterResource({ statusReason: 'creating the CloudFormation stack', progress: progress(done) }) });
    const { stderr } = await swarmctl(['create', 'demo', '--wait'], { ...creating, [`GET /clusters/${ID}`]: [stage(0), stage(5), stage(9), stage(18), stage(20), toReady[3]!] });

    expect(stderr.match(/\(\d+\/36 resources\)/g)).toEqual(['(0/36 resources)', '(9/36 resources)', '(18/36 resources)', '(36/36 resources)']);
  });

  it('--wait on a terminal draws a bar of resources done / total with the stage', async () => {
    const { code, stderr } = await swarmctl(['create', 'demo', '--wait'], { ...creating, [`GET /clusters/${ID}`]: toReady }, { tty: true });

    expect(code).toBe(0);
    expect(stderr).toContain('10/36 resources | CREATING: stack CREATE_IN_PROGRESS [ManagerAsg]');
    expect(stderr).toContain('36/36 resources | READY: stack CREATE_COMPLETE');
  });

  it('--output json prints one parseable document: the READY cluster with its webhook secret', async () => {
    const { code, stdout } = await swarmctl(['create', 'demo', '--wait', '-o', 'json'], { ...creating, [`GET /clusters/${ID}`]: toReady });

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ id: ID, status: 'READY', webhookSecret: 'whsec_abc' });
  });

  it('sends only the options given, named as the API names them', async () => {
    const { code, sent } = await swarmctl(
      ['create', 'big', '--workers', '12', '--managers', '5', '--instance-type', 'm6i.large', '--worker-disk-size', '100', '--tag', 'team=data', '--tag', 'env=dev', '--webhook', 'https://hooks.example.com/x', '--webhook-events', 'cluster.ready, cluster.failed', '--no-cloudwatch-logs', '--auto-repair', '--idempotency-key', 'k-1'],
      creating,
    );

    expect(code).toBe(0);
    expect(sent[0]!.headers['idempotency-key']).toBe('k-1');
    expect(sent[0]!.body).toEqual({
      name: 'big',
      managers: 5,
      workers: 12,
      managerInstanceType: 'm6i.large',
      workerInstanceType: 'm6i.large',
      workerDiskSizeGb: 100,
      tags: { team: 'data', env: 'dev' },
      enableCloudWatchLogs: false,
      autoRepair: true,
      webhook: { url: 'https://hooks.example.com/x', events: ['cluster.ready', 'cluster.failed'] },
    });
  });

  it('exits 1 with the reason when the create ends FAILED (a rollback)', async () => {
    const failed = aClusterResource({ status: 'FAILED', statusReason: 'ManagerAsg CREATE_FAILED: Resource handler returned message' });
    const { code, stdout, stderr } = await swarmctl(['create', 'doomed', '--wait', '-o', 'json'], { ...creating, [`GET /clusters/${ID}`]: [{ status: 200, body: aClusterResource() }, { status: 200, body: failed }] });

    expect(code).toBe(1);
    expect(stderr).toContain('swarmctl: demo is FAILED: ManagerAsg CREATE_FAILED');
    expect(JSON.parse(stdout)).toMatchObject({ status: 'FAILED' });
  });

  it('exits 3 when --timeout passes first', async () => {
    const { code, stderr } = await swarmctl(['create', 'demo', '--wait', '--timeout', '10'], { ...creating, [`GET /clusters/${ID}`]: { status: 200, body: aClusterResource() } });

    expect(code).toBe(3);
    expect(stderr).toContain('timed out after 10000 ms');
  });

  it('exits 1 with the fields a 422 names', async () => {
    const { code, stdout, stderr } = await swarmctl(['create', 'demo', '--managers', '2', '-o', 'json'], {
      'POST /clusters': { status: 422, body: { type: 'about:blank', title: 'Unprocessable Content', status: 422, detail: 'The request is not valid', errors: [{ field: 'managers', message: 'must be 1, 3 or 5' }] } },
    });

    expect(code).toBe(1);
    expect(stderr).toContain('managers: must be 1, 3 or 5');
    expect(JSON.parse(stdout)).toMatchObject({ status: 422, errors: [{ field: 'managers' }] });
  });
});

describe('swarmctl usage errors (exit 2, nothing sent)', () => {
  it.each([
    [['create'], 'missing required argument'],
    [['create', 'demo', '--workers', 'five'], 'not a whole number'],
    [['scale', 'demo'], "required option '--workers <n>' not specified"],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['list', '-o', 'yaml'], 'Allowed choices are text, json'],
  ])('%j', async (argv, message) => {
    const { code, stderr, sent } = await swarmctl(argv, {});

    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(sent).toEqual([]);
  });

  it('without SWARM_API_URL', async () => {
    const { code, stderr } = await swarmctl(['list'], {}, { env: {} });

    expect(code).toBe(2);
    expect(stderr).toContain('SWARM_API_URL is not set');
  });

  it('--help exits 0', async () => {
    const { code, stdout } = await swarmctl(['--help'], {});

    expect(code).toBe(0);
    expect(stdout).toContain('Usage: swarmctl');
  });
});

describe('swarmctl by name', () => {
  const listing = {
    'GET /clusters': {
      status: 200,
      body: { items: [aClusterResource({ id: 'c-0000000000000000000000000b', name: 'demo', status: 'DELETED' }), aClusterResource({ name: 'demo', status: 'READY' }), aClusterResource({ id: 'c-0000000000000000000000000c', name: 'other' })] },
    },
  };

  it('get NAME finds the live cluster of that name, not a deleted one', async () => {
    const { code, stdout, sent } = await swarmctl(['get', 'demo'], { ...listing, [`GET /clusters/${ID}`]: { status: 200, body: aClusterResource({ status: 'READY', statusReason: 'stack CREATE_COMPLETE' }) } });

    expect(code).toBe(0);
    expect(sent.map((r) => r.url.pathname)).toEqual(['/clusters', `/clusters/${ID}`]);
    expect(stdout).toContain('status:    READY');
  });

  it('an unknown name exits 1', async () => {
    const { code, stderr } = await swarmctl(['nodes', 'nope'], listing);

    expect(code).toBe(1);
    expect(stderr).toContain('no cluster named nope');
  });
});

describe('swarmctl plan, list, nodes, events, deliveries, delete, scale', () => {
  const plan = {
    dryRun: true,
    cluster: { name: 'demo', managers: 3, workers: 5 },
    quota: {},
    resources: [{ type: 'AWS::EC2::VPC', count: 1 }, { type: 'AWS::AutoScaling::AutoScalingGroup', count: 2 }],
    estimate: { currency: 'USD', hourly: 0.2, monthly: 146, lines: [{ item: '8 × t3.small', hourly: 0.1664, monthly: 121.47 }], source: 'AWS price list', priceDate: '2026-11-01' },
  };

  it('plan asks for a dry run and prints the resources and the estimate', async () => {
    const { code, stdout, sent } = await swarmctl(['plan', 'demo', '--workers', '5'], { 'POST /clusters': { status: 200, body: plan } });

    expect(code).toBe(0);
    expect(sent[0]!.url.search).toBe('?dryRun=true');
    expect(sent[0]!.body).toEqual({ name: 'demo', workers: 5 });
    expect(stdout).toMatch(/AWS::AutoScaling::AutoScalingGroup\s+2/);
    expect(stdout).toMatch(/total\s+\$0\.2000\s+\$146\.00/);
    expect(stdout).toContain('from AWS price list (2026-11-01)');
  });

  it('plan -o json is the API’s answer', async () => {
    const { stdout } = await swarmctl(['-o', 'json', 'plan', 'demo'], { 'POST /clusters': { status: 200, body: plan } });

    expect(JSON.parse(stdout)).toEqual(plan);
  });

  it('list pages through the listing and prints a table', async () => {
    const { code, stdout, sent } = await swarmctl(['list'], {
      'GET /clusters': [
        { status: 200, body: { items: [aClusterResource({ status: 'READY' })], nextCursor: 'p2' } },
        { status: 200, body: { items: [aClusterResource({ id: 'c-0000000000000000000000000b', name: 'blue' })] } },
      ],
    });

    expect(code).toBe(0);
    expect(sent[1]!.url.searchParams.get('cursor')).toBe('p2');
    expect(stdout.split('\n')[0]).toMatch(/^NAME\s+ID\s+STATUS/);
    expect(stdout).toContain('blue');
  });

  it('nodes prints one row per instance', async () => {
    const { stdout } = await swarmctl(['nodes', ID], {
      [`GET /clusters/${ID}/nodes`]: { status: 200, body: { items: [{ instanceId: 'i-1', role: 'manager', availabilityZone: 'us-east-1a', state: 'running', privateIp: '10.0.0.1' }] } },
    });

    expect(stdout).toMatch(/manager\s+us-east-1a\s+running\s+i-1/);
  });

  it('connect prints the API’s commands exactly as the server lays them out for Slack; -o json the raw answer', async () => {
    // Prepare: the answer the route gives for a READY cluster with one running manager.
    const answer = connectInstructions(aCluster({ id: ID, status: 'READY', nodes: [{ instanceId: 'i-0abc', role: 'manager', availabilityZone: 'us-east-1a', state: 'running' }] }));
    const route = { [`GET /clusters/${ID}/connect`]: { status: 200, body: answer } };

    // Act
    const text = await swarmctl(['connect', ID], route);
    const json = await swarmctl(['connect', ID, '-o', 'json'], route);

    // Assess
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(`${connectScript(answer)}\n`);
    expect(JSON.parse(json.stdout)).toEqual(answer);
  });

  it('events --follow prints each new event once, until the cluster settles', async () => {
    const event = (n: number) => ({ at: `2026-11-27T12:00:0${n}.000Z`, type: `step.${n}`, message: `step ${n}` });
    const { code, stdout } = await swarmctl(['events', ID, '--follow', '-o', 'json'], {
      [`GET /clusters/${ID}`]: [{ status: 200, body: aClusterResource() }, { status: 200, body: aClusterResource() }, { status: 200, body: aClusterResource({ status: 'READY' }) }],
      [`GET /clusters/${ID}/events`]: [
        { status: 200, body: { items: [event(1)] } },
        { status: 200, body: { items: [event(1), event(2)] } },
        { status: 200, body: { items: [event(1), event(2), event(3)] } },
      ],
    });

    expect(code).toBe(0);
    expect(stdout.trim().split('\n').map((line) => JSON.parse(line).type)).toEqual(['step.1', 'step.2', 'step.3']);
  });

  it('deliveries and redeliver', async () => {
    const delivery = { id: 'd-1', event: 'cluster.ready', status: 'failed', statusReason: 'endpoint answered 500', round: 1, attempts: [{}, {}] };
    const listed = await swarmctl(['deliveries', ID], { [`GET /clusters/${ID}/deliveries`]: { status: 200, body: { items: [delivery] } } });
    const again = await swarmctl(['redeliver', ID, 'd-1'], { [`POST /clusters/${ID}/deliveries/d-1/redeliver`]: { status: 202, body: { ...delivery, status: 'pending', statusReason: 'redelivery requested (round 2)', round: 2 } } });

    expect(listed.stdout).toMatch(/d-1\s+cluster\.ready\s+failed\s+1\s+2\s+endpoint answered 500/);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('d-1 cluster.ready pending: redelivery requested (round 2)\n');
  });

  it('delete --wait exits 0 at DELETED', async () => {
    const { code, stdout } = await swarmctl(['delete', ID, '--wait'], {
      [`DELETE /clusters/${ID}`]: { status: 202, body: aClusterResource({ status: 'DELETING' }) },
      [`GET /clusters/${ID}`]: [{ status: 200, body: aClusterResource({ status: 'DELETING' }) }, { status: 200, body: aClusterResource({ status: 'DELETED', statusReason: 'stack deleted and 8 instances terminated' }) }],
    });

    expect(code).toBe(0);
    expect(stdout).toBe('demo is DELETED: stack deleted and 8 instances terminated\n');
  });

  it('scale --wait exits 1 with the reason when the update rolled back', async () => {
    const update = { id: 'u3', operation: 'scale' as const, target: { workers: 50 }, previous: { workers: 5 }, requestedAt: '2026-11-27T12:00:00.000Z', requestedBy: 'alice' };
    const { code, stderr, sent } = await swarmctl(['scale', ID, '--workers', '50', '--wait'], {
      [`PATCH /clusters/${ID}`]: { status: 202, body: aClusterResource({ status: 'UPDATING', update }) },
      [`GET /clusters/${ID}`]: {
        status: 200,
        body: aClusterResource({ status: 'READY', statusReason: 'scale rolled back', update, lastUpdate: { id: 'u3', operation: 'scale', outcome: 'rolled_back', reason: 'WorkerAsg: insufficient capacity', endedAt: '2026-11-27T12:05:00.000Z' } }),
      },
    });

    expect(sent[0]!.body).toEqual({ workers: 50 });
    expect(code).toBe(1);
    expect(stderr).toContain('swarmctl: scale rolled back: WorkerAsg: insufficient capacity');
  });
});

describe('swarmctl and the network', () => {
  it('an unreachable API exits 1 naming the URL and why, after the client’s retries', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3000'), { code: 'ECONNREFUSED' }) });
    const { code, stderr, sent } = await swarmctl(['list'], { 'GET /clusters': refused });

    expect(code).toBe(1);
    expect(stderr).toBe('swarmctl: cannot reach http://api.test: ECONNREFUSED\n');
    expect(sent).toHaveLength(4);
  });
});
