import { SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildIdempotentRunner } from '../../../src/adapters/dynamodb/idempotency';
import { buildWorkflowStarter } from '../../../src/adapters/stepfunctions/workflow-starter';
import { createClusterDeps, type Dependencies } from '../../../src/composition/dependencies';
import { clusterRequestSchema } from '../../../src/domain/parameters';
import { createCluster } from '../../../src/use-cases/create-cluster';
import { createClusterHandler } from '../../../src/handlers/http/create-cluster';
import { getClusterHandler } from '../../../src/handlers/http/get-cluster';
import { clusterIdFor } from '../../../src/domain/cluster';
import { lambdaContext } from '../../../sandbox/http-api';
import { listClustersHandler } from '../../../src/handlers/http/list-clusters';
import { httpEvent, invoke } from '../../support/http';
import { eventually } from '../../support/webhook-receiver';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:create-cluster';
const sfn = mockClient(SFNClient);
let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
let deps: Dependencies;
const startNamedAfterInput = (input: { name: string }) => ({ executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${input.name}`, startDate: new Date() });

beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake(startNamedAfterInput);
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

  it('keeps the lifecycle it was given, idleAction included, so the reaper hibernates rather than deletes', async () => {
    const created = await post({ name: 'sleepy', idleTimeout: 'PT2H', idleAction: 'hibernate' }, {}, 'owner-sleepy');

    const read = await invoke(getClusterHandler(deps), httpEvent({ path: `/clusters/${created.json!.id as string}`, pathParameters: { id: created.json!.id as string }, principal: 'owner-sleepy' }));
    expect(created.json).toMatchObject({ idleTimeout: 'PT2H', idleAction: 'hibernate' });
    expect(read.json).toMatchObject({ idleTimeout: 'PT2H', idleAction: 'hibernate' });
  });

  it('keeps an opt-in autoRepair on the cluster, not among the stack parameters, and leaves it off by default', async () => {
    // Act
    const repaired = await post({ name: 'mended', autoRepair: true }, {}, 'owner-mended');
    const plain = await post({ name: 'plain' }, {}, 'owner-plain');
    const refused = await post({ name: 'typo', autoRepair: 'yes' }, {}, 'owner-typo');

    // Assess
    expect(repaired.json).toMatchObject({ autoRepair: true });
    expect((repaired.json as { parameters: object }).parameters).not.toHaveProperty('autoRepair');
    expect((await db.store.get((repaired.json as { id: string }).id))?.autoRepair).toBe(true);
    expect(plain.json).not.toHaveProperty('autoRepair');
    expect(refused.statusCode).toBe(422);
  });

  it('shows the webhook secret once, in the 202, and never in a later read', async () => {
    const created = await post({ name: 'hooked', webhook: { url: 'https://hooks.example.com/swarm' } }, {}, 'owner-hook');
    expect(created.json!.webhookSecret).toBe('whsec_test');

    const read = await invoke(getClusterHandler(deps), httpEvent({ path: `/clusters/${created.json!.id as string}`, pathParameters: { id: created.json!.id as string }, principal: 'owner-hook' }));
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain('whsec_');
    expect(read.json!.webhook).toEqual({ url: 'https://hooks.example.com/swarm', events: ['cluster.ready', 'cluster.failed', 'cluster.deleted', 'cluster.delete_failed', 'cluster.expiring', 'cluster.updated', 'cluster.update_failed', 'cluster.hibernated', 'cluster.degraded', 'cluster.recovered', 'cluster.drifted'] });
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
    // CloudFormation's Tag: Value has a minimum length of 1
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Tag.html).
    [{ name: 'demo', tags: { team: '' } }, 'tags.team'],
    // AWS tag characters are [\p{L}\p{Z}\p{N}_.:/=+\-@]: a newline is none of them
    // (https://docs.aws.amazon.com/efs/latest/ug/API_Tag.html, the pattern every tagging service shares).
    [{ name: 'demo', tags: { team: 'web\nops' } }, 'tags.team'],
    [{ name: 'demo', tags: { team: 'a;b' } }, 'tags.team'],
    [{ name: 'demo', tags: { team: 'x'.repeat(257) } }, 'tags.team'],
    // aws: is reserved in any case, for keys and values (https://docs.aws.amazon.com/batch/latest/userguide/tag-restrictions.html).
    [{ name: 'demo', tags: { team: 'AWS:web' } }, 'tags.team'],
    [{ name: 'demo', tags: { 'Aws:team': 'web' } }, 'tags.Aws:team'],
    [{ name: 'demo', tags: { 'swarm-provisioner:owner': 'mallory' } }, 'tags.swarm-provisioner:owner'],
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

  it('accepts tags AWS accepts: unicode letters, spaces and _.:/=+-@, up to 128/256 characters', async () => {
    const tags = { 'Équipe web': 'ops@example.com / tier=1 + 2', k: 'v'.repeat(256), ['x'.repeat(128)]: 'é' };
    const response = await post({ name: 'tagged', tags }, {}, 'owner-tags');
    expect(response.statusCode).toBe(202);
    expect(response.json!.tags).toEqual(tags);
  });
});

describe('POST /clusters?dryRun=true', () => {
  const plan = (body: unknown, query: Record<string, string>, headers: Record<string, string> = {}, principal = 'owner-plan') =>
    invoke(createClusterHandler(deps), httpEvent({ method: 'POST', path: '/clusters', body, headers, principal, query }));
  const idempotencyRecords = async () => (await db.documents.send(new ScanCommand({ TableName: 'idempotency' }))).Items ?? [];

  it('answers 200 with the plan and creates nothing: no record, no execution, no quota share, no idempotency record, even with an Idempotency-Key', async () => {
    // Prepare
    const owner = 'owner-plan-nothing';
    const recordsBefore = (await idempotencyRecords()).length;

    // Act
    const response = await plan({ name: 'demo', workers: 2 }, { dryRun: 'true' }, { 'idempotency-key': 'plan-key-1' }, owner);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(response.headers?.location).toBeUndefined();
    expect(response.json).toMatchObject({
      dryRun: true,
      cluster: { name: 'demo', region: 'us-east-1', parameters: { managers: 3, workers: 2 } },
      quota: { inUse: { activeClusters: 0, instances: 0 }, requested: { activeClusters: 1, instances: 5 } },
      estimate: { currency: 'USD', hourly: expect.any(Number), monthly: expect.any(Number) },
    });
    expect(await clustersOf(owner)).toEqual([]);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 0, instances: 0 });
    expect(await idempotencyRecords()).toHaveLength(recordsBefore);
  });

  it('lets a real create with the same Idempotency-Key create afterwards: the plan left nothing to replay', async () => {
    const owner = 'owner-plan-then-create';
    const headers = { 'idempotency-key': 'plan-key-2' };
    await plan({ name: 'demo' }, { dryRun: 'true' }, headers, owner);

    const created = await post({ name: 'demo' }, headers, owner);

    expect(created.statusCode).toBe(202);
    expect(created.json!.status).toBe('CREATING');
    expect(await clustersOf(owner)).toHaveLength(1);
  });

  it('creates as usual with dryRun=false', async () => {
    const response = await plan({ name: 'demo' }, { dryRun: 'false' }, {}, 'owner-plan-false');

    expect(response.statusCode).toBe(202);
    expect(await clustersOf('owner-plan-false')).toHaveLength(1);
  });

  it.each(['yes', '1', 'TRUE', ''])('refuses dryRun=%j with 422 naming the dryRun query parameter, creating nothing', async (value) => {
    const owner = `owner-plan-bad-${value}`;
    const response = await plan({ name: 'demo' }, { dryRun: value }, {}, owner);

    expect(response.statusCode).toBe(422);
    expect(response.json!.errors).toEqual([{ field: 'dryRun', message: 'must be true or false' }]);
    expect(await clustersOf(owner)).toEqual([]);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('refuses a request a create would refuse, with the same 422 naming the field', async () => {
    const response = await plan({ name: 'demo', region: 'ap-south-2' }, { dryRun: 'true' });

    expect(response.statusCode).toBe(422);
    expect((response.json!.errors as { field: string }[]).map((e) => e.field)).toEqual(['region']);
  });

  it('answers 429 naming the limit when the owner has no room left, as a create would, and takes nothing', async () => {
    const owner = 'owner-plan-full';
    deps = { ...deps, config: { ...deps.config, quota: { maxActiveClusters: 1, maxInstances: 1000 } } };
    expect((await post({ name: 'first' }, {}, owner)).statusCode).toBe(202);

    const response = await plan({ name: 'second' }, { dryRun: 'true' }, {}, owner);

    expect(response.statusCode).toBe(429);
    expect(response.json).toMatchObject({ quota: { limit: 'activeClusters', max: 1, current: 1 } });
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 1, instances: 8 });
  });
});

/**
 * Issue 9, finding 4: the invocation dies after (or before) StartExecution, Powertools' in-progress record expires with
 * the invocation's deadline, and the caller retries with the same key.
 */
describe('POST /clusters with an Idempotency-Key, after a crash', () => {
  const DEADLINE_MS = 1000;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const never = () => new Promise<never>(() => undefined);
  const key = (n: string) => ({ 'idempotency-key': n });

  /**
   * One invocation as Lambda runs it: a context with a short deadline, and nothing heard after it. middy answers a
   * generic 500 just before the deadline (its timeoutEarlyInMillis); either way the caller never sees a 202.
   */
  async function postWithDeadline(body: unknown, headers: Record<string, string>, principal: string) {
    const handler = createClusterHandler(deps);
    const answered = handler(httpEvent({ method: 'POST', path: '/clusters', body, headers, principal }), lambdaContext('createCluster', DEADLINE_MS));
    return Promise.race([answered.then((result) => result.statusCode), sleep(DEADLINE_MS + 50).then(() => 'no answer' as const)]);
  }
  const FAILED = [500, 'no answer'];

  /** What DynamoDB's TTL does to Powertools' records once they expire (24 h here), done now. */
  async function expireIdempotencyRecords() {
    const { Items = [] } = await db.documents.send(new ScanCommand({ TableName: 'idempotency' }));
    for (const item of Items) await db.documents.send(new DeleteCommand({ TableName: 'idempotency', Key: { id: item.id } }));
  }

  it('answers a retry after the in-flight record expired with the first cluster: one record, one execution, one quota share', async () => {
    // Prepare: the first StartExecution never answers; later ones do, as Step Functions would for the same name + input.
    const owner = 'owner-crash-after-start';
    sfn.on(StartExecutionCommand).callsFakeOnce(never).callsFake(startNamedAfterInput);

    // Act: a retry while the first invocation hangs in StartExecution is refused; one after its deadline is not.
    const firstAttempt = postWithDeadline({ name: 'demo' }, key('crash-1'), owner);
    await eventually(async () => sfn.commandCalls(StartExecutionCommand).length, (n) => n === 1, DEADLINE_MS);
    const early = await post({ name: 'demo' }, key('crash-1'), owner);
    expect(FAILED).toContain(await firstAttempt);
    // The in-flight mark ends with the invocation's deadline (Powertools' registerLambdaContext), a few ms after middy answered.
    const retry = await eventually(() => post({ name: 'demo' }, key('crash-1'), owner), (r) => r.statusCode !== 409, 3_000, 50);

    // Assess
    expect(early.statusCode).toBe(409);
    expect(retry.statusCode).toBe(202);
    const id = retry.json!.id as string;
    expect(id).toBe(clusterIdFor(owner, 'crash-1'));
    expect((await clustersOf(owner)).map((c) => c.id)).toEqual([id]);
    // Both starts carry the cluster's name and the same input, which Step Functions treats as one execution
    // (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
    const starts = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(starts).toHaveLength(2);
    expect(new Set(starts.map((input) => `${input.name}|${input.input}`))).toEqual(new Set([`${id}|${JSON.stringify({ clusterId: id })}`]));
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 1, instances: 8 });
  });

  it('starts the workflow on the retry when the first attempt died after writing the record and before StartExecution', async () => {
    // Prepare: the first attempt's starter hangs before it sends anything.
    const owner = 'owner-crash-before-start';
    const workflows = deps.workflows;
    deps.workflows = { ...workflows, startCreate: never };
    expect(FAILED).toContain(await postWithDeadline({ name: 'demo', workers: 1 }, key('crash-2'), owner));
    deps.workflows = workflows;
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);

    // Act
    const retry = await eventually(() => post({ name: 'demo', workers: 1 }, key('crash-2'), owner), (r) => r.statusCode !== 409, 3_000, 50);

    // Assess
    expect(retry.statusCode).toBe(202);
    expect(retry.json).toMatchObject({ id: clusterIdFor(owner, 'crash-2'), status: 'CREATING' });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { name: clusterIdFor(owner, 'crash-2') });
    expect(await clustersOf(owner)).toHaveLength(1);
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 1, instances: 4 });
  });

  it('replays the first cluster, webhook secret included, once the idempotency record itself has expired', async () => {
    const owner = 'owner-expired-replay';
    const body = { name: 'demo', webhook: { url: 'https://hooks.example.com/swarm' } };
    const first = await post(body, key('crash-3'), owner);
    await expireIdempotencyRecords();

    const again = await post(body, key('crash-3'), owner);

    expect(again.statusCode).toBe(202);
    expect(again.json).toMatchObject({ id: first.json!.id, webhookSecret: 'whsec_test' });
    expect(again.json).not.toHaveProperty('createRequestDigest');
    expect(await clustersOf(owner)).toHaveLength(1);
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 1, instances: 8 });
  });

  it('answers 422 for the key with another body once the idempotency record has expired, as Powertools does before', async () => {
    const owner = 'owner-expired-other-body';
    await post({ name: 'demo' }, key('crash-4'), owner);
    await expireIdempotencyRecords();

    const other = await post({ name: 'demo', workers: 2 }, key('crash-4'), owner);

    expect(other.statusCode).toBe(422);
    expect((other.json!.errors as { field: string }[])[0]!.field).toBe('Idempotency-Key');
    expect(await clustersOf(owner)).toHaveLength(1);
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 1, instances: 8 });
  });

  it('gives two racing attempts of one keyed request one cluster and one quota share, below the Powertools layer', async () => {
    const owner = 'owner-race';
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () => createCluster(createClusterDeps(deps), { owner, request: clusterRequestSchema.parse({ name: 'demo' }), idempotencyKey: 'race-1' })),
    );

    expect(new Set(attempts.map((a) => a.cluster.id))).toEqual(new Set([clusterIdFor(owner, 'race-1')]));
    expect(await clustersOf(owner)).toHaveLength(1);
    expect(await db.quotas.usage(owner)).toEqual({ activeClusters: 1, instances: 8 });
    expect(new Set(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name))).toEqual(new Set([clusterIdFor(owner, 'race-1')]));
  });

  it('keeps one owner’s key apart from another’s: the same key names two clusters', async () => {
    const a = await post({ name: 'demo' }, key('shared-key'), 'owner-key-a');
    const b = await post({ name: 'demo' }, key('shared-key'), 'owner-key-b');
    expect(a.json!.id).not.toBe(b.json!.id);
    expect(a.json!.id).toMatch(/^c-[0-9a-z]{26}$/);
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
