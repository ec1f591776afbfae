import { SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildIdempotentRunner } from '../../../src/adapters/dynamodb/idempotency';
import { buildWorkflowStarter } from '../../../src/adapters/stepfunctions/workflow-starter';
import type { Dependencies } from '../../../src/composition';
import { createClusterHandler } from '../../../src/handlers/http/create-cluster';
import { getClusterHandler } from '../../../src/handlers/http/get-cluster';
import { listClustersHandler } from '../../../src/handlers/http/list-clusters';
import { httpEvent, invoke } from '../../support/http';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:create-cluster';
const sfn = mockClient(SFNClient);
let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
let deps: Dependencies;

beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${input.name}`, startDate: new Date() }));
  deps = {
    config: { region: 'us-east-1', allowedRegions: ['us-east-1', 'eu-west-1'], quota: { maxActiveClusters: 50, maxInstances: 1000 } },
    clock: fixedClock(),
    store: db.store,
    workflows: buildWorkflowStarter(new SFNClient({ region: 'us-east-1' }), { create: STATE_MACHINE, delete: STATE_MACHINE.replace('create-cluster', 'delete-cluster') }),
    idempotent: buildIdempotentRunner(db.client, 'idempotency', 3600),
    sendWebhook: jest.fn(),
    webhooks: { checkUrl: (url: string) => (url.startsWith('https://') ? undefined : 'must use https'), newSecret: () => 'whsec_test' },
    createExecutionPrefix: STATE_MACHINE.replace(':stateMachine:', ':execution:'),
    quotas: db.quotas,
    access: { operatorRoleArns: [] },
  } as unknown as Dependencies;
});

const post = (body: unknown, headers: Record<string, string> = {}, principal?: string) =>
  invoke(createClusterHandler(deps), httpEvent({ method: 'POST', path: '/clusters', body, headers, principal }));

async function clustersOf(owner: string) {
  return (await db.store.listByOwner(owner, { limit: 100 })).items;
}

describe('POST /clusters', () => {
  it('returns 202 with the cluster in CREATING, a Location header, and starts the workflow named after it', async () => {
    const response = await post({ name: 'demo' }, {}, 'owner-happy');

    expect(response.statusCode).toBe(202);
    const body = response.json!;
    expect(body).toMatchObject({ name: 'demo', owner: 'owner-happy', status: 'CREATING', region: 'us-east-1', parameters: { managers: 3, workers: 5 } });
    expect(response.headers?.location).toBe(`/clusters/${body.id as string}`);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: STATE_MACHINE, name: body.id as string, input: JSON.stringify({ clusterId: body.id }) });
    expect(body.createExecutionArn).toBe(`${deps.createExecutionPrefix}:${body.id as string}`);
  });

  it('shows the webhook secret once, in the 202, and never in a later read', async () => {
    const created = await post({ name: 'hooked', webhook: { url: 'https://hooks.example.com/swarm' } }, {}, 'owner-hook');
    expect(created.json!.webhookSecret).toBe('whsec_test');

    const read = await invoke(getClusterHandler(deps), httpEvent({ path: `/clusters/${created.json!.id as string}`, pathParameters: { id: created.json!.id as string }, principal: 'owner-hook' }));
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain('whsec_');
    expect(read.json!.webhook).toEqual({ url: 'https://hooks.example.com/swarm', events: ['cluster.ready', 'cluster.failed', 'cluster.deleted', 'cluster.delete_failed', 'cluster.expiring'] });
  });

  it.each([
    [{ name: 'demo', managers: 2 }, 'managers'],
    [{ name: 'demo', workers: 1001 }, 'workers'],
    [{ name: 'demo', workers: -1 }, 'workers'],
    [{ name: 'x'.repeat(200) }, 'name'],
    [{ name: 'démo' }, 'name'],
    [{ name: 'demo', colour: 'blue' }, 'colour'],
    [{ name: 'demo', region: 'ap-south-2' }, 'region'],
    [{ name: 'demo', webhook: { url: 'http://hooks.example.com' } }, 'webhook.url'],
    [{ name: 'demo', expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
  ])('refuses %j with 422 problem+json naming %s, leaving no record and no execution', async (body, field) => {
    const owner = `owner-bad-${field}`;
    const response = await post(body, {}, owner);

    expect(response.statusCode).toBe(422);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 422, title: 'Validation failed', instance: '/clusters' });
    expect((response.json!.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    expect(await clustersOf(owner)).toEqual([]);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it.each([
    ['not JSON', 400, 'body', '{"name": ', {}],
    ['over 64 KiB', 400, 'body', JSON.stringify({ name: 'demo', tags: { big: 'x'.repeat(70_000) } }), {}],
    ['not application/json', 415, 'content-type', 'name=demo', { 'content-type': 'application/x-www-form-urlencoded' }],
  ])('refuses a body that is %s with %i naming %s', async (_what, status, field, rawBody, headers) => {
    const response = await invoke(createClusterHandler(deps), httpEvent({ method: 'POST', path: '/clusters', rawBody, headers, principal: 'owner-raw' }));
    expect(response.statusCode).toBe(status);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect((response.json!.errors as { field: string }[])[0]!.field).toBe(field);
    expect(await clustersOf('owner-raw')).toEqual([]);
  });

  it('answers 401 without an authenticated principal', async () => {
    const response = await post({ name: 'demo' }, {}, null as unknown as string);
    expect(response.statusCode).toBe(401);
  });

  it('removes the record again when the workflow cannot be started, and leaks nothing in the 500', async () => {
    sfn.on(StartExecutionCommand).rejects(new SFNServiceException({ name: 'StateMachineDoesNotExist', $fault: 'client', message: `State Machine Does Not Exist: '${STATE_MACHINE}'`, $metadata: {} }));
    const response = await post({ name: 'demo' }, {}, 'owner-sfn-down');

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('arn:');
    expect(response.body).not.toContain('StateMachine');
    expect(await clustersOf('owner-sfn-down')).toEqual([]);
  });

  it('replays the same answer for the same Idempotency-Key and body, with one cluster and one execution', async () => {
    const headers = { 'idempotency-key': 'key-1' };
    const first = await post({ name: 'demo' }, headers, 'owner-idem');
    const second = await post({ name: 'demo' }, headers, 'owner-idem');

    expect(second.statusCode).toBe(202);
    expect(second.body).toBe(first.body);
    expect(await clustersOf('owner-idem')).toHaveLength(1);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('answers 422 for the same Idempotency-Key with a different body', async () => {
    const headers = { 'idempotency-key': 'key-2' };
    await post({ name: 'demo' }, headers, 'owner-idem-2');
    const second = await post({ name: 'other' }, headers, 'owner-idem-2');
    expect(second.statusCode).toBe(422);
    expect((second.json!.errors as { field: string }[])[0]!.field).toBe('Idempotency-Key');
  });

  it('creates one cluster for ten concurrent requests with one key', async () => {
    const headers = { 'idempotency-key': 'key-3' };
    const responses = await Promise.all(Array.from({ length: 10 }, () => post({ name: 'demo' }, headers, 'owner-idem-3')));
    expect(responses.every((r) => r.statusCode === 202 || r.statusCode === 409)).toBe(true);
    expect(await clustersOf('owner-idem-3')).toHaveLength(1);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });
});

describe('GET /clusters and /clusters/{id}', () => {
  it('hides another owner’s cluster behind a 404', async () => {
    const created = await post({ name: 'private' }, {}, 'owner-a');
    const id = created.json!.id as string;
    const response = await invoke(getClusterHandler(deps), httpEvent({ path: `/clusters/${id}`, pathParameters: { id }, principal: 'owner-b' }));
    expect(response.statusCode).toBe(404);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
  });

  it('lists the caller’s clusters in pages and filters by status', async () => {
    for (const name of ['one', 'two', 'three']) await post({ name }, {}, 'owner-list');
    const list = listClustersHandler(deps);
    const first = await invoke(list, httpEvent({ path: '/clusters', query: { limit: '2' }, principal: 'owner-list' }));
    expect((first.json!.items as unknown[]).length).toBe(2);
    const second = await invoke(list, httpEvent({ path: '/clusters', query: { limit: '2', cursor: first.json!.nextCursor as string }, principal: 'owner-list' }));
    expect((second.json!.items as { name: string }[]).map((c) => c.name)).toEqual(['one']);

    const ready = await invoke(list, httpEvent({ path: '/clusters', query: { status: 'READY' }, principal: 'owner-list' }));
    expect(ready.json!.items).toEqual([]);
    const wrong = await invoke(list, httpEvent({ path: '/clusters', query: { status: 'SLEEPING' }, principal: 'owner-list' }));
    expect(wrong.statusCode).toBe(422);
  });
});
