/**
 * Changing a running cluster over HTTP: PATCH with parameters, POST /upgrade, /hibernate, /wake, through the
 * middleware, on the embedded DynamoDB (the cluster store and the quota ledger are real, so are their conditional
 * writes) with Step Functions mocked by aws-sdk-client-mock behind the real adapter.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { buildUpdateStarter } from '../../../src/adapters/stepfunctions/workflow-starter';
import type { Dependencies } from '../../../src/composition';
import type { Cluster } from '../../../src/domain/cluster';
import { instancesOf } from '../../../src/domain/quota';
import { clusterResourceSchema } from '../../../src/handlers/http/api-schemas';
import { updateClusterHandler } from '../../../src/handlers/http/update-cluster';
import { hibernateClusterHandler, upgradeClusterHandler, wakeClusterHandler } from '../../../src/handlers/http/cluster-operation';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { httpEvent, invoke } from '../../support/http';

const UPDATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:update-cluster';
const LIMITS = { maxActiveClusters: 10, maxInstances: 20 };
const sfn = mockClient(SFNClient);
let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
let deps: Dependencies;

beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());
beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => ({
    executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`,
    startDate: new Date(),
  }));
  deps = {
    config: { quota: LIMITS },
    store: db.store,
    clock: fixedClock('2026-11-27T13:00:00.000Z'),
    workflows: buildUpdateStarter(new SFNClient({ region: 'us-east-1' }), UPDATE_MACHINE),
    quotas: db.quotas,
    access: { operatorRoleArns: [] },
  } as unknown as Dependencies;
});

let owners = 0;
/** A READY cluster of its own owner, holding its share of that owner's quota as a create would have taken it. */
async function stored(overrides: Partial<Cluster> = {}): Promise<Cluster> {
  const cluster = aCluster({ status: 'READY', owner: `owner-${++owners}`, ...overrides });
  await db.quotas.acquire(cluster.owner, { clusterId: cluster.id, instances: instancesOf(cluster.parameters) }, LIMITS);
  await db.store.create(cluster);
  return cluster;
}

const onCluster = (method: string, cluster: Cluster, options: { body?: unknown; suffix?: string; principal?: string } = {}) =>
  httpEvent({ method, path: `/clusters/${cluster.id}${options.suffix ?? ''}`, pathParameters: { id: cluster.id }, body: options.body, principal: options.principal ?? cluster.owner });

const patch = (cluster: Cluster, body: unknown) => invoke(updateClusterHandler(deps), onCluster('PATCH', cluster, { body }));
const starts = () => sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);

describe('PATCH /clusters/{id} with parameters', () => {
  it('answers 202 with the cluster UPDATING, the update record and a Location, and starts the update workflow named after the update', async () => {
    // Prepare
    const cluster = await stored();

    // Act
    const response = await patch(cluster, { workers: 2, idleTimeout: 'PT2H' });

    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.headers?.location).toBe(`/clusters/${cluster.id}`);
    expect(clusterResourceSchema.safeParse(response.json).success).toBe(true);
    const update = { id: 'u1', operation: 'scale', target: { ...cluster.parameters, workers: 2 }, previous: cluster.parameters, requestedAt: '2026-11-27T13:00:00.000Z', requestedBy: cluster.owner };
    expect(response.json).toMatchObject({ status: 'UPDATING', statusReason: 'scale requested', update, idleTimeout: 'PT2H', parameters: cluster.parameters });
    expect(await db.store.get(cluster.id)).toMatchObject({
      status: 'UPDATING',
      update,
      updateExecutionArn: `arn:aws:states:us-east-1:123456789012:execution:update-cluster:${cluster.id}-u1`,
      lastActivityAt: '2026-11-27T13:00:00.000Z',
    });
    expect(starts()).toEqual([{ stateMachineArn: UPDATE_MACHINE, name: `${cluster.id}-u1`, input: JSON.stringify({ clusterId: cluster.id, updateId: 'u1' }) }]);
    // A scale-in gives its instances back only when it has succeeded (the update workflow's outcome).
    expect(await db.quotas.usage(cluster.owner)).toEqual({ activeClusters: 1, instances: 8 });
  });

  it('calls an instance type or disk change a resize, also together with a count', async () => {
    const cluster = await stored();

    const response = await patch(cluster, { workers: 6, workerInstanceType: 't3.large', managerDiskSizeGb: 40 });

    expect(response.statusCode).toBe(202);
    expect(response.json).toMatchObject({ update: { operation: 'resize', target: { workers: 6, workerInstanceType: 't3.large', managerDiskSizeGb: 40, managers: 3 } } });
    expect(await db.quotas.usage(cluster.owner)).toEqual({ activeClusters: 1, instances: 9 });
  });

  it('answers the same change sent again while it runs with 202 and the cluster as it is (the workflow start finds the same execution)', async () => {
    const cluster = await stored();
    await patch(cluster, { workers: 7 });

    const again = await patch(cluster, { workers: 7 });

    expect(again.statusCode).toBe(202);
    expect(again.json).toMatchObject({ status: 'UPDATING', update: { id: 'u1', target: { workers: 7 } }, version: 2 });
    expect(starts().map((s) => s.name)).toEqual([`${cluster.id}-u1`, `${cluster.id}-u1`]);
    // The extra instances were taken once.
    expect(await db.quotas.usage(cluster.owner)).toEqual({ activeClusters: 1, instances: 10 });
  });

  it('answers 409 problem+json naming the running operation to another change while UPDATING, and writes nothing', async () => {
    const cluster = await stored();
    await patch(cluster, { workers: 2 });

    const second = await patch(cluster, { workers: 3 });

    expect(second.statusCode).toBe(409);
    expect(second.headers?.['content-type']).toBe('application/problem+json');
    expect(second.json).toMatchObject({ status: 409, runningOperation: 'scale', runningUpdate: 'u1' });
    expect(second.json!.detail).toContain('The cluster is UPDATING: a scale is running (update u1)');
    expect((await db.store.get(cluster.id))?.version).toBe(2);
    expect(starts()).toHaveLength(1);
  });

  it.each([
    ['CREATING', 'the create is running'],
    ['DELETING', 'a delete is running or done'],
    ['HIBERNATED', 'wake it first'],
    ['FAILED', 'only deleted'],
  ] as const)('answers 409 for a %s cluster, saying why', async (status, why) => {
    const cluster = await stored({ status });

    const response = await patch(cluster, { workers: 2 });

    expect(response.statusCode).toBe(409);
    expect(response.json!.detail).toContain(why);
    expect(starts()).toHaveLength(0);
  });

  it.each([
    [{ managers: 5 }, 'managers', 'one step at a time (1 ↔ 3 ↔ 5)'],
    [{ managers: 4 }, 'managers', 'must be 1, 3 or 5: Raft keeps the swarm'],
    [{ workers: 3, managers: 3, workerInstanceType: 't3.small' }, 'body', 'nothing to change'],
    [{ workers: 1001 }, 'workers', '<=1000'],
  ])('refuses %j with 422 naming %s (%s), changing nothing', async (body, field, message) => {
    const cluster = await stored({ parameters: { ...aCluster().parameters, managers: 'managers' in body && body.managers === 5 ? 1 : 3, workers: 3 } });

    const response = await patch(cluster, body);

    expect(response.statusCode).toBe(422);
    expect(response.json!.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, message: expect.stringContaining(message) })]));
    expect((await db.store.get(cluster.id))?.version).toBe(1);
    expect(starts()).toHaveLength(0);
  });

  it('answers 429 naming the instance limit when a scale-out does not fit the owner’s quota, and writes nothing', async () => {
    const cluster = await stored();

    const response = await patch(cluster, { workers: 18 });

    expect(response.statusCode).toBe(429);
    expect(response.json).toMatchObject({ quota: { limit: 'instances', max: 20, current: 8, requested: 13 } });
    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'READY', version: 1 });
    expect(await db.quotas.usage(cluster.owner)).toEqual({ activeClusters: 1, instances: 8 });
  });

  it('puts the cluster back to READY and gives the quota back when the update workflow cannot be started: no UPDATING without a workflow', async () => {
    // Prepare: Step Functions refuses the start (a throttle that outlived the SDK's retries).
    const cluster = await stored();
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));

    // Act
    const response = await patch(cluster, { workers: 9 });

    // Assess
    expect(response.statusCode).toBe(500);
    const after = await db.store.get(cluster.id);
    expect(after).toMatchObject({ status: 'READY', statusReason: cluster.statusReason, parameters: cluster.parameters });
    expect(after?.update).toBeUndefined();
    expect(after?.updateExecutionArn).toBeUndefined();
    expect(await db.quotas.usage(cluster.owner)).toEqual({ activeClusters: 1, instances: 8 });
    const timeline = (await db.store.listEvents(cluster.id, { limit: 10 })).items.map((e) => e.type);
    expect(timeline).toEqual(['cluster.update_requested', 'workflow.start_failed']);
  });

  it('answers 503 and changes nothing where no update workflow is deployed', async () => {
    const cluster = await stored();
    deps = { ...deps, workflows: buildUpdateStarter(new SFNClient({ region: 'us-east-1' }), undefined) } as unknown as Dependencies;

    const response = await patch(cluster, { workers: 2 });

    expect(response.statusCode).toBe(503);
    expect(await db.store.get(cluster.id)).toMatchObject({ status: 'READY' });
  });

  it('hides another owner’s cluster behind a 404', async () => {
    const cluster = await stored();

    const response = await invoke(updateClusterHandler(deps), onCluster('PATCH', cluster, { body: { workers: 2 }, principal: 'mallory' }));

    expect(response.statusCode).toBe(404);
  });
});

describe('POST /clusters/{id}/upgrade, /hibernate, /wake', () => {
  const post = (operation: 'upgrade' | 'hibernate' | 'wake', cluster: Cluster) => {
    const build = { upgrade: upgradeClusterHandler, hibernate: hibernateClusterHandler, wake: wakeClusterHandler }[operation];
    return invoke(build(deps), onCluster('POST', cluster, { suffix: `/${operation}` }));
  };

  it('upgrade: 202 UPDATING with the current parameters as the target', async () => {
    const cluster = await stored();

    const response = await post('upgrade', cluster);

    expect(response.statusCode).toBe(202);
    expect(response.headers?.location).toBe(`/clusters/${cluster.id}`);
    expect(response.json).toMatchObject({ status: 'UPDATING', update: { operation: 'upgrade', target: cluster.parameters, previous: cluster.parameters } });
  });

  it('hibernate: 202 with target workers 0, remembering the count; a second hibernate while it runs is the same 202', async () => {
    const cluster = await stored();

    const first = await post('hibernate', cluster);
    const retry = await post('hibernate', cluster);

    expect(first.statusCode).toBe(202);
    expect(first.json).toMatchObject({ status: 'UPDATING', hibernatedWorkers: 5, update: { operation: 'hibernate', target: { ...cluster.parameters, workers: 0 } } });
    expect(retry.statusCode).toBe(202);
    expect(retry.json).toMatchObject({ update: { id: 'u1' } });
  });

  it('hibernate of a HIBERNATED cluster and wake of a READY one are 409 problem+json', async () => {
    const hibernated = await stored({ status: 'HIBERNATED', hibernatedWorkers: 5, parameters: { ...aCluster().parameters, workers: 0 } });
    const ready = await stored();

    const again = await post('hibernate', hibernated);
    const awake = await post('wake', ready);

    expect(again.statusCode).toBe(409);
    expect(again.json!.detail).toBe('The cluster is already HIBERNATED.');
    expect(awake.statusCode).toBe(409);
    expect(awake.json!.detail).toContain('nothing to wake');
  });

  it('wake: 202 restoring hibernatedWorkers, taking them from the quota first (429 when they do not fit)', async () => {
    const parameters = { ...aCluster().parameters, workers: 0 };
    const fits = await stored({ status: 'HIBERNATED', hibernatedWorkers: 5, parameters });
    const tooMany = await stored({ status: 'HIBERNATED', hibernatedWorkers: 40, parameters });

    const woken = await post('wake', fits);
    const refused = await post('wake', tooMany);

    expect(woken.statusCode).toBe(202);
    expect(woken.json).toMatchObject({ status: 'UPDATING', update: { operation: 'wake', target: { workers: 5 } } });
    expect(await db.quotas.usage(fits.owner)).toEqual({ activeClusters: 1, instances: 8 });
    expect(refused.statusCode).toBe(429);
    expect(refused.json).toMatchObject({ quota: { limit: 'instances', max: 20 } });
  });
});
