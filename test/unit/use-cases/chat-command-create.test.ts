/**
 * `create` and `plan` from Slack (run-chat-command.ts) on one dynalite for the file: the cluster id follows from the
 * command's trigger_id (Lambda's retry finds the same cluster), the follow-up and the channel are kept, options
 * that do not parse are listed in plain words and nothing is created. The other verbs: run-chat-command.test.ts.
 */
import type { ChatMessage } from '../../../src/domain/chatops';
import { clusterIdFor } from '../../../src/domain/cluster';
import { runChatCommand, type ChatCommandJob, type RunChatCommandDeps } from '../../../src/use-cases/run-chat-command';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeWorkflows } from '../../support/fakes';

const RESPONSE_URL = 'https://hooks.slack.com/commands/T0001/1/abc';
const EXECUTIONS = 'arn:aws:states:us-east-1:000000000000:execution:create-cluster';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

let user = 0;
function harness(maxInstances = 100) {
  user += 1;
  const owner = `slack:T0001:UC${user}`;
  const posts: { url: string; message: ChatMessage }[] = [];
  const limits = { maxActiveClusters: 5, maxInstances };
  const common = { clock: fixedClock(), defaultRegion: 'us-east-1', allowedRegions: ['us-east-1'], checkWebhookUrl: () => undefined, quotas: db.quotas, quotaLimits: limits };
  const deps = {
    store: db.store,
    respond: async (url: string, message: ChatMessage) => Boolean(posts.push({ url, message })),
    create: { ...common, store: db.store, workflows: fakeWorkflows().workflows, newWebhookSecret: () => 'whsec_x', createExecutionPrefix: EXECUTIONS },
    plan: common,
  } as unknown as RunChatCommandDeps;
  const job = (command: ChatCommandJob['command'], channel: Pick<ChatCommandJob, 'teamId' | 'channelId'> = {}): ChatCommandJob => ({
    owner,
    userId: `UC${user}`,
    triggerId: `13345224609.${user}.8088930838d88f008e0`,
    command,
    responseUrl: RESPONSE_URL,
    ...channel,
  });
  return { owner, posts, deps, job, userId: `UC${user}` };
}

describe('create and plan from a slash command', () => {
  it('creates the cluster under the id its trigger_id gives, with the follow-up and the channel, and tells the channel', async () => {
    // Prepare
    const h = harness();
    const job = h.job({ verb: 'create', name: 'demo', options: { workers: '2' } }, { teamId: 'T0001', channelId: 'C0001' });

    // Act
    const message = await runChatCommand(h.deps, job);

    // Assess
    const id = clusterIdFor(h.owner, `slack-trigger:${job.triggerId}`);
    expect(message).toEqual({
      response_type: 'in_channel',
      text: `<@${h.userId}> asked for *demo* (${id}): 3 managers and 2 workers in us-east-1. Creating it now; I will post here when it is ready.`,
    });
    expect(await db.store.get(id)).toMatchObject({
      owner: h.owner,
      status: 'CREATING',
      followUp: { kind: 'slack', responseUrl: RESPONSE_URL },
      chatChannel: { kind: 'slack', teamId: 'T0001', channelId: 'C0001' },
    });
    expect(h.posts).toEqual([{ url: RESPONSE_URL, message }]);
  });

  it('the same command run again (Lambda’s retry) finds the cluster it made', async () => {
    // Prepare
    const h = harness();
    const job = h.job({ verb: 'create', name: 'again', options: {} });
    const first = await runChatCommand(h.deps, job);

    // Act
    const second = await runChatCommand(h.deps, job);

    // Assess
    expect(second).toEqual(first);
    expect((await db.store.listByOwner(h.owner, { limit: 10 })).items).toHaveLength(1);
  });

  it.each([
    ['no channel', {}],
    ['a team but no channel', { teamId: 'T0001' }],
    ['a channel but no team', { channelId: 'C0001' }],
  ])('with %s: no channel is kept', async (_, channel) => {
    // Prepare
    const h = harness();
    const job = h.job({ verb: 'create', name: 'quiet', options: {} }, channel);

    // Act
    await runChatCommand(h.deps, job);

    // Assess
    const created = await db.store.get(clusterIdFor(h.owner, `slack-trigger:${job.triggerId}`));
    expect(created?.status).toBe('CREATING');
    expect(created?.chatChannel).toBeUndefined();
  });

  it('options that do not parse: each problem listed, to the person only, nothing created', async () => {
    // Prepare
    const h = harness();

    // Act
    const message = await runChatCommand(h.deps, h.job({ verb: 'create', name: 'demo', options: { managers: '2', colour: 'blue' } }));

    // Assess
    expect(message).toEqual({ response_type: 'ephemeral', text: 'That cluster cannot be created:\n• `colour` is not an option I know (try `help`).' });
    expect((await db.store.listByOwner(h.owner, { limit: 10 })).items).toEqual([]);
  });

  it('a plan whose options do not parse: the same list, in the plan’s words', async () => {
    // Prepare
    const h = harness();

    // Act
    const message = await runChatCommand(h.deps, h.job({ verb: 'plan', name: 'demo', options: { managers: '2', workers: 'lots' } }));

    // Assess
    expect(message).toEqual({ response_type: 'ephemeral', text: 'That cluster could not be created:\n• managers must be 1, 3 or 5.\n• workers must be a whole number.' });
  });

  it('a plan: what it would make, to the person only, creating nothing', async () => {
    // Prepare
    const h = harness();

    // Act
    const message = await runChatCommand(h.deps, h.job({ verb: 'plan', name: 'demo', options: { workers: '2' } }));

    // Assess
    expect(message.response_type).toBe('ephemeral');
    expect(message.text).toMatch(/^Plan for \*demo\* in us-east-1 \(nothing was created\): 3 × t3\.small managers and 2 × t3\.small workers, \d+ stack resources\. Your quota after it: 1 of 5 clusters and 5 of 100 instances\./);
    expect((await db.store.listByOwner(h.owner, { limit: 10 })).items).toEqual([]);
  });

  it('a create over the quota: the refusal in the problem’s words, nothing created', async () => {
    // Prepare
    const h = harness(4);

    // Act
    const message = await runChatCommand(h.deps, h.job({ verb: 'create', name: 'big', options: { workers: '20' } }));

    // Assess
    expect(message).toEqual({ response_type: 'ephemeral', text: 'You may run at most 4 instances over all your active clusters; 0 are in use and this cluster needs 23.' });
    expect((await db.store.listByOwner(h.owner, { limit: 10 })).items).toEqual([]);
  });
});
