import { newWebhookSecret } from '../../../src/adapters/webhooks/secret';
import type { Dependencies } from '../../../src/composition';
import { deliveryIdFor } from '../../../src/domain/delivery';
import { listClusterDeliveriesHandler } from '../../../src/handlers/http/list-cluster-deliveries';
import { redeliverWebhookHandler } from '../../../src/handlers/http/redeliver-webhook';
import { notifyClusterOutcome } from '../../../src/use-cases/notify-cluster-outcome';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { httpEvent, invoke } from '../../support/http';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
let deps: Pick<Dependencies, 'store' | 'deliveries' | 'deliveryWorkflow' | 'clock' | 'access'>;
const start = jest.fn(async () => 'arn:aws:states:us-east-1:000000000000:execution:deliver-webhook:x');

beforeAll(async () => {
  db = await startTestDynamoDB();
  deps = { store: db.store, deliveries: db.deliveries, deliveryWorkflow: { start }, clock: fixedClock(), access: { operatorRoleArns: [] } };
});
afterAll(() => db.close());
beforeEach(() => start.mockClear());

/** A READY cluster of alice's with a webhook and `events` delivered events (versions 3, 4, ...). */
async function clusterWithDeliveries(events: number) {
  const secret = newWebhookSecret();
  const cluster = aCluster({ status: 'READY', version: 3, webhook: { url: 'https://hooks.example.com/swarm', events: ['cluster.ready', 'cluster.failed'], secret } });
  await db.store.create(cluster);
  for (let index = 0; index < events; index += 1) {
    await notifyClusterOutcome(deps, { clusterId: cluster.id, event: index % 2 === 0 ? 'cluster.ready' : 'cluster.failed', version: 3 + index });
  }
  start.mockClear();
  return { cluster, secret };
}

const list = (id: string, options: { principal?: string; query?: Record<string, string> } = {}) =>
  invoke(listClusterDeliveriesHandler(deps), httpEvent({ path: `/clusters/${id}/deliveries`, pathParameters: { id }, principal: options.principal, query: options.query }));

const redeliver = (id: string, deliveryId: string, principal?: string) =>
  invoke(
    redeliverWebhookHandler(deps),
    httpEvent({ method: 'POST', path: `/clusters/${id}/deliveries/${deliveryId}/redeliver`, pathParameters: { id, deliveryId }, principal }),
  );

describe('GET /clusters/{id}/deliveries', () => {
  it('lists the deliveries oldest first, each with its webhook-id, exact body and attempts, never the secret', async () => {
    const { cluster, secret } = await clusterWithDeliveries(2);

    const response = await list(cluster.id);

    expect(response.statusCode).toBe(200);
    const items = response.json!.items as Record<string, any>[];
    expect(items.map((d) => [d.event, d.clusterVersion, d.status])).toEqual([['cluster.ready', 3, 'pending'], ['cluster.failed', 4, 'pending']]);
    expect(items[0]).toMatchObject({
      id: deliveryIdFor(cluster.id, 'cluster.ready', 3),
      webhookId: `msg_${cluster.id}_cluster_ready_v3`,
      round: 1,
      attempts: [],
      links: { redeliver: `/clusters/${cluster.id}/deliveries/${deliveryIdFor(cluster.id, 'cluster.ready', 3)}/redeliver` },
    });
    expect(JSON.parse(items[0]!.body)).toMatchObject({ type: 'cluster.ready', data: { cluster: { id: cluster.id } } });
    expect(response.body).not.toContain(secret);
  });

  it('pages with an opaque cursor', async () => {
    const { cluster } = await clusterWithDeliveries(3);

    const first = await list(cluster.id, { query: { limit: '2' } });
    const second = await list(cluster.id, { query: { limit: '2', cursor: first.json!.nextCursor as string } });

    expect((first.json!.items as unknown[]).length).toBe(2);
    expect((second.json!.items as { clusterVersion: number }[]).map((d) => d.clusterVersion)).toEqual([5]);
  });

  it("is a 404 for another owner's cluster, as GET /clusters/{id} is", async () => {
    const { cluster } = await clusterWithDeliveries(1);
    const response = await list(cluster.id, { principal: 'mallory' });
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('hooks.example.com');
  });
});

describe('POST /clusters/{id}/deliveries/{deliveryId}/redeliver', () => {
  it('answers 202 with the delivery in its new round, and starts that round', async () => {
    const { cluster } = await clusterWithDeliveries(1);
    const deliveryId = deliveryIdFor(cluster.id, 'cluster.ready', 3);

    const response = await redeliver(cluster.id, deliveryId);

    expect(response.statusCode).toBe(202);
    expect(response.headers?.location).toBe(`/clusters/${cluster.id}/deliveries`);
    expect(response.json).toMatchObject({ id: deliveryId, round: 2, status: 'pending', webhookId: `msg_${cluster.id}_cluster_ready_v3` });
    expect(start).toHaveBeenCalledWith({ clusterId: cluster.id, deliveryId, round: 2 });
  });

  it("is a 404 for another owner's cluster and for an unknown delivery, starting nothing", async () => {
    const { cluster } = await clusterWithDeliveries(1);
    expect((await redeliver(cluster.id, deliveryIdFor(cluster.id, 'cluster.ready', 3), 'mallory')).statusCode).toBe(404);
    expect((await redeliver(cluster.id, deliveryIdFor(cluster.id, 'cluster.ready', 42))).statusCode).toBe(404);
    expect(start).not.toHaveBeenCalled();
  });

  it('is a 422 naming the path parameter when the delivery id is malformed', async () => {
    const { cluster } = await clusterWithDeliveries(1);
    const response = await redeliver(cluster.id, 'dlv_nope');
    expect(response.statusCode).toBe(422);
    expect(response.json!.errors).toEqual([{ field: 'deliveryId', message: 'is not a delivery id' }]);
  });

  it('is a 409 problem when the endpoint was disabled by a 410', async () => {
    const { cluster } = await clusterWithDeliveries(1);
    const stored = (await db.store.get(cluster.id))!;
    await db.store.update(stored, { webhook: { ...stored.webhook!, disabledAt: '2026-11-26T12:00:00.000Z', disabledReason: 'the receiver answered 410 Gone' } });

    const response = await redeliver(cluster.id, deliveryIdFor(cluster.id, 'cluster.ready', 3));

    expect(response.statusCode).toBe(409);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(start).not.toHaveBeenCalled();
  });
});
