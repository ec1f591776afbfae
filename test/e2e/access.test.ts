/**
 * Access control end to end on the local cloud, over HTTP, through the same authorizer code as on AWS: with
 * LOCAL_API_KEY set, 401 without a valid key and 202 with one; a minted key works and stops on the request after its
 * revocation; owners do not see each other's clusters; a signed Slack command creates a cluster owned by the Slack
 * user and follows up on its response_url when it is ready, and a signed delete follows up on its own response_url
 * when every instance is gone. Then the open sandbox, as `npm start` without a key.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { slackSignature } from '../../src/adapters/slack/signature';
import { apiKeyStore } from '../../src/composition/dynamodb';
import { httpRoutes } from '../../src/handlers/http/routes';
import { startLocalCloud, type LocalCloud } from '../../sandbox/local-cloud';
import { mintApiKey, revokeApiKey } from '../../src/use-cases/api-keys';
import { systemClock } from '../../src/use-cases/ports';
import { eventually } from '../support/webhook-receiver';

const LOCAL_KEY = 'e2e-local-key-0123456789';
const SIGNING_SECRET = 'e2e-slack-signing-secret';

async function api(cloud: LocalCloud, method: string, path: string, options: { key?: string; body?: unknown } = {}) {
  const response = await fetch(`${cloud.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(options.key ? { authorization: `Bearer ${options.key}` } : {}) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

async function startSlackReceiver() {
  const messages: { text: string; response_type: string; path?: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      messages.push({ ...(JSON.parse(body) as { text: string; response_type: string }), path: request.url });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `${base}/commands/T0001/1/x`, base, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('with LOCAL_API_KEY set', () => {
  let cloud: LocalCloud;
  let slack: Awaited<ReturnType<typeof startSlackReceiver>>;
  const lines: string[] = [];

  beforeAll(async () => {
    slack = await startSlackReceiver();
    cloud = await startLocalCloud({
      apiKey: LOCAL_KEY,
      principal: 'local-e2e',
      slack: { signingSecret: SIGNING_SECRET, teamIds: ['T0001'] },
      timeScale: 0.1,
      log: (line) => lines.push(line),
    });
  });
  afterAll(async () => {
    await cloud.stepFunctions.idle();
    await cloud.close();
    await slack.close();
  });

  const slackCommand = (text: string, responseUrl: string, userId = 'U0042') => {
    const body = new URLSearchParams({ team_id: 'T0001', user_id: userId, command: '/swarm', text, response_url: responseUrl, trigger_id: `1.${Date.now()}.${text.length}` }).toString();
    const timestamp = String(Math.floor(Date.now() / 1000));
    return fetch(`${cloud.url}/chatops/slack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, body) },
      body,
    });
  };

  const authenticated = httpRoutes.filter((route) => route.auth === 'caller');
  it.each(authenticated.map((route) => [`${route.method} ${route.path}`, route] as const))('%s answers 401 problem+json without a key and with a wrong one', async (_name, route) => {
    const path = route.path.replace('{id}', 'c-01aaaaaaaaaaaaaaaaaaaaaaaa');
    for (const key of [undefined, 'not-the-local-key-at-all']) {
      const response = await api(cloud, route.method, path, { key, body: route.method === 'POST' ? { name: 'demo' } : undefined });
      expect(response.status).toBe(401);
      expect(response.contentType).toBe('application/problem+json');
    }
  });

  it('accepts LOCAL_API_KEY: 202, and the cluster belongs to the local principal', async () => {
    const created = await api(cloud, 'POST', '/clusters', { key: LOCAL_KEY, body: { name: 'keyed', workers: 1 } });
    expect(created.status).toBe(202);
    expect(created.body!.owner).toBe('local-e2e');
    expect((await api(cloud, 'GET', `/clusters/${created.body!.id as string}`, { key: LOCAL_KEY })).status).toBe(200);
  });

  it('honours a minted key until it is revoked, and keeps owners apart', async () => {
    const deps = { keys: apiKeyStore(cloud.deps.config), clock: systemClock };
    const { key, record } = await mintApiKey(deps, { principal: 'other-bot', role: 'user' });
    const theirs = await api(cloud, 'POST', '/clusters', { key, body: { name: 'theirs', workers: 1 } });
    expect(theirs.status).toBe(202);
    expect(theirs.body!.owner).toBe('other-bot');
    expect((await api(cloud, 'GET', `/clusters/${theirs.body!.id as string}`, { key: LOCAL_KEY })).status).toBe(404);
    const localList = (await api(cloud, 'GET', '/clusters?limit=100', { key: LOCAL_KEY })).body!.items as { id: string }[];
    expect(localList.map((c) => c.id)).not.toContain(theirs.body!.id);

    await revokeApiKey(deps, record.keyId);
    const after = await api(cloud, 'GET', '/clusters', { key });
    expect(after.status).toBe(401);
    expect(after.body!.detail).toBe('The API key has been revoked.');
  });

  it('takes a signed /swarm create from Slack without an API key, acknowledges within 3 s, and follows up when the cluster is ready', async () => {
    const body = new URLSearchParams({ team_id: 'T0001', user_id: 'U0042', command: '/swarm', text: 'create demo workers=2', response_url: slack.url, trigger_id: '13345224609.738474920.8088930838d88f008e0' }).toString();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const started = Date.now();
    const response = await fetch(`${cloud.url}/chatops/slack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, body) },
      body,
    });
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await response.json()).toEqual({ response_type: 'ephemeral', text: 'On it: create demo' });

    const ready = await eventually(async () => slack.messages.find((m) => m.text.includes(' is ready: ')), (m) => m !== undefined, 30_000);
    expect(slack.messages[0]).toMatchObject({ response_type: 'in_channel', text: expect.stringContaining('<@U0042> asked for *demo*') });
    expect(ready!.text).toContain('2 workers');
    const [cluster] = (await cloud.deps.store.listByOwner('slack:T0001:U0042', { limit: 10 })).items;
    expect(cluster).toMatchObject({ name: 'demo', status: 'READY', parameters: { workers: 2 } });

    // The same command again: replayed as it was, re-sent by Slack as a retry (fresh timestamp and signature), and
    // re-sent without the retry header. Each is acknowledged with an empty 200 (nothing handed to the worker, which
    // would have answered "On it"), and no second cluster appears.
    const send = (ts: string, headers: Record<string, string> = {}) =>
      fetch(`${cloud.url}/chatops/slack`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature(SIGNING_SECRET, ts, body), ...headers },
        body,
      });
    const fresh = String(Math.floor(Date.now() / 1000));
    for (const again of [await send(timestamp), await send(fresh, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }), await send(fresh)]) {
      expect(again.status).toBe(200);
      expect(await again.text()).toBe('');
    }
    expect((await cloud.deps.store.listByOwner('slack:T0001:U0042', { limit: 10 })).items).toHaveLength(1);
    // The command reached the worker as on AWS: one PutEvents through the SDK to the local EventBridge endpoint, and
    // serverless.yml's slackWorker rule on the local default bus; none of the duplicates put another event.
    expect(lines.filter((line) => line === 'eventbridge     Chat Command Received → slackWorker')).toHaveLength(1);
  });

  it('deletes the Slack user’s cluster on a signed /swarm delete, and follows up on that command’s response_url when it is DELETED', async () => {
    // Its own user and cluster, made here: this test does not lean on the create test above having run.
    const owner = 'slack:T0001:U0077';
    const create = await slackCommand('create demo workers=2', `${slack.base}/commands/T0001/7/create`, 'U0077');
    expect(await create.json()).toEqual({ response_type: 'ephemeral', text: 'On it: create demo' });
    const before = await eventually(async () => (await cloud.deps.store.listByOwner(owner, { limit: 10 })).items[0], (c) => c?.status === 'READY', 30_000);
    expect(before).toMatchObject({ name: 'demo', status: 'READY' });
    const usage = await cloud.deps.quotas.usage(owner);
    expect(usage).toEqual({ activeClusters: 1, instances: 5 });

    const response = await slackCommand('delete demo', `${slack.base}/commands/T0001/2/delete`, 'U0077');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ response_type: 'ephemeral', text: 'On it: delete demo' });

    const deleted = await eventually(async () => slack.messages.find((m) => m.path === '/commands/T0001/2/delete' && m.text.includes(' is deleted')), (m) => m !== undefined, 30_000);
    expect(deleted).toMatchObject({ response_type: 'in_channel', text: `*demo* (${before!.id}) is deleted; every instance is gone.` });
    expect(slack.messages.filter((m) => m.path === '/commands/T0001/2/delete').map((m) => m.text)).toEqual([
      `<@U0077> is deleting *demo* (${before!.id}); I will post here when every instance is gone.`,
      deleted!.text,
    ]);
    expect(await cloud.deps.store.get(before!.id)).toMatchObject({ status: 'DELETED', deleteReason: 'requested', statusReason: 'stack deleted and all 5 instances terminated' });
    // DELETED gave the quota share back.
    expect(await cloud.deps.quotas.usage(owner)).toEqual({ activeClusters: 0, instances: 0 });
  });

  it('refuses an unsigned Slack request with 401, whatever API key it carries', async () => {
    const response = await fetch(`${cloud.url}/chatops/slack`, { method: 'POST', headers: { authorization: `Bearer ${LOCAL_KEY}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'text=list' });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('the open sandbox (no LOCAL_API_KEY)', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startLocalCloud({ principal: 'open-e2e', timeScale: 0.1 });
  });
  afterAll(async () => {
    await cloud.stepFunctions.idle();
    await cloud.close();
  });

  it('takes requests without credentials as the local principal, but still checks a key that is presented', async () => {
    expect(cloud.access).toBe('open');
    const created = await api(cloud, 'POST', '/clusters', { body: { name: 'open', workers: 1 } });
    expect(created.status).toBe(202);
    expect(created.body!.owner).toBe('open-e2e');
    expect((await api(cloud, 'GET', '/clusters', { key: 'a-key-nobody-minted' })).status).toBe(401);
  });
});
