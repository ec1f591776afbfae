/**
 * Issue 13, item 6, on the local service over HTTP: `POST /clusters?dryRun=true` answers with the plan and its cost,
 * and the world is as it was: the same cluster list, no stack, no execution, no quota share, no idempotency record.
 */
import { clusterPlanSchema } from '../../src/handlers/http/api-schemas';
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { startLocalCloud, type LocalCloud } from '../../sandbox/local-cloud';
import { callJson } from '../support/local-api';
import { eventually } from '../support/webhook-receiver';

let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud({ timeScale: 0.1, reaperIntervalSeconds: 0 });
});

afterAll(async () => {
  await cloud.stepFunctions.idle();
  await cloud.close();
});

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => callJson(cloud.url, method, path, body, headers);

/** Everything a create would leave behind, counted. */
async function world() {
  const region = cloud.deps.config.region;
  const [clusters, stacks, executions, idempotency] = await Promise.all([
    api('GET', '/clusters?limit=100'),
    new CloudFormationClient({ region }).send(new ListStacksCommand({})),
    new SFNClient({ region }).send(new ListExecutionsCommand({ stateMachineArn: cloud.deps.config.createClusterStateMachineArn })),
    new DynamoDBClient({ region }).send(new ScanCommand({ TableName: cloud.deps.config.idempotencyTable })),
  ]);
  return {
    clusters: (clusters.body!.items as { id: string }[]).map((c) => c.id),
    stacks: stacks.StackSummaries?.length ?? 0,
    executions: executions.executions?.length ?? 0,
    idempotencyRecords: idempotency.Count ?? 0,
    quota: await cloud.deps.quotas.usage(cloud.principal),
  };
}

describe('the dry run on the local service', () => {
  it('returns the resources and an estimate for a create, and leaves the cluster list (and everything else) unchanged', async () => {
    // Prepare: one real cluster, READY (its stack made), so the list is not trivially empty and nothing moves meanwhile.
    const existing = await api('POST', '/clusters', { name: 'existing', managers: 1, workers: 0 });
    expect(existing.status).toBe(202);
    const ready = await eventually(() => api('GET', `/clusters/${existing.body!.id as string}`), (r) => ['READY', 'FAILED'].includes(r.body?.status));
    expect(ready.body!.status).toBe('READY');
    const before = await world();

    // Act: a dry run with an Idempotency-Key, which a dry run must not use.
    const planned = await api('POST', '/clusters?dryRun=true', { name: 'demo', workers: 2, workerInstanceType: 't3.medium' }, { 'idempotency-key': 'dry-run-e2e' });

    // Assess
    expect(planned.status).toBe(200);
    expect(planned.body).toMatchObject({
      dryRun: true,
      cluster: { name: 'demo', region: 'us-east-1', parameters: { managers: 3, workers: 2, workerInstanceType: 't3.medium' } },
      quota: { inUse: { activeClusters: 1, instances: 1 }, requested: { activeClusters: 1, instances: 5 } },
      estimate: { currency: 'USD', hoursPerMonth: 730, priceDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) },
    });
    expect(planned.body!.resources).toContainEqual({ type: 'AWS::EC2::Instance', count: 2, role: 'worker', instanceType: 't3.medium', launchedBy: 'AWS::AutoScaling::AutoScalingGroup' });
    expect(planned.body!.estimate.monthly).toBeGreaterThan(0);
    // The answer is what the OpenAPI document says: parsing keeps every key (zod drops the undocumented ones).
    expect(clusterPlanSchema.parse(planned.body)).toEqual(planned.body);
    expect(planned.body!.estimate.lines.map((line: { item: string }) => line.item)).toContain('2 × t3.medium worker instances');
    expect(await world()).toEqual(before);

    // And the same key on a real create afterwards creates: the dry run left nothing for it to replay.
    const created = await api('POST', '/clusters', { name: 'demo', workers: 2, workerInstanceType: 't3.medium' }, { 'idempotency-key': 'dry-run-e2e' });
    expect(created.status).toBe(202);
    expect((await world()).clusters).toHaveLength(before.clusters.length + 1);
  });

  it('refuses a dryRun value that is neither true nor false with 422 naming the parameter', async () => {
    // Only what the request itself could change: the previous test's cluster may still be making its stack.
    const { clusters, quota, idempotencyRecords } = await world();

    const refused = await api('POST', '/clusters?dryRun=maybe', { name: 'demo' });

    expect(refused.status).toBe(422);
    expect(refused.body!.errors).toEqual([{ field: 'dryRun', message: 'must be true or false' }]);
    expect(await world()).toMatchObject({ clusters, quota, idempotencyRecords });
  });
});
