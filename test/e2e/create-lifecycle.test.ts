/**
 * End to end on the local cloud, over HTTP: the same handlers, the real ASL, the embedded DynamoDB and the simulated
 * CloudFormation + EC2, with a webhook receiver on loopback that verifies signatures.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { createSwarmClient, SwarmApiError, type ClusterRequest, type ClusterStatus, type SwarmClient } from '../../packages/client/src';
import { startLocalCloud, type LocalCloud } from '../../sandbox/local-cloud';
import { callJson } from '../support/local-api';
import { eventually, startWebhookReceiver } from '../support/webhook-receiver';

let cloud: LocalCloud;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
/** The typed client, as a service calling us would use it (the open sandbox: no credentials). */
let swarm: SwarmClient;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  cloud = await startLocalCloud({ timeScale: 0.1 });
  swarm = createSwarmClient({ baseUrl: cloud.url });
});

afterAll(async () => {
  await cloud.stepFunctions.idle();
  await cloud.close();
  await receiver.close();
});

/** Raw HTTP where a test is about the wire: ten concurrent requests with one key (the client would retry their 409s), a media type, the served document. */
const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => callJson(cloud.url, method, path, body, headers);

/** Created with the client and waited for with its waitFor (a deadline; a status not asked for throws). */
async function createAndWait(request: ClusterRequest, until: ClusterStatus[]) {
  const created = await swarm.createCluster(request);
  if (created.webhookSecret) receiver.expectSecret(created.id, created.webhookSecret);
  const cluster = await swarm.waitFor(created.id, until, { timeoutMs: 30_000, intervalMs: 100 });
  return { created, cluster };
}

describe('create lifecycle on the local cloud', () => {
  it('creates a default cluster: READY with outputs, 3 managers + 5 workers over 3 AZs, and a verified webhook', async () => {
    const { created, cluster } = await createAndWait({ name: 'demo', webhook: { url: receiver.url } }, ['READY']);

    expect(created.links.self).toBe(`/clusters/${created.id}`);
    expect(cluster.status).toBe('READY');
    expect(Object.keys(cluster.outputs)).toEqual(expect.arrayContaining(['DefaultDNSTarget', 'ZoneAvailabilityComment', 'Managers', 'VPCID']));
    const nodes = (await swarm.listNodes(cluster.id)).items;
    expect(nodes.filter((n) => n.role === 'manager')).toHaveLength(3);
    expect(nodes.filter((n) => n.role === 'worker')).toHaveLength(5);
    expect(new Set(nodes.map((n) => n.availabilityZone)).size).toBe(3);
    expect(new Set(nodes.filter((n) => n.role === 'manager').map((n) => n.availabilityZone)).size).toBe(3);
    for (const node of nodes) expect(node).toMatchObject({ state: 'running', privateIp: expect.any(String) });
    // Diagnostics on request: 202 at once with the request; the collector function (an event on the local bus) reads
    // the nodes' console output and, through the simulated Run Command, the swarm's view; GET shows them ready.
    const requested = await api('POST', `/clusters/${cluster.id}/diagnostics`);
    expect(requested.status).toBe(202);
    expect(requested.headers.get('location')).toBe(`/clusters/${cluster.id}/diagnostics`);
    expect(requested.body).toMatchObject({ status: 'collecting', request: { id: expect.any(String) } });
    const diagnostics = await eventually(() => api('GET', `/clusters/${cluster.id}/diagnostics`), (r) => r.body?.status !== 'collecting', 20_000);
    expect(diagnostics.body).toMatchObject({ status: 'ready', trigger: 'requested', request: requested.body!.request });
    expect(diagnostics.body!.swarm).toMatchObject({ status: 'Success', output: expect.stringContaining('Managers: 3') });
    expect(diagnostics.body!.swarm.output).toContain('Nodes: 8');
    expect(diagnostics.body!.nodes[0].consoleOutput).toContain('--token [REDACTED]');

    const webhook = await eventually(async () => receiver.received.find((w) => w.payload.data.cluster.id === cluster.id), (w) => w !== undefined);
    expect(webhook!.payload.type).toBe('cluster.ready');
    expect(webhook!.headers['webhook-id']).toMatch(/^msg_/);
    expect(receiver.rejected).toEqual([]);

    // The delivery is recorded once the receiver has answered, so the timeline may lag the webhook a little.
    const events = await eventually(
      async () => (await swarm.listEvents(cluster.id)).items,
      // And the last quarter's entry, which the last resource events write, possibly just after READY (below).
      (items) => items.some((e) => e.type === 'webhook.delivered') && items.some((e) => e.type === 'stack.progress' && e.message.startsWith('stack 100% created')),
    );
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['cluster.requested', 'stack.create_started', 'cluster.ready', 'webhook.delivered']));
    expect(JSON.stringify(events)).not.toContain('whsec_');
    // The resource events drew the progress: every resource the template creates, done, with one entry per quarter.
    // Each event is handled on its own (as EventBridge invokes a function per event, in no order), and the resources
    // are recorded apart from the cluster item, so the last completions may land just after READY: read it again
    // until they have (within the deadline), rather than in the same GET that saw READY.
    const progress = (await eventually(() => swarm.getCluster(cluster.id), (c) => c.progress?.inProgress.length === 0, 10_000)).progress!;
    expect(progress).toMatchObject({ resourcesDone: progress.resourcesTotal, inProgress: [] });
    expect(progress.resourcesTotal).toBeGreaterThan(20);
    expect(events.filter((e) => e.type === 'stack.progress').map((e) => e.message).at(-1)).toMatch(/^stack 100% created/);
    // Resumed by the stack's own event: the safety net never had to look.
    expect(events.map((e) => e.message)).toContain('stack CREATE_COMPLETE');
  });

  it('a lost final event (events-drop-final): the safety net looks once, sees CREATE_COMPLETE, and the cluster is READY', async () => {
    const { cluster } = await createAndWait({ name: 'quiet', workers: 1, webhook: { url: receiver.url }, tags: { 'swarm-sim:fault': 'events-drop-final' } }, ['READY']);

    expect(cluster.status).toBe('READY');
    const events = (await swarm.listEvents(cluster.id)).items;
    expect(events.map((e) => e.message)).toContain('stack CREATE_COMPLETE (seen by the safety net)');
    expect(events.filter((e) => e.type === 'cluster.ready')).toHaveLength(1);
  });

  it('an injected rollback ends FAILED with the failing resource, the failed stack deleted, and cluster.failed', async () => {
    const { cluster } = await createAndWait({ name: 'doomed', webhook: { url: receiver.url }, tags: { 'swarm-sim:fault': 'rollback' } }, ['FAILED']);

    expect(cluster.status).toBe('FAILED');
    expect(cluster.statusReason).toMatch(/ManagerAsg .*CREATE_FAILED/);
    // The cause from the failed node's console output, and the diagnostics it came from, redacted and linked.
    expect(cluster.statusReason).toMatch(/node log i-[0-9a-f]+: .*Error response from daemon: Timeout was reached before node joined/);
    const diagnostics = await api('GET', `/clusters/${cluster.id}/diagnostics`);
    expect(diagnostics.status).toBe(200);
    expect(diagnostics.body!.trigger).toBe('create-failed');
    expect(diagnostics.body!.cause).toMatch(/Timeout was reached before node joined/);
    expect(diagnostics.body!.nodes.length).toBeGreaterThan(0);
    expect(JSON.stringify(diagnostics.body)).not.toMatch(/SWMTKN-1|ASIA[A-Z0-9]{16}/);
    const timeline = (await swarm.listEvents(cluster.id)).items;
    expect(timeline.find((e) => e.type === 'diagnostics.collected')?.details).toMatchObject({ href: `/clusters/${cluster.id}/diagnostics` });
    const webhook = await eventually(async () => receiver.received.find((w) => w.payload.data.cluster.id === cluster.id), (w) => w !== undefined);
    expect(webhook!.payload.type).toBe('cluster.failed');
    expect(webhook!.payload.data.cluster.statusReason).toMatch(/ManagerAsg/);

    const cfn = new CloudFormationClient({ region: 'us-east-1' });
    const stack = await eventually(
      () => cfn.send(new DescribeStacksCommand({ StackName: cluster.stackId })).then((r) => r.Stacks?.[0]?.StackStatus),
      (status) => status === 'DELETE_COMPLETE',
    );
    expect(stack).toBe('DELETE_COMPLETE');
    cfn.destroy();
  });

  it('a create execution stopped from outside ends FAILED through the execution-ended backstop, with cluster.failed', async () => {
    const created = await swarm.createCluster({ name: 'stopped', workers: 0, webhook: { url: receiver.url } });
    receiver.expectSecret(created.id, created.webhookSecret!);
    // Stopped between steps (while it waits on the stack): a stop while a step is writing the record races that
    // write, and the local stand-in for EventBridge does not retry the backstop as AWS would.
    await eventually(
      async () => (await swarm.listEvents(created.id)).items,
      (items) => items.some((e) => e.type === 'stack.create_started'),
    );
    // The local cloud's Step Functions (startLocalCloud set AWS_ENDPOINT_URL_SFN).
    const sfn = new SFNClient({ region: 'us-east-1' });
    await sfn.send(new StopExecutionCommand({ executionArn: created.createExecutionArn }));
    sfn.destroy();

    // No state of the workflow records an outcome after a stop: only the backstop can, reached through the local event
    // bus by the rule serverless.yml deploys (its pattern names the create and delete state machines).
    const cluster = await swarm.waitFor(created.id, 'FAILED', { timeoutMs: 30_000, intervalMs: 100 });
    expect(cluster.status).toBe('FAILED');
    expect(cluster.statusReason).toMatch(/^the create workflow stopped while the workflow was aborted/);
    const webhook = await eventually(async () => receiver.received.find((w) => w.payload.data.cluster.id === cluster.id), (w) => w !== undefined);
    expect(webhook!.payload.type).toBe('cluster.failed');
  });

  it('rides out CloudFormation throttling and still reaches READY', async () => {
    const { cluster } = await createAndWait({ name: 'throttled', workers: 1, tags: { 'swarm-sim:fault': 'throttle' } }, ['READY']);
    expect(cluster.status).toBe('READY');
    expect(cluster.nodes).toHaveLength(4);
  });

  it('one cluster for the same Idempotency-Key, replayed byte for byte', async () => {
    const headers = { 'idempotency-key': 'e2e-key' };
    const responses = await Promise.all(Array.from({ length: 10 }, () => api('POST', '/clusters', { name: 'once' }, headers)));
    const accepted = responses.filter((r) => r.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(responses.every((r) => r.status === 202 || r.status === 409)).toBe(true);
    expect(new Set(accepted.map((r) => r.body!.id)).size).toBe(1);
    expect(accepted[0]!.headers.get('location')).toBe(`/clusters/${accepted[0]!.body!.id as string}`);
    const replay = await api('POST', '/clusters', { name: 'once' }, headers);
    expect(replay.body).toEqual(accepted[0]!.body);
    const listing = (await swarm.listClusters({ limit: 100 })).items;
    expect(listing.filter((c) => c.name === 'once')).toHaveLength(1);
  });

  it('refuses bad input with problem+json and starts nothing', async () => {
    const before = (await swarm.listClusters({ limit: 100 })).items.length;
    const refused = await swarm.createCluster({ name: 'demo', managers: 2 as 3 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SwarmApiError);
    expect((refused as SwarmApiError).status).toBe(422);
    expect((refused as SwarmApiError).problem.errors).toEqual([{ field: 'managers', message: 'must be 1, 3 or 5' }]);
    // The media type, which the client does not surface.
    const response = await api('POST', '/clusters', { name: 'demo', managers: 2 });
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect((await swarm.listClusters({ limit: 100 })).items.length).toBe(before);
  });

  it('serves the OpenAPI 3.1 document generated from the request schemas', async () => {
    const document = (await api('GET', '/openapi.json')).body!;
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.schemas.ClusterRequest.properties.managers.default).toBe(3);
    expect(document.components.schemas.ClusterRequest.additionalProperties).toBe(false);
  });
});
