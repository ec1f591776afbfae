/**
 * POST /chatops/slack: every way a request can fail Slack's checks gets 401 (a foreign workspace 403), a replay is
 * refused, and the acknowledgement comes within Slack's 3 seconds however long the work takes.
 */
import { slackSignature } from '../../../src/adapters/slack/signature';
import { slackCommandHandler, type SlackCommandHandlerDeps } from '../../../src/handlers/http/slack-command';
import type { ChatCommandJob } from '../../../src/use-cases/run-chat-command';
import { fixedClock } from '../../support/dynamodb';
import { httpEvent, invoke } from '../../support/http';

const SECRET = 'slack-signing-secret-for-tests';
const NOW = new Date('2026-11-26T12:00:00.000Z');
const TS = String(NOW.getTime() / 1000);
const RESPONSE_URL = 'https://hooks.slack.com/commands/T0001/1234/abcd';

const form = (fields: Record<string, string>) => new URLSearchParams({ team_id: 'T0001', user_id: 'U0042', command: '/swarm', response_url: RESPONSE_URL, text: 'list', ...fields }).toString();

function signed(body: string, options: { timestamp?: string; signature?: string; headers?: Record<string, string>; base64?: boolean } = {}) {
  const timestamp = options.timestamp ?? TS;
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': options.signature ?? slackSignature(SECRET, timestamp, body),
    ...options.headers,
  };
  const event = httpEvent({ method: 'POST', path: '/chatops/slack', rawBody: body, headers, principal: null });
  if (options.base64) return { ...event, body: Buffer.from(body).toString('base64'), isBase64Encoded: true };
  return event;
}

let jobs: ChatCommandJob[];
let seen: Set<string>;
function handler(overrides: Partial<SlackCommandHandlerDeps> = {}) {
  return slackCommandHandler({
    slack: { signingSecret: SECRET, teamIds: ['T0001'], allowLoopbackHttp: false },
    clock: fixedClock(NOW.toISOString()),
    seenBefore: async (signature) => !seen.has(signature) && Boolean(seen.add(signature)),
    dispatch: async (job) => void jobs.push(job),
    ...overrides,
  });
}

beforeEach(() => {
  jobs = [];
  seen = new Set();
});

describe('POST /chatops/slack', () => {
  it('acknowledges a signed command at once and hands it to the worker as the Slack user', async () => {
    const response = await invoke(handler(), signed(form({ text: 'create demo workers=2' })));
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ response_type: 'ephemeral', text: 'On it: create demo' });
    expect(jobs).toEqual([{ owner: 'slack:T0001:U0042', userId: 'U0042', command: { verb: 'create', name: 'demo', options: { workers: '2' } }, responseUrl: RESPONSE_URL }]);
  });

  it('reads the body API Gateway base64-encoded, as it does form posts', async () => {
    const response = await invoke(handler(), signed(form({ text: 'list' }), { base64: true }));
    expect(response.statusCode).toBe(200);
    expect(jobs).toHaveLength(1);
  });

  it('answers help and mistakes itself, handing nothing over', async () => {
    const help = await invoke(handler(), signed(form({ text: 'help' })));
    expect(help.json!.text).toContain('create NAME');
    const wrong = await invoke(handler(), signed(form({ text: 'launch demo' })));
    expect(wrong.json!.text).toMatch(/^I don't know `launch`/);
    expect(jobs).toEqual([]);
  });

  const body = form({ text: 'create demo' });
  it.each([
    ['no signature header', signed(body, { headers: { 'x-slack-signature': '' } })],
    ['no timestamp header', signed(body, { headers: { 'x-slack-request-timestamp': '' } })],
    ['a stale timestamp (5 min 1 s old)', signed(body, { timestamp: String(Number(TS) - 301) })],
    ['a future timestamp (5 min 1 s ahead)', signed(body, { timestamp: String(Number(TS) + 301) })],
    ['another version prefix', signed(body, { signature: slackSignature(SECRET, TS, body).replace('v0=', 'v1=') })],
    ['a signature of the wrong length', signed(body, { signature: slackSignature(SECRET, TS, body).slice(0, -2) })],
    ['a signature made with another secret', signed(body, { signature: slackSignature('another-secret', TS, body) })],
    ['a re-serialised body', { ...signed(body), body: JSON.stringify(Object.fromEntries(new URLSearchParams(body))) }],
    ['a body changed after signing', { ...signed(body), body: body.replace('create+demo', 'create+evil') }],
  ])('refuses %s with 401 problem+json and hands nothing over', async (_case, event) => {
    const response = await invoke(handler(), event);
    expect(response.statusCode).toBe(401);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 401, detail: 'The request is not signed by Slack.' });
    expect(jobs).toEqual([]);
  });

  it('refuses every request when no signing secret is configured', async () => {
    const response = await invoke(handler({ slack: { teamIds: ['T0001'], allowLoopbackHttp: false } }), signed(body));
    expect(response.statusCode).toBe(401);
  });

  it('refuses a correctly signed request from a workspace it does not serve', async () => {
    const response = await invoke(handler(), signed(form({ team_id: 'T9999', text: 'create demo' })));
    expect(response.statusCode).toBe(403);
    expect(response.json!.detail).toBe('This Slack workspace may not use this service.');
    expect(jobs).toEqual([]);
  });

  it('refuses a replayed request within its 5-minute window', async () => {
    const request = signed(body);
    expect((await invoke(handler(), request)).statusCode).toBe(200);
    const replay = await invoke(handler(), request);
    expect(replay.statusCode).toBe(401);
    expect(replay.json!.detail).toBe('This request was already received.');
    expect(jobs).toHaveLength(1);
  });

  it('refuses a response_url that is not Slack’s', async () => {
    const response = await invoke(handler(), signed(form({ response_url: 'https://attacker.example/steal', text: 'list' })));
    expect(response.statusCode).toBe(400);
    expect(jobs).toEqual([]);
  });

  it('acknowledges within 3 seconds while the work takes much longer', async () => {
    let finished = false;
    const slowWorker = async () => {
      // What the asynchronous invoke gives the worker: its own time, after the hand-over returned.
      setTimeout(() => {
        finished = true;
      }, 4000);
    };
    const started = Date.now();
    const response = await invoke(handler({ dispatch: slowWorker }), signed(body));
    expect(response.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(finished).toBe(false);
  });

  it('still answers within 3 seconds when the hand-over itself hangs, and says so', async () => {
    const started = Date.now();
    const response = await invoke(handler({ dispatch: () => new Promise(() => undefined), dispatchBudgetMs: 2000 }), signed(body));
    const elapsed = Date.now() - started;
    expect(response.statusCode).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(3000);
    expect(response.json!.text).toContain('taking longer than usual');
  });

  it('apologises in the channel, with a 200, when the hand-over fails', async () => {
    const response = await invoke(handler({ dispatch: () => Promise.reject(new Error('Lambda throttled')) }), signed(body));
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ response_type: 'ephemeral', text: 'I could not start that just now. Please try again in a minute.' });
  });
});
