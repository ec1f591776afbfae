/**
 * POST /chatops/slack: a request not signed by Slack gets 401, a foreign workspace 403, a malformed command 400; a
 * command is dispatched at most once (a Slack retry or a duplicate of its trigger_id is acknowledged with an empty 200
 * and dispatched no more), and the acknowledgement comes within Slack's 3 seconds however long the work takes.
 */
import { slackSignature } from '../../../src/adapters/slack/signature';
import { slackCommandHandler, type SlackCommandHandlerDeps } from '../../../src/handlers/http/slack-command';
import type { ChatCommandJob } from '../../../src/use-cases/run-chat-command';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { httpEvent, invoke } from '../../support/http';

const SECRET = 'slack-signing-secret-for-tests';
const NOW = new Date('2026-11-26T12:00:00.000Z');
const TS = String(NOW.getTime() / 1000);
const RESPONSE_URL = 'https://hooks.slack.com/commands/T0001/1234/abcd';

let triggers = 0;
/** A slash command's form body; each call is a new command (its own trigger_id), as each time a person types one. */
const form = (fields: Record<string, string>) =>
  new URLSearchParams({ team_id: 'T0001', user_id: 'U0042', command: '/swarm', response_url: RESPONSE_URL, trigger_id: `13345224609.${++triggers}.8088930838d88f008e0`, text: 'list', ...fields }).toString();
const triggerOf = (body: string) => new URLSearchParams(body).get('trigger_id')!;

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
    slack: { signingSecret: SECRET, teamIds: ['T0001'], allowLoopbackHttp: false, apiUrl: 'https://slack.com/api' },
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
    const body = form({ text: 'create demo workers=2' });
    const response = await invoke(handler(), signed(body));
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ response_type: 'ephemeral', text: 'On it: create demo' });
    expect(jobs).toEqual([
      { owner: 'slack:T0001:U0042', userId: 'U0042', triggerId: triggerOf(body), command: { verb: 'create', name: 'demo', options: { workers: '2' } }, responseUrl: RESPONSE_URL, teamId: 'T0001' },
    ]);
  });

  it('hands the worker the channel the command was typed in, so a cluster it creates can post its health events there', async () => {
    // Prepare: Slack's slash command payload carries channel_id beside team_id ("Implementing slash commands",
    // https://docs.slack.dev/interactivity/implementing-slash-commands).
    const body = form({ text: 'create demo', channel_id: 'C2147483705' });

    // Act
    const response = await invoke(handler(), signed(body));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(jobs).toEqual([expect.objectContaining({ teamId: 'T0001', channelId: 'C2147483705' })]);
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
    const response = await invoke(handler({ slack: { teamIds: ['T0001'], allowLoopbackHttp: false, apiUrl: 'https://slack.com/api' } }), signed(body));
    expect(response.statusCode).toBe(401);
  });

  it('refuses a correctly signed request from a workspace it does not serve', async () => {
    const response = await invoke(handler(), signed(form({ team_id: 'T9999', text: 'create demo' })));
    expect(response.statusCode).toBe(403);
    expect(response.json!.detail).toBe('This Slack workspace may not use this service.');
    expect(jobs).toEqual([]);
  });

  it('acknowledges a replayed request within its 5-minute window with an empty 200, and does not dispatch it again', async () => {
    const request = signed(body);
    expect((await invoke(handler(), request)).statusCode).toBe(200);
    const replay = await invoke(handler(), request);
    expect(replay.statusCode).toBe(200);
    expect(replay.body).toBe('');
    expect(jobs).toHaveLength(1);
  });

  // Slack marks a request it sends again with X-Slack-Retry-Num and X-Slack-Retry-Reason and signs it afresh
  // (https://api.slack.com/events-api#failure_conditions; Slack's own receiver reads both headers:
  // https://github.com/slackapi/bolt-js/blob/main/src/receivers/HTTPModuleFunctions.ts). Acknowledging a retry without
  // acting on it is the approach Slack's maintainers describe for work that must not run twice
  // (https://github.com/slackapi/bolt-python/issues/731).
  it('acknowledges a Slack retry (X-Slack-Retry-Num, fresh timestamp and signature) with an empty 200 and dispatches nothing', async () => {
    const command = form({ text: 'create demo' });
    expect((await invoke(handler(), signed(command))).statusCode).toBe(200);
    const later = String(Number(TS) + 60);
    const retry = await invoke(
      handler({ clock: fixedClock(new Date((Number(TS) + 61) * 1000).toISOString()) }),
      signed(command, { timestamp: later, headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } }),
    );

    expect(retry.statusCode).toBe(200);
    expect(retry.body).toBe('');
    expect(jobs).toHaveLength(1);
  });

  it('acknowledges a Slack retry whose first delivery never arrived, still without dispatching (at most once)', async () => {
    const retry = await invoke(handler(), signed(form({ text: 'create demo' }), { headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'connection_failed' } }));
    expect(retry.statusCode).toBe(200);
    expect(jobs).toEqual([]);
  });

  it('dispatches a command re-sent without a retry header but with its trigger_id once only', async () => {
    const command = form({ text: 'create demo' });
    await invoke(handler(), signed(command));
    const later = String(Number(TS) + 30);
    const again = await invoke(handler({ clock: fixedClock(new Date((Number(TS) + 30) * 1000).toISOString()) }), signed(command, { timestamp: later }));
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe('');
    expect(jobs).toHaveLength(1);
  });

  it('refuses a retry header on an unsigned request with 401: authenticity comes first', async () => {
    const response = await invoke(handler(), signed(body, { signature: slackSignature('another-secret', TS, body), headers: { 'x-slack-retry-num': '1' } }));
    expect(response.statusCode).toBe(401);
  });

  it.each([
    ['a response_url that is not Slack’s', { response_url: 'https://attacker.example/steal' }],
    ['no response_url', { response_url: '' }],
    ['no user_id', { user_id: '' }],
    ['no trigger_id', { trigger_id: '' }],
  ])('refuses a signed command with %s with 400 problem+json', async (_case, fields) => {
    const response = await invoke(handler(), signed(form({ text: 'create demo', ...fields })));
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 400, detail: 'The command is missing its user, its trigger_id or its Slack response_url.' });
    expect(jobs).toEqual([]);
  });

  it('dispatches one of ten concurrent copies of a command, with the conditional write on DynamoDB', async () => {
    const db = await startTestDynamoDB();
    try {
      const request = signed(form({ text: 'create demo' }));
      const responses = await Promise.all(Array.from({ length: 10 }, () => invoke(handler({ seenBefore: db.seenBefore }), request)));
      expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
      expect(jobs).toHaveLength(1);
      expect(responses.filter((r) => r.body === '')).toHaveLength(9);
    } finally {
      await db.close();
    }
  });

  // Slack's rule: "This confirmation must be received by Slack within 3000 milliseconds of the original request being
  // sent, otherwise a `Timeout was reached` will be shown to the user" (https://api.slack.com/interactivity/slash-commands,
  // "Confirming receipt"). Time is Jest's fake clock here: the answer is awaited up to 2,999 ms of it and no further,
  // so a handler that waited for the work (or a budget above 3 s) fails, and no real timer outlives a test.
  describe('within Slack’s 3 seconds', () => {
    beforeEach(() => jest.useFakeTimers({ now: NOW }));
    afterEach(() => {
      jest.clearAllTimers();
      jest.useRealTimers();
    });

    /** The handler's answer if it came within `ms` of fake time, else undefined. */
    async function answerWithin(ms: number, deps: Partial<SlackCommandHandlerDeps>) {
      let answer: Awaited<ReturnType<typeof invoke>> | undefined;
      const pending = invoke(handler(deps), signed(body)).then((response) => (answer = response));
      await jest.advanceTimersByTimeAsync(ms);
      return { answer, pending };
    }

    it('acknowledges a hand-over that takes 1.5 s within 3 seconds, saying the work is on its way', async () => {
      const handOver = () => new Promise<void>((resolve) => setTimeout(resolve, 1_500));

      const { answer } = await answerWithin(2_999, { dispatch: handOver });

      expect(answer?.statusCode).toBe(200);
      expect(answer?.json).toEqual({ response_type: 'ephemeral', text: 'On it: create demo' });
    });

    it('acknowledges within 3 seconds while the work takes much longer: the hand-over does not wait for the work', async () => {
      // What the event on the bus gives the worker: its own time, after the hand-over (PutEvents) returned. The work
      // here takes ten minutes (the worker Lambda's longest run).
      let workDone = false;
      const handOver = async () => {
        setTimeout(() => {
          workDone = true;
        }, 600_000);
      };

      const { answer } = await answerWithin(2_999, { dispatch: handOver });

      expect(answer?.json).toEqual({ response_type: 'ephemeral', text: 'On it: create demo' });
      expect(workDone).toBe(false);
    });

    it('still answers within 3 seconds when the hand-over itself hangs (the default budget), and says so', async () => {
      let handedOver = false;
      const hangingHandOver = () => new Promise<void>((resolve) => setTimeout(() => resolve(void (handedOver = true)), 60_000));

      const { answer: early, pending } = await answerWithin(1_900, { dispatch: hangingHandOver });
      expect(early).toBeUndefined(); // the hand-over gets its budget (2 s by default) first
      await jest.advanceTimersByTimeAsync(1_099);
      const answer = await Promise.race([pending, Promise.resolve(undefined)]);

      expect(answer?.statusCode).toBe(200);
      expect(answer?.json!.text).toBe('This is taking longer than usual. If nothing follows within a minute, please try again.');
      expect(handedOver).toBe(false);
    });
  });

  it('apologises in the channel, with a 200, when the hand-over fails', async () => {
    const response = await invoke(handler({ dispatch: () => Promise.reject(new Error('Lambda throttled')) }), signed(body));
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ response_type: 'ephemeral', text: 'I could not start that just now. Please try again in a minute.' });
  });
});
