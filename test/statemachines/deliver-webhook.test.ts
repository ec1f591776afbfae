/**
 * The real statemachines/deliver-webhook.asl.json, one scenario per path, on the in-process Step Functions endpoint.
 * Its tasks are the real ones (attempt and fail use cases, the delivery log on dynalite); only the sender is
 * scripted, answering as a receiver would. Jitter is pinned to zero, so every wait is the schedule's (or the
 * receiver's Retry-After); the Wait state itself is shortened to milliseconds, and the waits it was asked for are
 * read from the execution history.
 */
import type { Config } from '../../src/config';
import { deliveryExecutionName } from '../../src/domain/delivery';
import { classifyResponseStatus, RETRY_DELAYS_SECONDS, type DeliveryAttempt } from '../../src/domain/webhook';
import { newWebhookSecret } from '../../src/adapters/webhooks/secret';
import type { WebhookSender, WebhookSendRequest } from '../../src/adapters/webhooks/sender';
import { TransientAwsError } from '../../src/domain/errors';
import { deliverWebhookSteps } from '../../src/handlers/workflow/deliver-webhook-steps';
import { WORKFLOWS } from '../../src/handlers/workflow/registry';
import { notifyClusterOutcome } from '../../src/use-cases/notify-cluster-outcome';
import { systemClock, type DeliveryExecutionInput, type DeliveryStore } from '../../src/use-cases/ports';
import { aCluster } from '../support/clusters';
import { startTestDynamoDB } from '../support/dynamodb';
import { lastStateEntered, readAsl, runScenario, statesEntered } from '../support/state-machine';

const workflow = WORKFLOWS.deliverWebhook;
type Step = (typeof workflow.tasks)[keyof typeof workflow.tasks];

const ASL = readAsl(workflow.aslFile);
const ALL_EVENTS = ['cluster.ready', 'cluster.failed', 'cluster.deleted', 'cluster.delete_failed'];
const config = { webhook: { retryTimeScale: 1 } } as Config;

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

type SendRequest = WebhookSendRequest;
const at = (request: SendRequest) => (request.now ?? new Date()).toISOString();

/** What the sender reports for an HTTP answer, classified by the same rules the real sender uses. */
function answered(statusCode: number, retryAfterSeconds?: number) {
  return (request: SendRequest): DeliveryAttempt => {
    const { outcome, errorClass, honoursRetryAfter } = classifyResponseStatus(statusCode);
    return {
      attemptedAt: at(request),
      durationMs: 7,
      outcome,
      statusCode,
      ...(errorClass && { errorClass }),
      ...(honoursRetryAfter && retryAfterSeconds !== undefined && { retryAfterSeconds }),
    };
  };
}

const refusedAddress = (request: SendRequest): DeliveryAttempt => ({
  attemptedAt: at(request),
  durationMs: 1,
  outcome: 'refused',
  errorClass: 'forbidden_address',
  detail: 'hooks.example.com resolved to 10.0.0.7, a private network address.',
});

interface Run {
  answers: ((request: SendRequest) => DeliveryAttempt)[];
  /** Wraps the delivery log, to inject store failures. */
  deliveries?: (store: DeliveryStore) => DeliveryStore;
}

async function deliver({ answers, deliveries }: Run) {
  const cluster = aCluster({ status: 'READY', statusReason: 'ready', version: 3, webhook: { url: 'https://hooks.example.com/swarm', events: ALL_EVENTS, secret: newWebhookSecret() } });
  await db.store.create(cluster);
  const started: DeliveryExecutionInput[] = [];
  const deliveryWorkflow = { start: async (input: Omit<DeliveryExecutionInput, 'attempt'>) => (started.push({ ...input, attempt: 1 }), 'arn:local') };
  await notifyClusterOutcome({ store: db.store, deliveries: db.deliveries, deliveryWorkflow, clock: systemClock }, { clusterId: cluster.id, event: 'cluster.ready', version: 3 });
  const input = started[0]!;

  const sent: SendRequest[] = [];
  const send: WebhookSender = async (request) => {
    sent.push(request);
    const answer = answers[Math.min(sent.length, answers.length) - 1]!;
    return answer(request);
  };
  const steps = deliverWebhookSteps({
    config,
    clock: systemClock,
    store: db.store,
    deliveries: deliveries ? deliveries(db.deliveries) : db.deliveries,
    sendWebhook: send,
    random: () => 0.5,
  });
  const outcome = await runScenario<Step>({
    definition: ASL,
    tasks: workflow.tasks,
    steps: { attemptDelivery: (task) => steps.attemptDelivery(task), failDelivery: (task) => steps.failDelivery(task) },
    input: { ...input },
    executionName: deliveryExecutionName(input.deliveryId, input.round),
    waitTimeOverrides: { WaitForRetry: 5 },
    retryIntervalOverrides: { Attempt: 5, FailDelivery: 5 },
  });
  const delivery = (await db.deliveries.get(cluster.id, input.deliveryId))!;
  const after = (await db.store.get(cluster.id))!;
  const timeline = (await db.store.listEvents(cluster.id, { limit: 100 })).items;
  const waits = statesEntered(outcome, 'WaitForRetry').map((state) => state.result.waitSeconds as number);
  return { cluster, after, outcome, sent, delivery, timeline, waits };
}

describe('deliver-webhook state machine', () => {
  it('delivered on the first try: one attempt, the delivery marked delivered, the timeline told', async () => {
    const run = await deliver({ answers: [answered(204)] });

    expect(run.outcome.status).toBe('SUCCEEDED');
    expect(lastStateEntered(run.outcome)).toBe('Delivered');
    expect(run.sent).toHaveLength(1);
    expect(run.delivery).toMatchObject({ status: 'delivered', round: 1, deliveredAt: expect.any(String) });
    expect(run.delivery.attempts).toEqual([expect.objectContaining({ round: 1, attempt: 1, statusCode: 204, outcome: 'delivered' })]);
    expect(run.timeline.map((e) => e.type)).toContain('webhook.delivered');
  });

  it('503 three times, then 200: four attempts on the schedule, the same webhook-id and body each time', async () => {
    const run = await deliver({ answers: [answered(503), answered(503), answered(503), answered(200)] });

    expect(run.outcome.status).toBe('SUCCEEDED');
    expect(lastStateEntered(run.outcome)).toBe('Delivered');
    expect(run.waits).toEqual(RETRY_DELAYS_SECONDS.slice(0, 3));
    expect(run.delivery.attempts.map((a) => [a.attempt, a.statusCode])).toEqual([[1, 503], [2, 503], [3, 503], [4, 200]]);
    expect(new Set(run.sent.map((r) => r.messageId))).toEqual(new Set([run.delivery.messageId]));
    expect(new Set(run.sent.map((r) => r.body))).toEqual(new Set([run.delivery.body]));
    for (const attempt of run.delivery.attempts.slice(0, 3)) {
      expect(Date.parse(attempt.nextAttemptAt!) - Date.parse(attempt.attemptedAt)).toBeGreaterThanOrEqual(attempt.waitSeconds! * 1000 - 1000);
    }
    expect(run.delivery.status).toBe('delivered');
  });

  it('Retry-After: a longer wait asked for is honoured (up to an hour), a shorter one never shortens the schedule', async () => {
    const run = await deliver({ answers: [answered(429, 120), answered(503, 2), answered(504, 86_400), answered(200)] });

    expect(run.outcome.status).toBe('SUCCEEDED');
    expect(run.waits).toEqual([120, RETRY_DELAYS_SECONDS[1], 3600]);
    expect(run.delivery.attempts.map((a) => a.retryAfterSeconds)).toEqual([120, 2, 86_400, undefined]);
  });

  it('410 Gone: no retry, the delivery failed, the endpoint disabled on the cluster, whose status is unchanged', async () => {
    const run = await deliver({ answers: [answered(410)] });

    expect(run.outcome.status).toBe('SUCCEEDED');
    expect(lastStateEntered(run.outcome)).toBe('Gone');
    expect(run.sent).toHaveLength(1);
    expect(run.delivery).toMatchObject({ status: 'failed', statusReason: expect.stringMatching(/410 Gone/) });
    expect(run.after.webhook).toMatchObject({ disabledAt: expect.any(String), disabledReason: expect.stringMatching(/410 Gone/) });
    expect(run.after.status).toBe('READY');
    expect(run.after.statusReason).toBe(run.cluster.statusReason);
    expect(run.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['webhook.failed', 'webhook.disabled']));
  });

  it('refused (the URL resolves to a forbidden address): never retried, the reason in the log', async () => {
    const run = await deliver({ answers: [refusedAddress] });

    expect(lastStateEntered(run.outcome)).toBe('Refused');
    expect(run.sent).toHaveLength(1);
    expect(run.delivery.status).toBe('failed');
    expect(run.delivery.attempts[0]).toMatchObject({ outcome: 'refused', errorClass: 'forbidden_address', detail: expect.stringMatching(/private network/) });
    expect(run.after.webhook?.disabledAt).toBeUndefined();
  });

  it('exhausted: every attempt fails, nine attempts over the whole schedule, then failed and the timeline says so', async () => {
    const run = await deliver({ answers: [answered(500)] });

    expect(run.outcome.status).toBe('SUCCEEDED');
    expect(lastStateEntered(run.outcome)).toBe('Exhausted');
    expect(run.sent).toHaveLength(RETRY_DELAYS_SECONDS.length + 1);
    expect(run.waits).toEqual(RETRY_DELAYS_SECONDS);
    expect(run.waits.reduce((total, wait) => total + wait, 0)).toBeGreaterThan(24 * 3600);
    expect(run.delivery).toMatchObject({ status: 'failed', statusReason: expect.stringMatching(/retries ran out after 9 attempts/) });
    expect(run.timeline.at(-1)).toMatchObject({ type: 'webhook.failed', message: expect.stringMatching(/retries ran out/) });
    expect(run.after.status).toBe('READY');
  });

  it('a task retried after its attempt was recorded does not send again, and waits as decided the first time', async () => {
    let failed = false;
    const run = await deliver({
      answers: [answered(503), answered(200)],
      deliveries: (store) => ({
        ...store,
        async update(delivery, changes, attempt) {
          const saved = await store.update(delivery, changes, attempt);
          // The write landed, then the Lambda "died": Step Functions retries the task.
          if (!failed && attempt?.attempt === 1) {
            failed = true;
            throw new TransientAwsError('connection reset after the write');
          }
          return saved;
        },
      }),
    });

    expect(run.outcome.status).toBe('SUCCEEDED');
    expect(run.outcome.calls.filter((c) => c.step === 'attemptDelivery').map((c) => c.input.attempt)).toEqual([1, 1, 2]);
    expect(run.sent).toHaveLength(2);
    expect(run.delivery.attempts.map((a) => a.attempt)).toEqual([1, 2]);
    expect(run.waits).toEqual([RETRY_DELAYS_SECONDS[0]]);
  });

  it('an attempt task that fails for good marks the delivery failed with the error name; the execution fails', async () => {
    const run = await deliver({
      answers: [
        () => {
          throw Object.assign(new Error('The webhook secret is not a valid whsec_ base64 key.'), { name: 'InvalidWebhookRequestError' });
        },
      ],
    });

    expect(run.outcome.status).toBe('FAILED');
    expect(run.outcome.error).toBe('WebhookDeliveryFailed');
    expect(run.delivery).toMatchObject({ status: 'failed', statusReason: 'the delivery workflow stopped: InvalidWebhookRequestError' });
  });
});
