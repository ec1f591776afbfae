/**
 * Health events to the Slack channel, end to end on the local cloud: a signed `/swarm create` typed in a channel, its
 * stack deleted behind the service's back (the simulated cloud's `gone` fault), one health sweep, and the
 * `cluster.drifted` message arriving at a local stand-in for Slack's Web API (SLACK_API_URL points at it; nothing
 * else differs from AWS). The stand-in answers the first chat.postMessage with 429 and Retry-After, as Slack's rate
 * limiter does (https://docs.slack.dev/apis/web-api/rate-limits), so the post goes through the delivery workflow's
 * retry; then `{ok: true}` (https://docs.slack.dev/reference/methods/chat.postMessage).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { slackSignature } from '../../src/adapters/slack/signature';
import { startLocalCloud, type LocalCloud } from '../../sandbox/local-cloud';
import { eventually } from '../support/webhook-receiver';

const SIGNING_SECRET = 'e2e-slack-signing-secret';
const BOT_TOKEN = 'xoxb-e2e-0000-notarealtoken';
const CHANNEL = 'C0E2E00001';

interface ChannelPost {
  channel: string;
  text: string;
  authorization?: string;
}

/** Slack as the service meets it: response_url posts under /commands/, chat.postMessage under /api/. */
async function startSlackStandIn() {
  const followUps: { text: string; path?: string }[] = [];
  const posts: ChannelPost[] = [];
  let rateLimitedOnce = false;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url === '/api/chat.postMessage') {
        if (!rateLimitedOnce) {
          rateLimitedOnce = true;
          response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end(JSON.stringify({ ok: false, error: 'ratelimited' }));
          return;
        }
        const message = JSON.parse(body) as { channel: string; text: string };
        posts.push({ ...message, authorization: request.headers.authorization });
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, channel: message.channel, ts: '1764291600.000100' }));
        return;
      }
      followUps.push({ ...(JSON.parse(body) as { text: string }), path: request.url });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, followUps, posts, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let cloud: LocalCloud;
let slack: Awaited<ReturnType<typeof startSlackStandIn>>;

beforeAll(async () => {
  slack = await startSlackStandIn();
  cloud = await startLocalCloud({
    slack: { signingSecret: SIGNING_SECRET, teamIds: ['T0001'], bot: { token: BOT_TOKEN, apiUrl: `${slack.base}/api` } },
    timeScale: 0.1,
    healthIntervalSeconds: 0,
  });
});

afterAll(async () => {
  await cloud.stepFunctions.idle();
  await cloud.close();
  await slack.close();
});

function slashCommand(text: string) {
  const body = new URLSearchParams({
    team_id: 'T0001',
    channel_id: CHANNEL,
    user_id: 'U0077',
    command: '/swarm',
    text,
    response_url: `${slack.base}/commands/T0001/7/create`,
    trigger_id: `13345224609.${Date.now()}.8088930838d88f008e0`,
  }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`${cloud.url}/chatops/slack`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, body) },
    body,
  });
}

describe('health events to the Slack channel', () => {
  it('posts cluster.drifted to the channel a cluster was created from once its stack is deleted out of band, through a 429', async () => {
    // Prepare: /swarm create in the channel, until its follow-up says it is ready.
    const created = await slashCommand('create channeldrift workers=1');
    expect(created.status).toBe(200);
    await eventually(async () => slack.followUps.find((m) => m.text.includes('*channeldrift*') && m.text.includes(' is ready: ')), (m) => m !== undefined, 30_000);
    const [cluster] = (await cloud.deps.store.listByOwner('slack:T0001:U0077', { limit: 10 })).items;
    expect(cluster).toMatchObject({ status: 'READY', chatChannel: { kind: 'slack', teamId: 'T0001', channelId: CHANNEL } });
    await cloud.sweepHealth();

    // Act: someone else deletes the stack; one sweep.
    const fault = await fetch(`${cloud.simulatedCloud!.endpoint}/_simulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stack: cluster!.stackName, fault: 'gone' }) });
    const summary = await cloud.sweepHealth();
    const posted = await eventually(async () => slack.posts.filter((post) => post.text.includes(cluster!.id)), (posts) => posts.length > 0, 30_000);

    // Assess
    expect(fault.status).toBe(202);
    expect(summary.drifted).toBeGreaterThanOrEqual(1);
    expect(posted).toEqual([{ channel: CHANNEL, text: expect.stringContaining('is drifted: stack '), authorization: `Bearer ${BOT_TOKEN}` }]);
    // The attempt is recorded just after Slack answered it.
    const deliveries = await eventually(
      async () => (await cloud.deps.deliveries.list(cluster!.id, { limit: 10 })).items,
      (items) => items.some((delivery) => delivery.channel !== undefined && delivery.status !== 'pending'),
      10_000,
    );
    const toChannel = deliveries.find((delivery) => delivery.channel !== undefined);
    expect(toChannel).toMatchObject({ eventType: 'cluster.drifted', status: 'delivered' });
    expect(toChannel!.attempts.map((attempt) => attempt.statusCode)).toEqual([429, 200]);
    // The token is the Authorization header's alone: not in the delivery log, not in the cluster as the API shows it.
    expect(JSON.stringify(deliveries)).not.toContain(BOT_TOKEN);
    const shown = await (await fetch(`${cloud.url}/clusters/${cluster!.id}`)).text();
    expect(shown).not.toContain(BOT_TOKEN);
  });
});
