/**
 * One delivery attempt (attempt-webhook-delivery.ts) on one dynalite for the file, a fixed clock and a scripted
 * sender: the exact words on the timeline for each decision, what the delivery record says after it, the answers
 * for an execution that must not send, and every write that loses a race (the delivery's, the cluster's) and the
 * workflow's catch (failWebhookDelivery). The first attempts and redelivery: webhook-deliveries.test.ts.
 */
import { newWebhookSecret } from '../../../src/adapters/webhooks/secret';
import type { Cluster } from '../../../src/domain/cluster';
import { DeliveryMissingError, StaleClusterError, StaleDeliveryError } from '../../../src/domain/errors';
import type { DeliveryAttempt } from '../../../src/domain/webhook';
import { attemptWebhookDelivery, failWebhookDelivery, type AttemptDeliveryDeps } from '../../../src/use-cases/attempt-webhook-delivery';
import { notifyClusterOutcome } from '../../../src/use-cases/notify-cluster-outcome';
import type { ClusterStore, DeliveryStore } from '../../../src/use-cases/ports';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';

const NOW = '2026-11-26T12:00:00.000Z';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

/** A cluster with a webhook, its cluster.ready delivery scheduled (round 1), and a sender answering `answers` in turn. */
async function harness(options: { cluster?: Partial<Cluster>; answers?: Partial<DeliveryAttempt>[] } = {}) {
  const secret = newWebhookSecret();
  const cluster = aCluster({ status: 'READY', statusReason: 'ready', version: 3, webhook: { url: 'https://hooks.example.com/swarm', events: ['cluster.ready'], secret }, ...options.cluster });
  await db.store.create(cluster);
  const clock = fixedClock(NOW);
  const answers = [...(options.answers ?? [])];
  const sent: unknown[] = [];
  const send: AttemptDeliveryDeps['send'] = async (request) => {
    sent.push(request);
    const answer = answers.shift();
    if (!answer) throw new Error('the test scripted no answer for this attempt');
    return { attemptedAt: request.now.toISOString(), durationMs: 7, outcome: 'retryable', ...answer } as DeliveryAttempt;
  };
  const deliveryWorkflow = { start: async () => 'arn:aws:states:us-east-1:000000000000:execution:deliver-webhook:x' };
  const { deliveryId } = await notifyClusterOutcome({ store: db.store, deliveries: db.deliveries, deliveryWorkflow, clock }, { clusterId: cluster.id, event: 'cluster.ready', version: 3 });
  const input = { clusterId: cluster.id, deliveryId: deliveryId!, round: 1, attempt: 1 };
  const deps = (overrides: Partial<AttemptDeliveryDeps> = {}): AttemptDeliveryDeps => ({ store: db.store, deliveries: db.deliveries, clock, send, timeScale: 1, random: () => 0.5, ...overrides });
  const delivery = async () => (await db.deliveries.get(cluster.id, deliveryId!))!;
  const timeline = async () => (await db.store.listEvents(cluster.id, { limit: 50 })).items.map(({ type, message, details }) => ({ type, message, details }));
  return { cluster, secret, clock, sent, input, deps, delivery, timeline, deliveryId: deliveryId! };
}

/** The cluster store as the attempt sees it once the owner removed the webhook (the delivery was made before). */
const withoutWebhook: ClusterStore = {
  ...({} as ClusterStore),
  get: async (id) => {
    const cluster = await db.store.get(id);
    return cluster && { ...cluster, webhook: undefined };
  },
  appendEvent: (event) => db.store.appendEvent(event),
};

const details = (h: { deliveryId: string; cluster: Cluster }, extra: Record<string, unknown>) => ({
  deliveryId: h.deliveryId,
  messageId: `msg_${h.cluster.id}_cluster_ready_v3`,
  event: 'cluster.ready',
  round: 1,
  durationMs: 7,
  ...extra,
});

describe('one webhook attempt: what the timeline and the delivery record say', () => {
  it('delivered: the status code and the attempt on the timeline, deliveredAt stamped, no wait recorded', async () => {
    // Prepare
    const h = await harness({ answers: [{ outcome: 'delivered', statusCode: 204 }] });

    // Act
    const step = await attemptWebhookDelivery(h.deps(), h.input);

    // Assess
    expect(step).toEqual({ decision: 'delivered' });
    expect(await h.delivery()).toMatchObject({ status: 'delivered', statusReason: 'cluster.ready delivered after 1 attempt', deliveredAt: NOW, updatedAt: NOW });
    expect((await h.delivery()).attempts).toEqual([{ attemptedAt: NOW, durationMs: 7, outcome: 'delivered', statusCode: 204, round: 1, attempt: 1 }]);
    expect(await h.timeline()).toEqual([{ type: 'webhook.delivered', message: 'cluster.ready delivered (HTTP 204, attempt 1)', details: details(h, { attempt: 1, statusCode: 204 }) }]);
  });

  it('delivered without a status code: says 2xx', async () => {
    // Prepare
    const h = await harness({ answers: [{ outcome: 'delivered' }] });

    // Act
    await attemptWebhookDelivery(h.deps(), h.input);

    // Assess
    expect((await h.timeline()).map((e) => e.message)).toEqual(['cluster.ready delivered (HTTP 2xx, attempt 1)']);
  });

  it('a retryable failure: the wait and the next attempt’s time recorded, the delivery still pending, no deliveredAt', async () => {
    // Prepare: the second attempt's scheduled wait is 300 s (jitter at its middle).
    const h = await harness({ answers: [{ statusCode: 503, errorClass: 'http_status' }] });

    // Act
    const step = await attemptWebhookDelivery(h.deps(), { ...h.input, attempt: 2 });

    // Assess
    expect(step).toEqual({ decision: 'retry', waitSeconds: 300, nextAttempt: 3 });
    const delivery = await h.delivery();
    expect(delivery).toMatchObject({ status: 'pending', statusReason: 'cluster.ready attempt 1 failed; retrying' });
    expect(delivery.deliveredAt).toBeUndefined();
    expect(delivery.attempts).toEqual([
      { attemptedAt: NOW, durationMs: 7, outcome: 'retryable', statusCode: 503, errorClass: 'http_status', round: 1, attempt: 2, waitSeconds: 300, nextAttemptAt: '2026-11-26T12:05:00.000Z' },
    ]);
    expect(await h.timeline()).toEqual([
      { type: 'webhook.failed', message: 'cluster.ready attempt 2 failed (HTTP 503); next attempt in 300 s', details: details(h, { attempt: 2, statusCode: 503, errorClass: 'http_status' }) },
    ]);
  });

  it('a failure with no status code is named by its error class', async () => {
    // Prepare
    const h = await harness({ answers: [{ errorClass: 'timeout' }] });

    // Act
    await attemptWebhookDelivery(h.deps(), h.input);

    // Assess
    expect((await h.timeline()).map((e) => e.message)).toEqual(['cluster.ready attempt 1 failed (timeout); next attempt in 5 s']);
  });

  it('the last attempt failing: exhausted, the delivery failed, no wait recorded', async () => {
    // Prepare
    const h = await harness({ answers: [{ statusCode: 500, errorClass: 'http_status' }] });

    // Act
    const step = await attemptWebhookDelivery(h.deps(), { ...h.input, attempt: 9 });

    // Assess
    expect(step).toEqual({ decision: 'exhausted' });
    const delivery = await h.delivery();
    expect(delivery).toMatchObject({ status: 'failed', statusReason: 'cluster.ready not delivered: retries ran out after 1 attempt' });
    expect(delivery.attempts[0]).not.toHaveProperty('waitSeconds');
    expect(delivery.attempts[0]).not.toHaveProperty('nextAttemptAt');
    expect((await h.timeline()).map((e) => e.message)).toEqual(['cluster.ready attempt 9 failed (HTTP 500); retries ran out, the delivery has failed']);
  });

  it('refused by the address policy: the policy’s sentence, not retried', async () => {
    // Prepare
    const h = await harness({ answers: [{ outcome: 'refused', errorClass: 'forbidden_address', detail: 'the URL resolves to 10.0.0.5, a private address' }] });

    // Act
    const step = await attemptWebhookDelivery(h.deps(), h.input);

    // Assess
    expect(step).toEqual({ decision: 'refused' });
    expect(await h.delivery()).toMatchObject({ status: 'failed', statusReason: 'the webhook URL or an address it resolves to is not allowed; not retried' });
    expect((await h.timeline()).map((e) => e.message)).toEqual(['cluster.ready attempt 1 failed (forbidden_address): the URL resolves to 10.0.0.5, a private address; not retried']);
  });

  it('refused without a sentence: says the address is not allowed', async () => {
    // Prepare
    const h = await harness({ answers: [{ outcome: 'refused', errorClass: 'forbidden_address' }] });

    // Act
    await attemptWebhookDelivery(h.deps(), h.input);

    // Assess
    expect((await h.timeline()).map((e) => e.message)).toEqual(['cluster.ready attempt 1 failed (forbidden_address): the address is not allowed; not retried']);
  });

  it('410 Gone: the timeline says no further attempts, then that the endpoint is disabled', async () => {
    // Prepare
    const h = await harness({ answers: [{ outcome: 'gone', statusCode: 410, errorClass: 'http_status' }] });

    // Act
    await attemptWebhookDelivery(h.deps(), h.input);

    // Assess
    expect(await h.timeline()).toEqual([
      { type: 'webhook.failed', message: 'cluster.ready attempt 1 failed (HTTP 410): the receiver answered 410 Gone; no further attempts', details: details(h, { attempt: 1, statusCode: 410, errorClass: 'http_status' }) },
      {
        type: 'webhook.disabled',
        message: 'webhook endpoint disabled: the receiver answered 410 Gone to cluster.ready; later events will not be sent',
        details: { deliveryId: h.deliveryId, event: 'cluster.ready' },
      },
    ]);
    expect(await h.delivery()).toMatchObject({ status: 'failed', statusReason: 'the receiver answered 410 Gone; the endpoint is disabled for this cluster' });
  });
});

describe('an execution that must not send', () => {
  it('a delivery no longer pending, with no attempt of this number: stopped, nothing sent', async () => {
    // Prepare
    const h = await harness();
    await db.deliveries.update(await h.delivery(), { status: 'failed', statusReason: 'failed elsewhere', updatedAt: NOW });

    // Act
    const step = await attemptWebhookDelivery(h.deps(), h.input);

    // Assess
    expect(step).toEqual({ decision: 'stopped' });
    expect(h.sent).toEqual([]);
  });

  it('a delivery that does not exist: DeliveryMissingError', async () => {
    // Prepare
    const h = await harness();

    // Act / Assess
    await expect(attemptWebhookDelivery(h.deps(), { ...h.input, deliveryId: 'dlv_missing' })).rejects.toThrow(DeliveryMissingError);
  });

  it('a cluster whose webhook was removed: failed with that reason, on the timeline, nothing sent', async () => {
    // Prepare
    const h = await harness();

    // Act
    const step = await attemptWebhookDelivery(h.deps({ store: withoutWebhook }), h.input);

    // Assess
    expect(step).toEqual({ decision: 'stopped' });
    expect(await h.delivery()).toMatchObject({ status: 'failed', statusReason: 'not sent: the cluster has no webhook any more', updatedAt: NOW });
    expect(await h.timeline()).toEqual([
      { type: 'webhook.failed', message: 'cluster.ready not sent: the cluster has no webhook any more', details: { deliveryId: h.deliveryId, event: 'cluster.ready' } },
    ]);
    expect(h.sent).toEqual([]);
  });

  it('an endpoint disabled by a 410: failed with that reason', async () => {
    // Prepare
    const h = await harness({ cluster: {} });
    const cluster = (await db.store.get(h.cluster.id))!;
    await db.store.update(cluster, { webhook: { ...cluster.webhook!, disabledAt: NOW } });

    // Act
    await attemptWebhookDelivery(h.deps(), h.input);

    // Assess
    expect((await h.delivery()).statusReason).toBe('not sent: the endpoint was disabled after answering 410 Gone');
    expect((await h.timeline()).map((e) => e.message)).toEqual(['cluster.ready not sent: the endpoint was disabled after answering 410 Gone']);
  });

  it('a retried task whose 410 was recorded but whose endpoint was not yet disabled: disables it, sends nothing', async () => {
    // Prepare: the attempt was written, then the task stopped before the cluster write.
    const h = await harness();
    const delivery = await h.delivery();
    await db.deliveries.update(delivery, { status: 'failed', statusReason: 'gone', updatedAt: NOW }, { attemptedAt: NOW, durationMs: 7, outcome: 'gone', statusCode: 410, round: 1, attempt: 1 });

    // Act
    const step = await attemptWebhookDelivery(h.deps(), h.input);

    // Assess
    expect(step).toEqual({ decision: 'gone' });
    expect((await db.store.get(h.cluster.id))!.webhook).toMatchObject({ disabledAt: NOW, disabledReason: 'the receiver answered 410 Gone to cluster.ready' });
    expect(h.sent).toEqual([]);
  });
});

/** The delivery log as seen when another writer lands first: `before` runs, then the write is refused as stale. */
function losingDeliveries(before: () => Promise<void>, times = 1): DeliveryStore {
  let left = times;
  return {
    ...db.deliveries,
    update: async (delivery, changes, attempt) => {
      if (left <= 0) return db.deliveries.update(delivery, changes, attempt);
      left -= 1;
      await before();
      throw new StaleDeliveryError(delivery.deliveryId, delivery.version);
    },
  };
}

describe('a write that loses a race', () => {
  it('the same attempt recorded by a concurrent retry of the task: answers as that attempt did, writes nothing more', async () => {
    // Prepare
    const h = await harness({ answers: [{ statusCode: 503, errorClass: 'http_status' }] });
    const theirs = { attemptedAt: NOW, durationMs: 9, outcome: 'retryable' as const, statusCode: 502, round: 1, attempt: 1, waitSeconds: 6 };
    const deliveries = losingDeliveries(async () => {
      await db.deliveries.update(await h.delivery(), { status: 'pending', statusReason: 'theirs', updatedAt: NOW }, theirs);
    });

    // Act
    const step = await attemptWebhookDelivery(h.deps({ deliveries }), h.input);

    // Assess
    expect(step).toEqual({ decision: 'retry', waitSeconds: 6, nextAttempt: 2 });
    expect((await h.delivery()).attempts).toEqual([theirs]);
    expect(await h.timeline()).toEqual([]);
  });

  it('a redelivery opened a new round meanwhile: superseded', async () => {
    // Prepare
    const h = await harness({ answers: [{ statusCode: 503, errorClass: 'http_status' }] });
    const deliveries = losingDeliveries(async () => {
      await db.deliveries.update(await h.delivery(), { round: 2, status: 'pending', statusReason: 'redelivery', updatedAt: NOW });
    });

    // Act
    const step = await attemptWebhookDelivery(h.deps({ deliveries }), h.input);

    // Assess
    expect(step).toEqual({ decision: 'superseded' });
  });

  it('a change that leaves this attempt still to record: the stale write is rethrown for the task to retry', async () => {
    // Prepare
    const h = await harness({ answers: [{ statusCode: 503, errorClass: 'http_status' }] });
    const deliveries = losingDeliveries(async () => {
      await db.deliveries.update(await h.delivery(), { status: 'pending', statusReason: 'touched', updatedAt: NOW });
    });

    // Act / Assess
    await expect(attemptWebhookDelivery(h.deps({ deliveries }), h.input)).rejects.toThrow(StaleDeliveryError);
    expect(await h.timeline()).toEqual([]);
  });

  it('any other failure of the write is rethrown as it is', async () => {
    // Prepare
    const h = await harness({ answers: [{ statusCode: 503, errorClass: 'http_status' }] });
    const deliveries: DeliveryStore = {
      ...db.deliveries,
      update: async () => {
        throw new Error('throttled');
      },
    };

    // Act / Assess
    await expect(attemptWebhookDelivery(h.deps({ deliveries }), h.input)).rejects.toThrow('throttled');
  });

  it('stopping a delivery that changed meanwhile: answers from the record as it is now (a new round: superseded)', async () => {
    // Prepare
    const h = await harness();
    const deliveries = losingDeliveries(async () => {
      await db.deliveries.update(await h.delivery(), { round: 2, status: 'pending', statusReason: 'redelivery', updatedAt: NOW });
    });

    // Act
    const step = await attemptWebhookDelivery(h.deps({ deliveries, store: withoutWebhook }), h.input);

    // Assess
    expect(step).toEqual({ decision: 'superseded' });
    expect(await h.timeline()).toEqual([]);
  });

  it('stopping a delivery touched meanwhile but still ours: stopped, with no timeline entry of ours', async () => {
    // Prepare
    const h = await harness();
    const deliveries = losingDeliveries(async () => {
      await db.deliveries.update(await h.delivery(), { status: 'pending', statusReason: 'touched', updatedAt: NOW });
    });

    // Act
    const step = await attemptWebhookDelivery(h.deps({ deliveries, store: withoutWebhook }), h.input);

    // Assess
    expect(step).toEqual({ decision: 'stopped' });
    expect(await h.timeline()).toEqual([]);
  });

  it('stopping: any other failure of the write is rethrown', async () => {
    // Prepare
    const h = await harness();
    const deliveries: DeliveryStore = {
      ...db.deliveries,
      update: async () => {
        throw new Error('throttled');
      },
    };

    // Act / Assess
    await expect(attemptWebhookDelivery(h.deps({ deliveries, store: withoutWebhook }), h.input)).rejects.toThrow('throttled');
  });
});

/** The cluster store as seen when `times` other writers land between each read and write of the endpoint's disabling. */
function losingClusterWrites(times: number) {
  let left = times;
  const attempts: number[] = [];
  const store: ClusterStore = {
    ...db.store,
    update: async (cluster, changes) => {
      attempts.push(cluster.version);
      if (left > 0) {
        left -= 1;
        throw new StaleClusterError(cluster.id, cluster.version);
      }
      return db.store.update(cluster, changes);
    },
  };
  return { store, attempts };
}

describe('disabling the endpoint after a 410 while the cluster keeps changing', () => {
  it('reads again and succeeds on the fifth try', async () => {
    // Prepare
    const h = await harness({ answers: [{ outcome: 'gone', statusCode: 410, errorClass: 'http_status' }] });
    const racing = losingClusterWrites(4);

    // Act
    const step = await attemptWebhookDelivery(h.deps({ store: racing.store }), h.input);

    // Assess
    expect(step).toEqual({ decision: 'gone' });
    expect(racing.attempts).toHaveLength(5);
    expect((await db.store.get(h.cluster.id))!.webhook).toMatchObject({ disabledAt: NOW });
  });

  it('gives up after five lost races and lets the task’s retry take over', async () => {
    // Prepare
    const h = await harness({ answers: [{ outcome: 'gone', statusCode: 410, errorClass: 'http_status' }] });
    const racing = losingClusterWrites(5);

    // Act / Assess
    await expect(attemptWebhookDelivery(h.deps({ store: racing.store }), h.input)).rejects.toThrow(StaleClusterError);
    expect(racing.attempts).toHaveLength(5);
    expect((await db.store.get(h.cluster.id))!.webhook?.disabledAt).toBeUndefined();
  });

  it('any other failure of the cluster write is rethrown at once', async () => {
    // Prepare
    const h = await harness({ answers: [{ outcome: 'gone', statusCode: 410, errorClass: 'http_status' }] });
    let writes = 0;
    const store: ClusterStore = {
      ...db.store,
      update: async () => {
        writes += 1;
        throw new Error('throttled');
      },
    };

    // Act / Assess
    await expect(attemptWebhookDelivery(h.deps({ store }), h.input)).rejects.toThrow('throttled');
    expect(writes).toBe(1);
  });
});

describe('the delivery workflow’s catch', () => {
  it('marks the pending round failed with the error’s name, on the record and the timeline', async () => {
    // Prepare
    const h = await harness();

    // Act
    await failWebhookDelivery({ store: db.store, deliveries: db.deliveries, clock: h.clock }, { clusterId: h.cluster.id, deliveryId: h.deliveryId, round: 1, error: 'Lambda.Unknown' });

    // Assess
    expect(await h.delivery()).toMatchObject({ status: 'failed', statusReason: 'the delivery workflow stopped: Lambda.Unknown', updatedAt: NOW });
    expect(await h.timeline()).toEqual([
      { type: 'webhook.failed', message: 'cluster.ready the delivery workflow stopped: Lambda.Unknown', details: { deliveryId: h.deliveryId, event: 'cluster.ready' } },
    ]);
  });

  it('without an error name: says unknown error', async () => {
    // Prepare
    const h = await harness();

    // Act
    await failWebhookDelivery({ store: db.store, deliveries: db.deliveries, clock: h.clock }, { clusterId: h.cluster.id, deliveryId: h.deliveryId, round: 1 });

    // Assess
    expect((await h.delivery()).statusReason).toBe('the delivery workflow stopped: unknown error');
  });

  it.each([
    ['a delivery that does not exist', { deliveryId: 'dlv_missing' }],
    ['an older round', { round: 0 }],
  ])('leaves %s alone', async (_, change) => {
    // Prepare
    const h = await harness();

    // Act
    await failWebhookDelivery({ store: db.store, deliveries: db.deliveries, clock: h.clock }, { clusterId: h.cluster.id, deliveryId: h.deliveryId, round: 1, ...change });

    // Assess
    expect((await h.delivery()).status).toBe('pending');
    expect(await h.timeline()).toEqual([]);
  });

  it('leaves a settled delivery alone', async () => {
    // Prepare
    const h = await harness();
    await db.deliveries.update(await h.delivery(), { status: 'delivered', statusReason: 'delivered', updatedAt: NOW });

    // Act
    await failWebhookDelivery({ store: db.store, deliveries: db.deliveries, clock: h.clock }, { clusterId: h.cluster.id, deliveryId: h.deliveryId, round: 1, error: 'X' });

    // Assess
    expect((await h.delivery()).status).toBe('delivered');
    expect(await h.timeline()).toEqual([]);
  });

  it('reads again after a lost race, up to five times, then fails it', async () => {
    // Prepare
    const h = await harness();
    const deliveries = losingDeliveries(async () => undefined, 4);

    // Act
    await failWebhookDelivery({ store: db.store, deliveries, clock: h.clock }, { clusterId: h.cluster.id, deliveryId: h.deliveryId, round: 1, error: 'X' });

    // Assess
    expect((await h.delivery()).status).toBe('failed');
  });

  it('rethrows the fifth lost race, and any other failure at once', async () => {
    // Prepare
    const h = await harness();
    const deliveries = losingDeliveries(async () => undefined, 5);
    const broken: DeliveryStore = {
      ...db.deliveries,
      update: async () => {
        throw new Error('throttled');
      },
    };

    // Act / Assess
    await expect(failWebhookDelivery({ store: db.store, deliveries, clock: h.clock }, { clusterId: h.cluster.id, deliveryId: h.deliveryId, round: 1 })).rejects.toThrow(StaleDeliveryError);
    await expect(failWebhookDelivery({ store: db.store, deliveries: broken, clock: h.clock }, { clusterId: h.cluster.id, deliveryId: h.deliveryId, round: 1 })).rejects.toThrow('throttled');
    expect((await h.delivery()).status).toBe('pending');
  });
});
