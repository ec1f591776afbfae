/**
 * The slash command's worker as a use case (run-chat-command.ts), for every verb but create and plan (those reach the
 * create use case's store: chat-command-create.test.ts): whose clusters it finds and how (an id, or a name searched
 * page by page), what it hands to the delete and update use cases, the words of each answer, and how a refusal and a
 * failure of ours are told. The store is a fake that pages a scripted list; delete and update are recording fakes.
 */
import type { Caller } from '../../../src/domain/access';
import type { ChatMessage } from '../../../src/domain/chatops';
import { connectText, HELP_TEXT } from '../../../src/domain/chatops';
import type { Cluster, ChatFollowUp } from '../../../src/domain/cluster';
import { ForbiddenError, ProblemError, QuotaExceededError } from '../../../src/domain/errors';
import type { ClusterStore, Page } from '../../../src/use-cases/ports';
import type { UpdateRequest } from '../../../src/use-cases/request-cluster-update';
import { runChatCommand, type ChatCommandJob, type RunChatCommandDeps } from '../../../src/use-cases/run-chat-command';
import { aCluster } from '../../support/clusters';

const OWNER = 'slack:T0001:U0001';
const RESPONSE_URL = 'https://hooks.slack.com/commands/T0001/1/abc';

/** A failure that is ours to log, not the person's to read (a ProblemError that is not exposed). */
class HiddenProblemError extends ProblemError {
  readonly status = 500;
  readonly title = 'Internal';
  override readonly expose = false;
}

/** The owner's clusters in pages of `pageSize`, newest first, and every listing asked for. */
function harness(clusters: Cluster[] = [], options: { pageSize?: number; deleteFails?: Error; updateFails?: Error } = {}) {
  const pageSize = options.pageSize ?? 100;
  const listings: { owner: string; limit: number; cursor?: string }[] = [];
  const store = {
    get: async (id: string) => clusters.find((c) => c.id === id),
    listByOwner: async (owner: string, query: { limit: number; cursor?: string }): Promise<Page<Cluster>> => {
      listings.push({ owner, limit: query.limit, cursor: query.cursor });
      const mine = clusters.filter((c) => c.owner === owner);
      const start = Number(query.cursor ?? 0);
      const end = start + Math.min(pageSize, query.limit);
      return { items: mine.slice(start, end), ...(end < mine.length && { nextCursor: String(end) }) };
    },
  } as Pick<ClusterStore, 'get' | 'listByOwner'> as ClusterStore;
  const posts: { url: string; message: ChatMessage }[] = [];
  const deletes: { caller: Caller; id: string; followUp: ChatFollowUp }[] = [];
  const updates: { caller: Caller; id: string; request: UpdateRequest; followUp: ChatFollowUp }[] = [];
  const deps = {
    store,
    respond: async (url: string, message: ChatMessage) => {
      posts.push({ url, message });
      return true;
    },
    deleteCluster: async (caller: Caller, id: string, followUp: ChatFollowUp) => {
      if (options.deleteFails) throw options.deleteFails;
      deletes.push({ caller, id, followUp });
      return { ...clusters.find((c) => c.id === id)!, status: 'DELETING' as const };
    },
    updateCluster: async (caller: Caller, id: string, request: UpdateRequest, followUp: ChatFollowUp) => {
      if (options.updateFails) throw options.updateFails;
      updates.push({ caller, id, request, followUp });
      const cluster = clusters.find((c) => c.id === id)!;
      const target = request.operation === 'change' ? { ...cluster.parameters, ...request.changes } : cluster.parameters;
      return { ...cluster, status: 'UPDATING' as const, update: { id: 'u-1', operation: request.operation, requestedBy: OWNER, target, previous: cluster.parameters } } as Cluster;
    },
  } as unknown as RunChatCommandDeps;
  const run = (command: ChatCommandJob['command']) => runChatCommand(deps, { owner: OWNER, userId: 'U0001', triggerId: '1.2.3', command, responseUrl: RESPONSE_URL });
  return { run, posts, deletes, updates, listings };
}

const ME: Caller = { principal: OWNER, operator: false };
const SLACK_FOLLOW_UP = { kind: 'slack', responseUrl: RESPONSE_URL };

describe('a slash command, run', () => {
  it('help: the help text, to the person only, posted to the response_url', async () => {
    // Prepare
    const h = harness();

    // Act
    const message = await h.run({ verb: 'help' });

    // Assess
    expect(message).toEqual({ response_type: 'ephemeral', text: HELP_TEXT });
    expect(h.posts).toEqual([{ url: RESPONSE_URL, message }]);
  });

  it('list: the caller’s own clusters, one page of 20, as the Slack user (not an operator)', async () => {
    // Prepare
    const mine = aCluster({ owner: OWNER, name: 'web', status: 'READY' });
    const h = harness([mine, aCluster({ owner: 'slack:T0001:U0002', name: 'theirs' })]);

    // Act
    const message = await h.run({ verb: 'list' });

    // Assess
    expect(h.listings).toEqual([{ owner: OWNER, limit: 20, cursor: undefined }]);
    expect(message).toEqual({ response_type: 'ephemeral', text: `Your clusters, newest first:\n• *web* (${mine.id}) — READY, 3+5 nodes in us-east-1` });
  });

  it('status by id: reads that cluster, no listing', async () => {
    // Prepare
    const mine = aCluster({ owner: OWNER, id: 'c-0123456789abcdefghijklmnop', name: 'web', status: 'READY', statusReason: 'ready' });
    const h = harness([mine]);

    // Act
    const message = await h.run({ verb: 'status', name: mine.id });

    // Assess
    expect(message).toEqual({ response_type: 'ephemeral', text: `*web* (${mine.id}) is READY: ready.` });
    expect(h.listings).toEqual([]);
  });

  it('status by id of someone else’s cluster: not found, in plain words', async () => {
    // Prepare
    const theirs = aCluster({ owner: 'slack:T0001:U0002', id: 'c-0123456789abcdefghijklmnoq' });
    const h = harness([theirs]);

    // Act
    const message = await h.run({ verb: 'status', name: theirs.id });

    // Assess
    expect(message).toEqual({ response_type: 'ephemeral', text: `There is no cluster ${theirs.id}.` });
  });

  it('status by name: the newest of that name not yet deleted, searched page after page', async () => {
    // Prepare: a deleted one of the same name is newer; the live one is on the third page.
    const deleted = aCluster({ owner: OWNER, name: 'web', status: 'DELETED' });
    const others = [1, 2, 3, 4].map((n) => aCluster({ owner: OWNER, name: `other-${n}` }));
    const live = aCluster({ owner: OWNER, name: 'web', status: 'READY', statusReason: 'ready', outputs: { DefaultDNSTarget: 'swarm-lb.example.com' } });
    const h = harness([deleted, ...others, live], { pageSize: 2 });

    // Act
    const message = await h.run({ verb: 'status', name: 'web' });

    // Assess
    expect(message).toEqual({ response_type: 'ephemeral', text: `*web* (${live.id}) is READY: ready. Swarm endpoint: swarm-lb.example.com.` });
    expect(h.listings).toEqual([
      { owner: OWNER, limit: 100, cursor: undefined },
      { owner: OWNER, limit: 100, cursor: '2' },
      { owner: OWNER, limit: 100, cursor: '4' },
    ]);
  });

  it.each([
    ['ends like a cluster id', 'old-c-0123456789abcdefghijklmnop'],
    ['begins like a cluster id', 'c-0123456789abcdefghijklmnopq'],
  ])('a name that only %s is searched as a name, not read as an id', async (_, name) => {
    // Prepare
    const mine = aCluster({ owner: OWNER, name, status: 'READY', statusReason: 'ready' });
    const h = harness([mine]);

    // Act
    const message = await h.run({ verb: 'status', name });

    // Assess
    expect(message).toEqual({ response_type: 'ephemeral', text: `*${name}* (${mine.id}) is READY: ready.` });
    expect(h.listings).toHaveLength(1);
  });

  it('a name not found in five pages: stops there and says which commands show yours', async () => {
    // Prepare: the match would be on the sixth page.
    const filler = Array.from({ length: 5 }, (_, n) => aCluster({ owner: OWNER, name: `other-${n}` }));
    const h = harness([...filler, aCluster({ owner: OWNER, name: 'web' })], { pageSize: 1 });

    // Act
    const message = await h.run({ verb: 'status', name: 'web' });

    // Assess
    expect(message).toEqual({ response_type: 'ephemeral', text: 'You have no cluster named web. `list` shows yours.' });
    expect(h.listings).toHaveLength(5);
  });

  it('a name not found when the list ends first: stops at the last page', async () => {
    // Prepare
    const h = harness([aCluster({ owner: OWNER, name: 'other' })], { pageSize: 1 });

    // Act
    const message = await h.run({ verb: 'connect', name: 'web' });

    // Assess
    expect(message).toEqual({ response_type: 'ephemeral', text: 'You have no cluster named web. `list` shows yours.' });
    expect(h.listings).toHaveLength(1);
  });

  it('connect: the SSM commands for that cluster', async () => {
    // Prepare
    const mine = aCluster({ owner: OWNER, name: 'web', status: 'READY', nodes: [{ instanceId: 'i-0abc', role: 'manager', availabilityZone: 'us-east-1a', state: 'running' }] });
    const h = harness([mine]);

    // Act
    const message = await h.run({ verb: 'connect', name: 'web' });

    // Assess
    expect(message).toEqual({ response_type: 'ephemeral', text: connectText(mine) });
    expect(message.text).toContain('i-0abc');
  });

  it('delete: hands the cluster to the delete use case as the Slack user, with the response_url to announce to, and tells the channel', async () => {
    // Prepare
    const mine = aCluster({ owner: OWNER, name: 'web', status: 'READY' });
    const h = harness([mine]);

    // Act
    const message = await h.run({ verb: 'delete', name: 'web' });

    // Assess
    expect(h.deletes).toEqual([{ caller: ME, id: mine.id, followUp: SLACK_FOLLOW_UP }]);
    expect(message).toEqual({ response_type: 'in_channel', text: `<@U0001> is deleting *web* (${mine.id}); I will post here when every instance is gone.` });
  });

  it('scale with workers only: a change of the workers alone', async () => {
    // Prepare
    const mine = aCluster({ owner: OWNER, name: 'web', status: 'READY' });
    const h = harness([mine]);

    // Act
    const message = await h.run({ verb: 'scale', name: 'web', workers: 2 });

    // Assess
    expect(h.updates).toEqual([{ caller: ME, id: mine.id, request: { operation: 'change', changes: { workers: 2 } }, followUp: SLACK_FOLLOW_UP }]);
    expect(message).toEqual({ response_type: 'in_channel', text: `<@U0001> is scaling *web* (${mine.id}) to 3 managers and 2 workers. I will post here when it is done.` });
  });

  it('scale with managers only, and with both', async () => {
    // Prepare
    const mine = aCluster({ owner: OWNER, name: 'web', status: 'READY' });
    const h = harness([mine]);

    // Act
    await h.run({ verb: 'scale', name: 'web', managers: 5 });
    await h.run({ verb: 'scale', name: 'web', managers: 1, workers: 0 });

    // Assess
    // Strictly: a size not given is not in the change at all (an undefined `workers` would still be a key).
    expect(h.updates.map((u) => u.request)).toStrictEqual([
      { operation: 'change', changes: { managers: 5 } },
      { operation: 'change', changes: { workers: 0, managers: 1 } },
    ]);
  });

  it.each(['upgrade', 'hibernate', 'wake'] as const)('%s: the operation of that name, told to the channel', async (verb) => {
    // Prepare
    const mine = aCluster({ owner: OWNER, name: 'web', status: 'READY' });
    const h = harness([mine]);

    // Act
    const message = await h.run({ verb, name: 'web' });

    // Assess
    expect(h.updates).toEqual([{ caller: ME, id: mine.id, request: { operation: verb }, followUp: SLACK_FOLLOW_UP }]);
    expect(message).toEqual({ response_type: 'in_channel', text: expect.stringMatching(new RegExp(`^<@U0001> is (upgrading|hibernating|waking) \\*web\\* \\(${mine.id}\\)`)) });
  });

  it('a refusal (quota) is explained to the person in the problem’s words, field by field', async () => {
    // Prepare
    const mine = aCluster({ owner: OWNER, name: 'web', status: 'READY' });
    const refusal = new QuotaExceededError('That would exceed your quota.', { errors: [{ field: 'workers', message: 'at most 10 instances' }] });
    const h = harness([mine], { updateFails: refusal });

    // Act
    const message = await h.run({ verb: 'scale', name: 'web', workers: 20 });

    // Assess
    expect(message).toEqual({ response_type: 'ephemeral', text: 'That would exceed your quota.\n• workers: at most 10 instances' });
    expect(h.posts).toEqual([{ url: RESPONSE_URL, message }]);
  });

  it('a refusal from the delete use case is explained the same way', async () => {
    // Prepare
    const mine = aCluster({ owner: OWNER, name: 'web', status: 'READY' });
    const h = harness([mine], { deleteFails: new ForbiddenError('Not yours.') });

    // Act
    const message = await h.run({ verb: 'delete', name: 'web' });

    // Assess
    expect(message).toEqual({ response_type: 'ephemeral', text: 'Not yours.' });
  });

  it.each([
    ['a failure of ours', new Error('dynamodb unavailable')],
    ['a problem not meant to be shown', new HiddenProblemError('table clusters throttled')],
  ])('%s: the person is told it failed on our side, and nothing of it', async (_, failure) => {
    // Prepare
    const mine = aCluster({ owner: OWNER, name: 'web', status: 'READY' });
    const h = harness([mine], { deleteFails: failure });

    // Act
    const message = await h.run({ verb: 'delete', name: 'web' });

    // Assess
    expect(message).toEqual({ response_type: 'ephemeral', text: 'That failed on our side; it has been logged. Please try again in a minute.' });
    expect(h.posts).toEqual([{ url: RESPONSE_URL, message }]);
  });
});
