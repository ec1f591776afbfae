/** GET, DELETE, PATCH, POST /activity and GET ?idleSince, through the middleware, on the embedded DynamoDB. */
import type { Dependencies } from '../../../src/composition';
import type { Cluster } from '../../../src/domain/cluster';
import { clusterResourceSchema } from '../../../src/handlers/http/api-schemas';
import { deleteClusterHandler } from '../../../src/handlers/http/delete-cluster';
import { getClusterHandler } from '../../../src/handlers/http/get-cluster';
import { listClustersHandler } from '../../../src/handlers/http/list-clusters';
import { recordClusterActivityHandler } from '../../../src/handlers/http/record-cluster-activity';
import { updateClusterHandler } from '../../../src/handlers/http/update-cluster';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeFollowUps, fakeQuotas, fakeWorkflows } from '../../support/fakes';
import { httpEvent, invoke } from '../../support/http';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
let deps: Dependencies;
let workflows: ReturnType<typeof fakeWorkflows>;

beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());
beforeEach(() => {
  workflows = fakeWorkflows();
  deps = {
    store: db.store,
    clock: fixedClock('2026-11-26T13:00:00.000Z'),
    workflows: workflows.workflows,
    quotas: fakeQuotas().quotas,
    followUps: fakeFollowUps().followUps,
    access: { operatorRoleArns: [] },
    config: { quota: { maxActiveClusters: 10, maxInstances: 100 } },
  } as unknown as Dependencies;
});

async function stored(overrides: Partial<Cluster>): Promise<Cluster> {
  const cluster = aCluster(overrides);
  await db.store.create(cluster);
  return cluster;
}

const onCluster = (method: string, id: string, options: { body?: unknown; rawBody?: string; principal?: string; suffix?: string } = {}) =>
  httpEvent({ method, path: `/clusters/${id}${options.suffix ?? ''}`, pathParameters: { id }, body: options.body, rawBody: options.rawBody, principal: options.principal });

describe('DELETE /clusters/{id}', () => {
  it('answers 202 with the cluster DELETING and a Location', async () => {
    const cluster = await stored({ status: 'READY' });

    const response = await invoke(deleteClusterHandler(deps), onCluster('DELETE', cluster.id));

    expect(response.statusCode).toBe(202);
    expect(response.headers?.location).toBe(`/clusters/${cluster.id}`);
    expect(response.json).toMatchObject({ id: cluster.id, status: 'DELETING', deleteReason: 'requested', links: { self: `/clusters/${cluster.id}` } });
    expect(response.body).not.toContain('deleteRequests');
  });

  it('answers 404 problem+json for an unknown id, and 422 for something that is not an id', async () => {
    const unknown = await invoke(deleteClusterHandler(deps), onCluster('DELETE', 'c-00000000000000000000000000'));
    const malformed = await invoke(deleteClusterHandler(deps), onCluster('DELETE', 'nope'));

    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers?.['content-type']).toBe('application/problem+json');
    expect(unknown.json).toMatchObject({ status: 404, instance: '/clusters/c-00000000000000000000000000' });
    expect(malformed.statusCode).toBe(422);
  });

  it('hides the delete workflow’s failure to start behind a generic 500', async () => {
    const cluster = await stored({ status: 'READY' });
    deps = { ...deps, workflows: fakeWorkflows({ failStart: new Error('arn:aws:states:secret') }).workflows };

    const response = await invoke(deleteClusterHandler(deps), onCluster('DELETE', cluster.id));

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('arn:');
  });
});

describe('PATCH /clusters/{id}', () => {
  it('changes the lifecycle fields, counts as activity and shows the new autoDeleteAt', async () => {
    const cluster = await stored({ status: 'READY', readyAt: '2026-11-26T12:00:00.000Z' });

    const response = await invoke(updateClusterHandler(deps), onCluster('PATCH', cluster.id, { body: { idleTimeout: 'PT30M', expiresAt: '2026-12-01T00:00:00+01:00' } }));

    expect(response.statusCode).toBe(200);
    expect(response.json).toMatchObject({ idleTimeout: 'PT30M', expiresAt: '2026-12-01T00:00:00+01:00', lastActivityAt: '2026-11-26T13:00:00.000Z', autoDeleteAt: '2026-11-26T13:30:00.000Z' });
  });

  it('clears a field with null', async () => {
    const cluster = await stored({ status: 'READY', idleTimeout: 'PT1H' });

    const response = await invoke(updateClusterHandler(deps), onCluster('PATCH', cluster.id, { body: { idleTimeout: null } }));

    expect(response.statusCode).toBe(200);
    expect(response.json!.idleTimeout).toBeUndefined();
    expect((await db.store.get(cluster.id))?.idleTimeout).toBeUndefined();
  });

  it.each([
    [{ name: 'renamed' }, 'name'],
    [{ workers: 1001 }, 'workers'],
    [{ managerInstanceType: 't2.nano' }, 'managerInstanceType'],
    [{ idleTimeout: '30 minutes' }, 'idleTimeout'],
    [{ expiresAt: 'tomorrow' }, 'expiresAt'],
    [{ expiresAt: '2026-11-26T12:59:00Z' }, 'expiresAt'],
    [{}, 'body'],
  ])('refuses %j with 422 problem+json naming %s, changing nothing', async (body, field) => {
    const cluster = await stored({ status: 'READY' });

    const response = await invoke(updateClusterHandler(deps), onCluster('PATCH', cluster.id, { body }));

    expect(response.statusCode).toBe(422);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect((response.json!.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    expect((await db.store.get(cluster.id))?.version).toBe(1);
  });

  it('answers 409 for a cluster being deleted, and 404 for another owner’s', async () => {
    const deleting = await stored({ status: 'DELETING' });
    const theirs = await stored({ status: 'READY', owner: 'bob' });

    const conflict = await invoke(updateClusterHandler(deps), onCluster('PATCH', deleting.id, { body: { idleTimeout: 'PT1H' } }));
    const hidden = await invoke(updateClusterHandler(deps), onCluster('PATCH', theirs.id, { body: { idleTimeout: 'PT1H' } }));

    expect(conflict.statusCode).toBe(409);
    expect(hidden.statusCode).toBe(404);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const cluster = await stored({ status: 'READY' });
    const event = onCluster('PATCH', cluster.id, { rawBody: 'idleTimeout=PT1H' });
    event.headers = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await invoke(updateClusterHandler(deps), event)).statusCode).toBe(415);
  });
});

describe('POST /clusters/{id}/activity', () => {
  it('moves lastActivityAt (and with it the idle deadline), without a timeline entry', async () => {
    const cluster = await stored({ status: 'READY', readyAt: '2026-11-26T12:00:00.000Z', idleTimeout: 'PT10M' });

    const response = await invoke(recordClusterActivityHandler(deps), onCluster('POST', cluster.id, { suffix: '/activity' }));

    expect(response.statusCode).toBe(200);
    expect(response.json).toMatchObject({ lastActivityAt: '2026-11-26T13:00:00.000Z', autoDeleteAt: '2026-11-26T13:10:00.000Z' });
    expect((await db.store.listEvents(cluster.id, { limit: 10 })).items).toEqual([]);
  });

  it('answers 409 for a DELETED cluster', async () => {
    const cluster = await stored({ status: 'DELETED' });
    const response = await invoke(recordClusterActivityHandler(deps), onCluster('POST', cluster.id, { suffix: '/activity' }));
    expect(response.statusCode).toBe(409);
    expect(response.json).toMatchObject({ detail: 'The cluster is DELETED.' });
  });
});

describe('GET /clusters?idleSince=', () => {
  it('lists the caller’s live clusters with no activity since then, least recently active first, with lastActivityAt', async () => {
    const owner = 'idle-owner';
    const old = await stored({ owner, status: 'READY', lastActivityAt: '2026-11-20T00:00:00.000Z' });
    const older = await stored({ owner, status: 'FAILED', lastActivityAt: '2026-11-10T00:00:00.000Z' });
    await stored({ owner, status: 'READY', lastActivityAt: '2026-11-26T00:00:00.000Z' });
    await stored({ owner, status: 'DELETED', lastActivityAt: '2026-11-01T00:00:00.000Z' });
    await stored({ owner: 'someone-else', status: 'READY', lastActivityAt: '2026-11-01T00:00:00.000Z' });
    const list = listClustersHandler(deps);

    const idle = await invoke(list, httpEvent({ path: '/clusters', query: { idleSince: '2026-11-25T00:00:00Z' }, principal: owner }));
    const idleReady = await invoke(list, httpEvent({ path: '/clusters', query: { idleSince: '2026-11-25T00:00:00Z', status: 'READY' }, principal: owner }));
    const paged = await invoke(list, httpEvent({ path: '/clusters', query: { idleSince: '2026-11-25T00:00:00Z', limit: '1' }, principal: owner }));
    const next = await invoke(list, httpEvent({ path: '/clusters', query: { idleSince: '2026-11-25T00:00:00Z', limit: '1', cursor: paged.json!.nextCursor as string }, principal: owner }));

    expect((idle.json!.items as Cluster[]).map((c) => [c.id, c.lastActivityAt])).toEqual([
      [older.id, '2026-11-10T00:00:00.000Z'],
      [old.id, '2026-11-20T00:00:00.000Z'],
    ]);
    expect((idleReady.json!.items as Cluster[]).map((c) => c.id)).toEqual([old.id]);
    expect((paged.json!.items as Cluster[]).map((c) => c.id)).toEqual([older.id]);
    expect((next.json!.items as Cluster[]).map((c) => c.id)).toEqual([old.id]);
  });

  it('refuses an idleSince that is not a timestamp with 422', async () => {
    const response = await invoke(listClustersHandler(deps), httpEvent({ path: '/clusters', query: { idleSince: 'last week' } }));
    expect(response.statusCode).toBe(422);
    expect((response.json!.errors as { field: string }[])[0]!.field).toBe('idleSince');
  });
});

describe('GET /clusters/{id}', () => {
  it('shows how far the stack is, from its resources’ latest statuses, and never the workflow’s task token', async () => {
    const at = '2026-11-26T12:00:05.000Z';
    const cluster = await stored({
      status: 'CREATING',
      resourcesPlanned: 36,
      stackResources: {
        Vpc: { status: 'CREATE_COMPLETE', at, order: `${at}#2` },
        LogGroup: { status: 'CREATE_COMPLETE', at, order: `${at}#2` },
        ManagerAsg: { status: 'CREATE_IN_PROGRESS', at: '2026-11-26T12:00:09.000Z', order: '' },
      },
      stackWait: { key: 'create', target: 'create', since: at, round: 1, token: 'AAAA-secret-task-token' },
    });

    const response = await invoke(getClusterHandler(deps), onCluster('GET', cluster.id));

    expect(response.statusCode).toBe(200);
    expect(response.json).toMatchObject({ progress: { resourcesDone: 2, resourcesTotal: 36, inProgress: ['ManagerAsg'], updatedAt: '2026-11-26T12:00:09.000Z' } });
    expect(clusterResourceSchema.safeParse(response.json).success).toBe(true);
    expect(response.body).not.toContain('AAAA-secret-task-token');
    expect(response.body).not.toContain('stackResources');
  });

  it('reads the progress the stack’s events recorded on the resources item beside the cluster', async () => {
    const cluster = await stored({ status: 'CREATING' });
    await db.store.openStackResources(cluster.id, 36);
    await db.waits.recordResource(cluster.id, { logicalId: 'Vpc', status: 'CREATE_COMPLETE', at: '2026-11-26T12:00:05.000Z', order: '2026-11-26T12:00:05.000Z#2' }, 0);
    await db.waits.recordResource(cluster.id, { logicalId: 'ManagerAsg', status: 'CREATE_IN_PROGRESS', at: '2026-11-26T12:00:09.000Z', order: '2026-11-26T12:00:09.000Z#1' }, 0);

    const response = await invoke(getClusterHandler(deps), onCluster('GET', cluster.id));

    expect(response.json).toMatchObject({ status: 'CREATING', progress: { resourcesDone: 1, resourcesTotal: 36, inProgress: ['ManagerAsg'], updatedAt: '2026-11-26T12:00:09.000Z' } });
    expect(clusterResourceSchema.safeParse(response.json).success).toBe(true);
  });
});
