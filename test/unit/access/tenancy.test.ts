/**
 * Owner A against owner B's cluster, on every route that names a cluster: one table row per route. A route added to
 * routes.ts with `{id}` in its path fails "covers every route that names a cluster" until it has its row here.
 */
import { buildDiagnosticsStore } from '../../../src/adapters/dynamodb/diagnostics-store';
import type { Dependencies } from '../../../src/composition';
import type { ClusterAction } from '../../../src/domain/access';
import { newClusterId, type Cluster } from '../../../src/domain/cluster';
import { notifyClusterOutcome } from '../../../src/use-cases/notify-cluster-outcome';
import { httpRoutes } from '../../../src/handlers/http/routes';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeWorkflows } from '../../support/fakes';
import { httpEvent, invoke } from '../../support/http';

interface Row {
  route: string;
  action: ClusterAction;
  query?: Record<string, string>;
  body?: unknown;
  /** More path parameters, made for the owner's cluster (e.g. a delivery of it). */
  setup?: (cluster: Cluster) => Promise<Record<string, string>>;
}

/** A cluster with a webhook and one delivery of cluster.ready, for the delivery routes. */
async function withDelivery(cluster: Cluster): Promise<Record<string, string>> {
  await db.store.update(cluster, { webhook: { url: 'https://hooks.example.com/swarm', events: ['cluster.ready'], secret: 'whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0' } });
  const { deliveryId } = await notifyClusterOutcome(deps, { clusterId: cluster.id, event: 'cluster.ready', version: cluster.version + 1 });
  return { deliveryId: deliveryId! };
}

/** A HIBERNATED cluster, for wake. */
async function hibernated(cluster: Cluster): Promise<Record<string, string>> {
  await db.store.update(cluster, { status: 'HIBERNATED', hibernatedWorkers: cluster.parameters.workers, parameters: { ...cluster.parameters, workers: 0 } });
  return {};
}

/** A running manager on record, for connect. */
async function withManager(cluster: Cluster): Promise<Record<string, string>> {
  await db.store.update(cluster, { nodes: [{ instanceId: 'i-0123456789abcdef0', role: 'manager', availabilityZone: 'us-east-1a', state: 'running' }] });
  return {};
}

/** Diagnostics collected earlier, for reading them. */
async function withDiagnostics(cluster: Cluster): Promise<Record<string, string>> {
  await buildDiagnosticsStore(db.documents, 'clusters').put({ clusterId: cluster.id, status: 'ready', collectedAt: '2026-11-26T12:00:00.000Z', trigger: 'requested', nodes: [] });
  return {};
}

const CLUSTER_ROUTES: Row[] = [
  { route: 'GET /clusters/{id}', action: 'read' },
  { route: 'DELETE /clusters/{id}', action: 'delete' },
  { route: 'PATCH /clusters/{id}', action: 'change', body: { idleTimeout: 'PT2H' } },
  { route: 'PATCH /clusters/{id}', action: 'change', body: { workers: 2 } },
  { route: 'POST /clusters/{id}/upgrade', action: 'change' },
  { route: 'POST /clusters/{id}/hibernate', action: 'change' },
  { route: 'POST /clusters/{id}/wake', action: 'change', setup: hibernated },
  { route: 'POST /clusters/{id}/activity', action: 'change' },
  { route: 'GET /clusters/{id}/nodes', action: 'read' },
  { route: 'GET /clusters/{id}/connect', action: 'read', setup: withManager },
  { route: 'GET /clusters/{id}/diagnostics', action: 'read', setup: withDiagnostics },
  { route: 'POST /clusters/{id}/diagnostics', action: 'change', setup: withManager },
  { route: 'GET /clusters/{id}/events', action: 'read' },
  { route: 'GET /clusters/{id}/deliveries', action: 'read', setup: withDelivery },
  { route: 'POST /clusters/{id}/deliveries/{deliveryId}/redeliver', action: 'change', setup: withDelivery },
];

const OPERATOR_ROLE = 'arn:aws:iam::123456789012:role/ops/OnCall';
type Who = { principal?: string; operator?: boolean; iamArn?: string };
const ALICE: Who = { principal: 'alice' };
const BOB: Who = { principal: 'bob' };
const KEY_OPERATOR: Who = { principal: 'reaper', operator: true };
const IAM_OPERATOR: Who = { iamArn: 'arn:aws:sts::123456789012:assumed-role/OnCall/jane@example.com' };
const IAM_STRANGER: Who = { iamArn: 'arn:aws:sts::123456789012:assumed-role/Builder/ci' };

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
let deps: Dependencies;

beforeAll(async () => {
  db = await startTestDynamoDB();
  deps = {
    config: { region: 'us-east-1', allowedRegions: ['us-east-1'], quota: { maxActiveClusters: 10, maxInstances: 100 }, slack: { teamIds: [], allowLoopbackHttp: false } },
    clock: fixedClock(),
    store: db.store,
    quotas: db.quotas,
    workflows: fakeWorkflows().workflows,
    followUps: { announce: async () => undefined },
    instances: { instancesOfCluster: async () => [] },
    deliveries: db.deliveries,
    deliveryWorkflow: { start: async () => 'arn:aws:states:us-east-1:000000000000:execution:deliver-webhook:x' },
    access: { operatorRoleArns: [OPERATOR_ROLE] },
    diagnostics: buildDiagnosticsStore(db.documents, 'clusters'),
    consoleOutput: { consoleOutput: async () => 'Cloud-init v. 22.2.2 finished' },
    nodeCommands: { run: async (_region: string, instanceId: string) => ({ instanceId, status: 'Success', output: 'Swarm: active' }) },
    diagnosticsRequests: async () => undefined,
  } as unknown as Dependencies;
});
afterAll(() => db.close());

function call(row: Row, who: Who, id: string, extra: Record<string, string> = {}) {
  const [method, template] = row.route.split(' ') as [string, string];
  const handler = httpRoutes.find((r) => `${r.method} ${r.path}` === row.route)!.build(deps);
  const pathParameters = { ...extra, id };
  const path = Object.entries(pathParameters).reduce((p, [name, value]) => p.replace(`{${name}}`, value), template);
  return invoke(handler, httpEvent({ method, path, pathParameters, query: row.query, body: row.body, principal: who.principal, operator: who.operator, iamArn: who.iamArn }));
}

async function alicesCluster(row?: Row) {
  const cluster = aCluster({ id: newClusterId(), owner: 'alice', status: 'READY' });
  await db.store.create(cluster);
  const extra = row?.setup ? await row.setup(cluster) : {};
  return { ...((await db.store.get(cluster.id)) ?? cluster), extra };
}

describe('tenancy on every route that names a cluster', () => {
  it('covers every route that names a cluster', () => {
    const named = httpRoutes.filter((r) => r.path.includes('{id}')).map((r) => `${r.method} ${r.path}`);
    expect(new Set(CLUSTER_ROUTES.map((row) => row.route))).toEqual(new Set(named));
    // PATCH twice: with lifecycle fields (applied at once) and with parameters (the update workflow).
    expect(CLUSTER_ROUTES.filter((row) => row.route === 'PATCH /clusters/{id}').map((row) => row.body)).toEqual([{ idleTimeout: 'PT2H' }, { workers: 2 }]);
  });

  describe.each(CLUSTER_ROUTES.map((row) => [`${row.route}${row.query ? `?${new URLSearchParams(row.query)}` : ''}${row.body ? ` ${JSON.stringify(row.body)}` : ''}`, row] as const))('%s', (_name, row) => {
    it('serves the owner', async () => {
      const cluster = await alicesCluster(row);
      expect((await call(row, ALICE, cluster.id, cluster.extra)).statusCode).toBeLessThan(300);
    });

    it.each([
      ['another owner', BOB],
      ['an IAM caller who is no operator', IAM_STRANGER],
    ])('answers %s with the same 404 as a missing cluster, and changes nothing', async (_who, who) => {
      const cluster = await alicesCluster(row);
      const foreign = await call(row, who, cluster.id, cluster.extra);
      const missing = await call(row, who, 'c-0000000000000000000000none', cluster.extra);
      expect(foreign.statusCode).toBe(404);
      expect(foreign.headers?.['content-type']).toBe('application/problem+json');
      expect({ ...foreign.json, detail: undefined, instance: undefined }).toEqual({ ...missing.json, detail: undefined, instance: undefined });
      expect(foreign.body).not.toContain('alice');
      expect((await db.store.get(cluster.id))!.version).toBe(cluster.version);
    });

    it.each([
      ['an operator key', KEY_OPERATOR],
      ['an IAM operator role', IAM_OPERATOR],
    ])(`lets %s through only for reading and deleting (this route: ${row.action})`, async (_who, who) => {
      const cluster = await alicesCluster(row);
      const response = await call(row, who, cluster.id, cluster.extra);
      if (row.action === 'change') expect(response.statusCode).toBe(404);
      else expect(response.statusCode).toBeLessThan(300);
    });
  });
});

describe('tenancy of the cluster list', () => {
  const list = (who: Who, query: Record<string, string> = {}) => call({ route: 'GET /clusters', action: 'read', query }, who, '');

  it('lists only the caller’s own clusters', async () => {
    const cluster = await alicesCluster();
    const bobs = (await list(BOB, { limit: '100' })).json!.items as { id: string }[];
    expect(bobs.map((c) => c.id)).not.toContain(cluster.id);
    const alices = (await list(ALICE, { limit: '100' })).json!.items as { id: string }[];
    expect(alices.map((c) => c.id)).toContain(cluster.id);
  });

  it('refuses another owner’s list to anyone but an operator', async () => {
    const cluster = await alicesCluster();
    const refused = await list(BOB, { owner: 'alice' });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers?.['content-type']).toBe('application/problem+json');
    for (const operator of [KEY_OPERATOR, IAM_OPERATOR]) {
      const listed = await list(operator, { owner: 'alice', limit: '100' });
      expect(listed.statusCode).toBe(200);
      expect((listed.json!.items as { id: string }[]).map((c) => c.id)).toContain(cluster.id);
    }
  });

  it('keeps the same tenancy with idleSince: the caller’s own idle clusters; another owner’s only for an operator', async () => {
    const cluster = await alicesCluster();
    const idleSince = '2027-01-01T00:00:00Z';
    const alices = await list(ALICE, { idleSince, limit: '100' });
    expect((alices.json!.items as { id: string }[]).map((c) => c.id)).toContain(cluster.id);
    const bobs = await list(BOB, { idleSince, limit: '100' });
    expect((bobs.json!.items as { id: string }[]).map((c) => c.id)).not.toContain(cluster.id);
    expect((await list(BOB, { idleSince, owner: 'alice' })).statusCode).toBe(403);
    for (const operator of [KEY_OPERATOR, IAM_OPERATOR]) {
      const listed = await list(operator, { idleSince, owner: 'alice', limit: '100' });
      expect(listed.statusCode).toBe(200);
      expect((listed.json!.items as { id: string }[]).map((c) => c.id)).toContain(cluster.id);
    }
  });

  it('does not let a cursor from one owner’s list page through another’s', async () => {
    for (let i = 0; i < 3; i++) await alicesCluster();
    const first = await list(KEY_OPERATOR, { owner: 'alice', limit: '1' });
    const stolen = await list(BOB, { limit: '1', cursor: first.json!.nextCursor as string });
    expect(stolen.statusCode).toBe(400);
  });
});

describe('the owner of a new cluster', () => {
  it('is the authenticated principal; an owner field in the body is refused as unknown', async () => {
    const route = httpRoutes.find((r) => r.method === 'POST' && r.path === '/clusters')!;
    const alicesBefore = (await db.store.listByOwner('alice', { limit: 100 })).items.length;
    const response = await invoke(route.build(deps), httpEvent({ method: 'POST', path: '/clusters', body: { name: 'demo', owner: 'alice' }, principal: 'mallory' }));
    expect(response.statusCode).toBe(422);
    expect(response.json!.errors).toEqual([{ field: 'owner', message: 'is not a known field' }]);
    expect((await db.store.listByOwner('alice', { limit: 100 })).items).toHaveLength(alicesBefore);
    expect((await db.store.listByOwner('mallory', { limit: 100 })).items).toEqual([]);
  });
});
