/**
 * The slash command's worker on the embedded DynamoDB: the HTTP API's use cases, as the Slack user's principal, with
 * answers in plain words; and the response_url poster, which only ever calls Slack (or loopback, locally).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { isAllowedResponseUrl, buildSlackResponder } from '../../src/adapters/slack/responder';
import { buildWorkflowStarter } from '../../src/adapters/stepfunctions/workflow-starter';
import { CHAT_COMMAND_RECEIVED, type ChatMessage } from '../../src/domain/chatops';
import { connectInstructions, connectScript } from '../../src/domain/connect';
import { slackWorkerHandler, type ChatCommandEvent } from '../../src/handlers/chatops/slack-worker';
import type { Cluster } from '../../src/domain/cluster';
import { requestClusterDeletion } from '../../src/use-cases/request-cluster-deletion';
import { requestClusterUpdate } from '../../src/use-cases/request-cluster-update';
import { runChatCommand, type ChatCommandJob, type RunChatCommandDeps } from '../../src/use-cases/run-chat-command';
import { aCluster } from '../support/clusters';
import { fixedClock, startTestDynamoDB } from '../support/dynamodb';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:create-cluster';
const DELETE_STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:delete-cluster';
const UPDATE_STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:update-cluster';
const sfn = mockClient(SFNClient);
let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
let posts: { url: string; message: ChatMessage }[];
let user = 0;
let trigger = 0;

beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());
beforeEach(() => {
  posts = [];
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => ({
    executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`,
    startDate: new Date(),
  }));
  sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
});

const workflows = () => buildWorkflowStarter(new SFNClient({ region: 'us-east-1' }), { create: STATE_MACHINE, delete: DELETE_STATE_MACHINE, update: UPDATE_STATE_MACHINE });
const announced: Cluster[] = [];

function deps(overrides: Partial<RunChatCommandDeps> = {}, maxInstances = 100): RunChatCommandDeps {
  return {
    store: db.store,
    respond: async (url, message) => Boolean(posts.push({ url, message })),
    // The worker's wiring (handlers/chatops/slack-worker.ts): DELETE /clusters/{id}'s use case, as the Slack user.
    deleteCluster: (caller, id, followUp) =>
      requestClusterDeletion(
        { store: db.store, workflows: workflows(), clock: fixedClock(), quotas: db.quotas, followUps: { announce: async (c) => void announced.push(c) } },
        { caller, id, followUp },
      ),
    // The worker's wiring: the PATCH / upgrade / hibernate / wake use case, as the Slack user.
    updateCluster: async (caller, id, request, followUp) =>
      (
        await requestClusterUpdate(
          { store: db.store, workflows: workflows(), clock: fixedClock(), quotas: db.quotas, quotaLimits: { maxActiveClusters: 5, maxInstances } },
          { caller, id, request, followUp },
        )
      ).cluster,
    create: {
      store: db.store,
      workflows: workflows(),
      clock: fixedClock(),
      defaultRegion: 'us-east-1',
      allowedRegions: ['us-east-1'],
      checkWebhookUrl: () => undefined,
      newWebhookSecret: () => 'whsec_x',
      createExecutionPrefix: STATE_MACHINE.replace(':stateMachine:', ':execution:'),
      quotas: db.quotas,
      quotaLimits: { maxActiveClusters: 5, maxInstances },
    },
    plan: {
      clock: fixedClock(),
      defaultRegion: 'us-east-1',
      allowedRegions: ['us-east-1'],
      checkWebhookUrl: () => undefined,
      quotas: db.quotas,
      quotaLimits: { maxActiveClusters: 5, maxInstances },
    },
    ...overrides,
  };
}

const job = (text: ChatCommandJob['command'], userId = `U${++user}`): ChatCommandJob => ({
  owner: `slack:T0001:${userId}`,
  userId,
  triggerId: `13345224609.${++trigger}.8088930838d88f008e0`,
  command: text,
  responseUrl: 'https://hooks.slack.com/commands/T0001/1/abc',
});

describe('slash commands, run by the worker', () => {
  it('creates one cluster when EventBridge delivers the same command event twice (its delivery and Lambda’s invocation are retried)', async () => {
    // Prepare: the event as the worker's rule delivers it, in EventBridge's envelope ("Event structure reference":
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html). A delivery that failed is
    // retried for up to 24 hours ("How EventBridge retries delivering events":
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html), so the same event can arrive again.
    const request = job({ verb: 'create', name: 'twice', options: { workers: '1' } });
    const event: ChatCommandEvent = {
      version: '0',
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'detail-type': CHAT_COMMAND_RECEIVED,
      source: 'swarm-provisioner.test.chatops',
      account: '123456789012',
      time: '2026-11-27T18:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: request,
    };
    const worker = slackWorkerHandler(deps());

    // Act
    await worker(event);
    await worker(event);

    // Assess: one cluster, and the same answer twice (the person may read it twice; nothing is made twice).
    const clusters = (await db.store.listByOwner(request.owner, { limit: 10 })).items;
    expect(clusters).toHaveLength(1);
    expect(posts).toHaveLength(2);
    expect(posts[0]!.message.text).toBe(posts[1]!.message.text);
    expect(posts[0]!.message.text).toContain(`<@${request.userId}> asked for *twice* (${clusters[0]!.id})`);
    expect(await db.quotas.usage(request.owner)).toMatchObject({ activeClusters: 1 });
  });

  it('creates a cluster owned by the Slack user, remembers where to follow up, and says so in the channel', async () => {
    const request = job({ verb: 'create', name: 'demo', options: { workers: '2' } });
    const message = await runChatCommand(deps(), request);

    const [cluster] = (await db.store.listByOwner(request.owner, { limit: 10 })).items;
    expect(cluster).toMatchObject({ owner: request.owner, name: 'demo', parameters: { managers: 3, workers: 2 }, followUp: { kind: 'slack', responseUrl: request.responseUrl } });
    expect(message.response_type).toBe('in_channel');
    expect(message.text).toBe(`<@${request.userId}> asked for *demo* (${cluster!.id}): 3 managers and 2 workers in us-east-1. Creating it now; I will post here when it is ready.`);
    expect(posts).toEqual([{ url: request.responseUrl, message }]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('explains a quota refusal in plain words, and creates nothing', async () => {
    const request = job({ verb: 'create', name: 'big', options: { workers: '20' } });
    const message = await runChatCommand(deps({}, 10), request);
    expect(message).toEqual({ response_type: 'ephemeral', text: 'You may run at most 10 instances over all your active clusters; 0 are in use and this cluster needs 23.' });
    expect((await db.store.listByOwner(request.owner, { limit: 10 })).items).toEqual([]);
  });

  it('plans a cluster with create’s options: what it would make and cost, to the person alone, creating nothing', async () => {
    // Prepare
    const request = job({ verb: 'plan', name: 'demo', options: { workers: '2', workerInstanceType: 't3.medium' } });

    // Act
    const message = await runChatCommand(deps(), request);

    // Assess
    expect(message.response_type).toBe('ephemeral');
    expect(message.text).toMatch(/^Plan for \*demo\* in us-east-1 \(nothing was created\): 3 × t3.small managers and 2 × t3.medium workers, \d+ stack resources\. Your quota after it: 1 of 5 clusters and 5 of 100 instances\./);
    expect(message.text).toMatch(/Estimated cost, on demand: \$\d+\.\d{4} an hour, about \$\d+\.\d{2} a month \(730 h\):/);
    expect(message.text).toContain('• 2 × t3.medium worker instances: $');
    expect(message.text).toContain('Not counted: ');
    expect((await db.store.listByOwner(request.owner, { limit: 10 })).items).toEqual([]);
    expect(await db.quotas.usage(request.owner)).toEqual({ activeClusters: 0, instances: 0 });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses a plan over the quota in the same words as a create', async () => {
    const message = await runChatCommand(deps({}, 10), job({ verb: 'plan', name: 'big', options: { workers: '20' } }));
    expect(message).toEqual({ response_type: 'ephemeral', text: 'You may run at most 10 instances over all your active clusters; 0 are in use and this cluster needs 23.' });
  });

  it('explains bad options in plain words', async () => {
    const message = await runChatCommand(deps(), job({ verb: 'create', name: 'demo', options: { managers: '2', workers: 'lots' } }));
    expect(message.text).toBe('That cluster cannot be created:\n• managers must be 1, 3 or 5.\n• workers must be a whole number.');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('finds the user’s cluster by name for status, lists theirs, and never someone else’s', async () => {
    const request = job({ verb: 'list' });
    await db.store.create(aCluster({ owner: request.owner, name: 'mine', status: 'READY', statusReason: 'all good', outputs: { DefaultDNSTarget: 'nlb.example' } }));
    await db.store.create(aCluster({ owner: 'slack:T0001:USOMEONE', name: 'theirs', status: 'READY' }));

    expect((await runChatCommand(deps(), request)).text).toMatch(/^Your clusters, newest first:\n• \*mine\* \(c-\d+\) — READY, 3\+5 nodes in us-east-1$/);
    expect((await runChatCommand(deps(), { ...request, command: { verb: 'status', name: 'mine' } })).text).toMatch(/is READY: all good\. Swarm endpoint: nlb\.example\.$/);
    expect((await runChatCommand(deps(), { ...request, command: { verb: 'status', name: 'theirs' } })).text).toBe('You have no cluster named theirs. `list` shows yours.');
  });

  it('answers connect ephemerally with the route’s commands for the user’s running manager, and a plain refusal when none runs', async () => {
    // Prepare: one READY cluster with a running manager, one still being created.
    const request = job({ verb: 'list' });
    const ready = aCluster({ owner: request.owner, name: 'reachable', status: 'READY', region: 'eu-west-1', nodes: [{ instanceId: 'i-0feed', role: 'manager', availabilityZone: 'eu-west-1a', state: 'running' }] });
    await db.store.create(ready);
    await db.store.create(aCluster({ owner: request.owner, name: 'booting', status: 'CREATING' }));

    // Act
    const answered = await runChatCommand(deps(), { ...request, command: { verb: 'connect', name: 'reachable' } });
    const refused = await runChatCommand(deps(), { ...request, command: { verb: 'connect', name: 'booting' } });

    // Assess
    expect(answered.response_type).toBe('ephemeral');
    expect(answered.text).toContain(connectScript(connectInstructions(ready)));
    expect(answered.text).toContain('--region eu-west-1 --target i-0feed --document-name AWS-StartPortForwardingSession');
    expect(refused).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('is CREATING') });
  });

  it('deletes the user’s cluster by name with the delete use case, keeping the new response_url for the "deleted" follow-up', async () => {
    const request = job({ verb: 'delete', name: 'mine' });
    const created = aCluster({ owner: request.owner, name: 'mine', status: 'READY', followUp: { kind: 'slack', responseUrl: 'https://hooks.slack.com/commands/T0001/0/old' } });
    await db.store.create(created);

    const message = await runChatCommand(deps(), request);

    expect(message).toEqual({
      response_type: 'in_channel',
      text: `<@${request.userId}> is deleting *mine* (${created.id}); I will post here when every instance is gone.`,
    });
    expect(posts).toEqual([{ url: request.responseUrl, message }]);
    expect(await db.store.get(created.id)).toMatchObject({
      status: 'DELETING',
      deleteReason: 'requested',
      statusReason: 'delete requested by the owner',
      followUp: { kind: 'slack', responseUrl: request.responseUrl },
    });
    const starts = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(starts).toEqual([{ stateMachineArn: DELETE_STATE_MACHINE, name: `${created.id}-delete-1`, input: JSON.stringify({ clusterId: created.id }) }]);
    // DELETING is not an outcome: nobody is told anything until DELETED or DELETE_FAILED.
    expect(announced.filter((c) => c.id === created.id)).toEqual([]);
  });

  it('a second delete of a cluster already DELETING starts nothing new, but the newest response_url is the one followed up', async () => {
    const first = job({ verb: 'delete', name: 'twice' });
    const created = aCluster({ owner: first.owner, name: 'twice', status: 'READY' });
    await db.store.create(created);
    await runChatCommand(deps(), first);
    const again = { ...first, responseUrl: 'https://hooks.slack.com/commands/T0001/2/newer' };

    const message = await runChatCommand(deps(), again);

    expect(message.text).toContain('is deleting *twice*');
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name)).toEqual([`${created.id}-delete-1`, `${created.id}-delete-1`]);
    expect(await db.store.get(created.id)).toMatchObject({ status: 'DELETING', deleteRequests: 1, followUp: { kind: 'slack', responseUrl: again.responseUrl } });
  });

  it('scales the user’s cluster by name through the update use case, keeping the response_url for the outcome', async () => {
    const request = job({ verb: 'scale', name: 'grow', workers: 2 });
    const created = aCluster({ owner: request.owner, name: 'grow', status: 'READY' });
    await db.store.create(created);

    const message = await runChatCommand(deps(), request);

    expect(message).toEqual({ response_type: 'in_channel', text: `<@${request.userId}> is scaling *grow* (${created.id}) to 3 managers and 2 workers. I will post here when it is done.` });
    const updated = await db.store.get(created.id);
    expect(updated).toMatchObject({ status: 'UPDATING', update: { operation: 'scale', target: { workers: 2 } }, followUp: { kind: 'slack', responseUrl: request.responseUrl } });
    const starts = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(starts).toEqual([{ stateMachineArn: UPDATE_STATE_MACHINE, name: `${created.id}-${updated!.update!.id}`, input: JSON.stringify({ clusterId: created.id, updateId: updated!.update!.id }) }]);
  });

  it('explains in plain words why a cluster cannot take a change now (a wake of a READY cluster, a scale by two manager steps)', async () => {
    const wake = job({ verb: 'wake', name: 'awake' });
    await db.store.create(aCluster({ owner: wake.owner, name: 'awake', status: 'READY', parameters: { ...aCluster().parameters, managers: 1 } }));

    const notHibernated = await runChatCommand(deps(), wake);
    const twoSteps = await runChatCommand(deps(), { ...wake, command: { verb: 'scale', name: 'awake', managers: 5 } });

    expect(notHibernated.text).toContain('The cluster is READY, not HIBERNATED: there is nothing to wake.');
    expect(twoSteps.text).toContain('• managers: may change one step at a time (1 ↔ 3 ↔ 5)');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('never deletes someone else’s cluster: the name is looked up among the user’s own', async () => {
    const request = job({ verb: 'delete', name: 'theirs-only' });
    const other = aCluster({ owner: 'slack:T0001:USOMEONE', name: 'theirs-only', status: 'READY' });
    await db.store.create(other);

    const message = await runChatCommand(deps(), request);

    expect(message.text).toBe('You have no cluster named theirs-only. `list` shows yours.');
    expect((await db.store.get(other.id))?.status).toBe('READY');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('tells the person it failed on our side without the details', async () => {
    const message = await runChatCommand(deps({ store: { ...db.store, listByOwner: () => Promise.reject(new Error('ProvisionedThroughputExceeded arn:aws:dynamodb:...')) } }), job({ verb: 'list' }));
    expect(message.text).toBe('That failed on our side; it has been logged. Please try again in a minute.');
  });
});

describe('the response_url poster', () => {
  it('posts only to https://hooks.slack.com, or to loopback where the sandbox allows it', () => {
    const strict = { allowLoopbackHttp: false };
    expect(isAllowedResponseUrl('https://hooks.slack.com/commands/T1/2/x', strict)).toBe(true);
    for (const url of ['http://hooks.slack.com/commands/x', 'https://hooks.slack.com.evil.example/x', 'https://user:pw@hooks.slack.com/x', 'https://hooks.slack.com:8443/x', 'http://127.0.0.1:9000/x', 'https://169.254.169.254/latest', 'not a url']) {
      expect(isAllowedResponseUrl(url, strict)).toBe(false);
    }
    expect(isAllowedResponseUrl('http://127.0.0.1:9000/x', { allowLoopbackHttp: true })).toBe(true);
    expect(isAllowedResponseUrl('http://10.0.0.1:9000/x', { allowLoopbackHttp: true })).toBe(false);
  });

  it('posts the message as JSON, and reports a refusal, a redirect or an unreachable receiver as false instead of throwing', async () => {
    const received: string[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(body);
        if (request.url === '/moved') response.writeHead(307, { location: '/ok' }).end();
        else response.writeHead(request.url === '/expired' ? 404 : 200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const respond = buildSlackResponder({ allowLoopbackHttp: true, timeoutMs: 2000 });
      await expect(respond(`${base}/ok`, { response_type: 'in_channel', text: 'ready' })).resolves.toBe(true);
      expect(JSON.parse(received[0]!)).toEqual({ response_type: 'in_channel', text: 'ready' });
      await expect(respond(`${base}/expired`, { response_type: 'in_channel', text: 'x' })).resolves.toBe(false);
      await expect(buildSlackResponder({ allowLoopbackHttp: false })(`${base}/ok`, { response_type: 'in_channel', text: 'x' })).resolves.toBe(false);
      await expect(respond('http://127.0.0.1:1/none', { response_type: 'in_channel', text: 'x' })).resolves.toBe(false);
      expect(received).toHaveLength(2);
      // A redirect is not followed: the post never reaches where the answer points.
      await expect(respond(`${base}/moved`, { response_type: 'in_channel', text: 'x' })).resolves.toBe(false);
      expect(received).toHaveLength(3);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
