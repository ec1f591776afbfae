/**
 * Quotas on the embedded DynamoDB: the ledger's edges and races, POST /clusters refusing with 429, and the lifecycle
 * giving shares back (DELETED; FAILED once the failed stack is gone), each exactly once.
 */
import { SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { buildWorkflowStarter } from '../../src/adapters/stepfunctions/workflow-starter';
import type { Dependencies } from '../../src/composition';
import { QuotaExceededError } from '../../src/domain/errors';
import { createClusterHandler } from '../../src/handlers/http/create-cluster';
import { checkStackDeletion, settleCleanup } from '../../src/use-cases/clean-up-failed-stack';
import { transition } from '../../src/use-cases/lifecycle';
import type { ChatFollowUps } from '../../src/use-cases/ports';
import { aCluster } from '../support/clusters';
import { fixedClock, startTestDynamoDB } from '../support/dynamodb';
import { httpEvent, invoke } from '../support/http';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:create-cluster';
const sfn = mockClient(SFNClient);
let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
let owner = 0;
const nextOwner = () => `quota-owner-${++owner}`;
const noFollowUps: ChatFollowUps = { announce: async () => undefined };

beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());
beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: `arn:aws:states:us-east-1:123456789012:execution:create-cluster:${input.name}`, startDate: new Date() }));
});

describe('the quota ledger', () => {
  const limits = { maxActiveClusters: 2, maxInstances: 10 };

  it('takes shares up to exactly the limit and refuses one more, naming the limit and the use', async () => {
    const who = nextOwner();
    await db.quotas.acquire(who, { clusterId: 'c-1', instances: 4 }, limits);
    await db.quotas.acquire(who, { clusterId: 'c-2', instances: 6 }, limits);
    expect(await db.quotas.usage(who)).toEqual({ activeClusters: 2, instances: 10 });
    const refused = db.quotas.acquire(who, { clusterId: 'c-3', instances: 1 }, limits);
    await expect(refused).rejects.toBeInstanceOf(QuotaExceededError);
    await expect(refused).rejects.toMatchObject({ extensions: { quota: { limit: 'activeClusters', max: 2, current: 2, requested: 1 } } });
  });

  it('refuses the cluster that would exceed the instance limit, even with cluster slots free', async () => {
    const who = nextOwner();
    await db.quotas.acquire(who, { clusterId: 'c-1', instances: 8 }, limits);
    await expect(db.quotas.acquire(who, { clusterId: 'c-2', instances: 3 }, limits)).rejects.toMatchObject({ extensions: { quota: { limit: 'instances', max: 10, current: 8, requested: 3 } } });
    await db.quotas.acquire(who, { clusterId: 'c-3', instances: 2 }, limits);
    expect(await db.quotas.usage(who)).toEqual({ activeClusters: 2, instances: 10 });
  });

  it('refuses a cluster bigger than the whole quota with the owner’s real use', async () => {
    const who = nextOwner();
    await db.quotas.acquire(who, { clusterId: 'c-1', instances: 3 }, limits);
    await expect(db.quotas.acquire(who, { clusterId: 'c-2', instances: 11 }, limits)).rejects.toMatchObject({ extensions: { quota: { limit: 'instances', current: 3, requested: 11 } } });
  });

  it('counts a share taken twice once, and gives it back once however often it is released', async () => {
    const who = nextOwner();
    await db.quotas.acquire(who, { clusterId: 'c-1', instances: 4 }, limits);
    await db.quotas.acquire(who, { clusterId: 'c-1', instances: 4 }, limits);
    expect(await db.quotas.usage(who)).toEqual({ activeClusters: 1, instances: 4 });
    expect(await db.quotas.release(who, { clusterId: 'c-1', instances: 4 })).toBe(true);
    expect(await db.quotas.release(who, { clusterId: 'c-1', instances: 4 })).toBe(false);
    expect(await db.quotas.release(who, { clusterId: 'c-never', instances: 4 })).toBe(false);
    expect(await db.quotas.usage(who)).toEqual({ activeClusters: 0, instances: 0 });
  });

  it('lets exactly as many of 20 concurrent creates through as the limit allows', async () => {
    const who = nextOwner();
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => db.quotas.acquire(who, { clusterId: `c-${i}`, instances: 1 }, { maxActiveClusters: 5, maxInstances: 100 })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
    // Each refusal is the quota's (a lost race is retried against fresh counts, never reported as a conflict by luck).
    expect(refused.every((e) => e instanceof QuotaExceededError || e.name === 'ConflictError')).toBe(true);
    expect(refused.filter((e) => e instanceof QuotaExceededError).length).toBeGreaterThanOrEqual(10);
    expect(await db.quotas.usage(who)).toEqual({ activeClusters: 5, instances: 5 });
  });

  describe('adjust (a scale of a cluster holding a share)', () => {
    it('takes a scale-out’s extra instances up to exactly the limit, and refuses one more naming the instance limit', async () => {
      const who = nextOwner();
      await db.quotas.acquire(who, { clusterId: 'c-1', instances: 4 }, limits);
      await db.quotas.acquire(who, { clusterId: 'c-2', instances: 3 }, limits);

      expect(await db.quotas.adjust(who, { clusterId: 'c-1', from: 4, to: 7 }, limits)).toBe(true);
      const refused = db.quotas.adjust(who, { clusterId: 'c-2', from: 3, to: 4 }, limits);

      expect(await db.quotas.usage(who)).toEqual({ activeClusters: 2, instances: 10 });
      await expect(refused).rejects.toBeInstanceOf(QuotaExceededError);
      await expect(refused).rejects.toMatchObject({ extensions: { quota: { limit: 'instances', max: 10, current: 10, requested: 1 } } });
    });

    it('is idempotent: the same adjustment repeated (a retried step) moves the count once; a scale-in always fits', async () => {
      const who = nextOwner();
      await db.quotas.acquire(who, { clusterId: 'c-1', instances: 8 }, limits);

      await db.quotas.adjust(who, { clusterId: 'c-1', from: 8, to: 3 }, limits);
      await db.quotas.adjust(who, { clusterId: 'c-1', from: 8, to: 3 }, limits);
      await db.quotas.adjust(who, { clusterId: 'c-1', from: 3, to: 10 }, limits);
      await db.quotas.adjust(who, { clusterId: 'c-1', from: 3, to: 10 }, limits);

      expect(await db.quotas.usage(who)).toEqual({ activeClusters: 1, instances: 10 });
    });

    it('undoes a scale-out on rollback (to → from) and releases what the cluster holds after a scale, not its first count', async () => {
      const who = nextOwner();
      await db.quotas.acquire(who, { clusterId: 'c-1', instances: 4 }, limits);
      await db.quotas.adjust(who, { clusterId: 'c-1', from: 4, to: 9 }, limits);
      await db.quotas.adjust(who, { clusterId: 'c-1', from: 9, to: 4 }, limits);
      await db.quotas.adjust(who, { clusterId: 'c-1', from: 4, to: 6 }, limits);

      // A delete in the middle of the scale-out: the record still says 4, the cluster holds 6.
      expect(await db.quotas.release(who, { clusterId: 'c-1', instances: 4 })).toBe(true);

      expect(await db.quotas.usage(who)).toEqual({ activeClusters: 0, instances: 0 });
    });

    it('changes nothing for a cluster that holds no share, or whose share someone else moved', async () => {
      const who = nextOwner();
      await db.quotas.acquire(who, { clusterId: 'c-1', instances: 4 }, limits);

      expect(await db.quotas.adjust(who, { clusterId: 'c-unknown', from: 2, to: 5 }, limits)).toBe(false);
      expect(await db.quotas.adjust(who, { clusterId: 'c-1', from: 5, to: 6 }, limits)).toBe(false);

      expect(await db.quotas.usage(who)).toEqual({ activeClusters: 1, instances: 4 });
    });

    it('lets exactly as many of 10 concurrent scale-outs through as the instance limit allows', async () => {
      const who = nextOwner();
      const ids = Array.from({ length: 10 }, (_, i) => `c-${i}`);
      for (const clusterId of ids) await db.quotas.acquire(who, { clusterId, instances: 1 }, { maxActiveClusters: 10, maxInstances: 20 });

      const results = await Promise.allSettled(ids.map((clusterId) => db.quotas.adjust(who, { clusterId, from: 1, to: 4 }, { maxActiveClusters: 10, maxInstances: 20 })));

      // 10 + 3 per scale-out ≤ 20: three fit.
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      expect(await db.quotas.usage(who)).toEqual({ activeClusters: 10, instances: 19 });
    });
  });
});

describe('POST /clusters over quota', () => {
  const handler = (maxActiveClusters: number, maxInstances: number) =>
    createClusterHandler({
      config: { region: 'us-east-1', allowedRegions: ['us-east-1'], quota: { maxActiveClusters, maxInstances } },
      clock: fixedClock(),
      store: db.store,
      workflows: buildWorkflowStarter(new SFNClient({ region: 'us-east-1' }), { create: STATE_MACHINE, delete: STATE_MACHINE.replace('create-cluster', 'delete-cluster') }),
      idempotent: (async () => undefined) as never,
      webhooks: { checkUrl: () => undefined, newSecret: () => 'whsec_x' },
      createExecutionPrefix: STATE_MACHINE.replace(':stateMachine:', ':execution:'),
      quotas: db.quotas,
      access: { operatorRoleArns: [] },
    } as unknown as Dependencies);
  const post = (who: string, body: unknown, max: [number, number]) => invoke(handler(...max), httpEvent({ method: 'POST', path: '/clusters', body, principal: who }));

  it('creates the cluster that fits exactly and refuses the next with a 429 naming the limit; nothing is created', async () => {
    const who = nextOwner();
    expect((await post(who, { name: 'one', workers: 5 }, [2, 16])).statusCode).toBe(202);
    expect((await post(who, { name: 'two', workers: 5 }, [2, 16])).statusCode).toBe(202);
    const refused = await post(who, { name: 'three', managers: 1, workers: 0 }, [2, 16]);

    expect(refused.statusCode).toBe(429);
    expect(refused.headers?.['content-type']).toBe('application/problem+json');
    expect(refused.json).toMatchObject({
      title: 'Quota exceeded',
      status: 429,
      detail: 'You may have at most 2 active clusters and 2 are active; delete one first.',
      quota: { limit: 'activeClusters', max: 2, current: 2, requested: 1 },
    });
    expect((await db.store.listByOwner(who, { limit: 10 })).items.map((c) => c.name).sort()).toEqual(['one', 'two']);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(2);
  });

  it('refuses a cluster over the instance limit with 429 naming instances and the use', async () => {
    const who = nextOwner();
    expect((await post(who, { name: 'one', workers: 5 }, [10, 12])).statusCode).toBe(202);
    const refused = await post(who, { name: 'two', workers: 2 }, [10, 12]);
    expect(refused.statusCode).toBe(429);
    expect(refused.json!.quota).toEqual({ limit: 'instances', max: 12, current: 8, requested: 5 });
    expect(refused.json!.detail).toContain('at most 12 instances');
  });

  it('gives the share back when the workflow cannot be started', async () => {
    const who = nextOwner();
    sfn.on(StartExecutionCommand).rejects(new SFNServiceException({ name: 'StateMachineDoesNotExist', $fault: 'client', message: 'gone', $metadata: {} }));
    expect((await post(who, { name: 'one' }, [1, 100])).statusCode).toBe(500);
    expect(await db.quotas.usage(who)).toEqual({ activeClusters: 0, instances: 0 });
  });
});

describe('the lifecycle gives shares back', () => {
  const limits = { maxActiveClusters: 5, maxInstances: 100 };
  const lifecycle = () => ({ store: db.store, clock: fixedClock(), quotas: db.quotas, followUps: noFollowUps });

  it('when a cluster is DELETED, once, even when the step is retried', async () => {
    const who = nextOwner();
    let cluster = aCluster({ owner: who, status: 'DELETING' });
    await db.store.create(cluster);
    await db.quotas.acquire(who, { clusterId: cluster.id, instances: 8 }, limits);

    cluster = await transition(lifecycle(), cluster, 'DELETED', { statusReason: 'every instance terminated' }, { type: 'stack.status_changed' });
    expect(await db.quotas.usage(who)).toEqual({ activeClusters: 0, instances: 0 });
    await transition(lifecycle(), cluster, 'DELETED', { statusReason: 'every instance terminated' }, { type: 'stack.status_changed' });
    expect(await db.quotas.usage(who)).toEqual({ activeClusters: 0, instances: 0 });
  });

  it('not when a cluster merely FAILED: its stack may still hold instances', async () => {
    const who = nextOwner();
    const cluster = aCluster({ owner: who, status: 'CREATING' });
    await db.store.create(cluster);
    await db.quotas.acquire(who, { clusterId: cluster.id, instances: 8 }, limits);
    await transition(lifecycle(), cluster, 'FAILED', { statusReason: 'ManagerAsg failed' }, { type: 'cluster.failed' });
    expect(await db.quotas.usage(who)).toEqual({ activeClusters: 1, instances: 8 });
  });

  it('when the failed stack of a FAILED cluster is seen deleted, and not while it is still there', async () => {
    const who = nextOwner();
    const cluster = aCluster({ owner: who, status: 'FAILED', stackId: 'stack-1' });
    await db.store.create(cluster);
    await db.quotas.acquire(who, { clusterId: cluster.id, instances: 8 }, limits);
    let stackStatus: string | undefined = 'DELETE_IN_PROGRESS';
    const stacks = { describeStack: async () => (stackStatus ? { stackId: 'stack-1', stackName: 'x', status: stackStatus, outputs: {}, tags: {} } : undefined), deleteStack: async () => undefined } as never;
    const deps = { store: db.store, stacks, clock: fixedClock(), quotas: db.quotas };

    await checkStackDeletion(deps, { clusterId: cluster.id, stackId: 'stack-1' });
    expect(await db.quotas.usage(who)).toEqual({ activeClusters: 1, instances: 8 });
    stackStatus = undefined;
    await checkStackDeletion(deps, { clusterId: cluster.id, stackId: 'stack-1' });
    // The event's path (settleCleanup from the wait's status) after the check's: giving back twice counts once.
    await settleCleanup(deps, { clusterId: cluster.id, status: 'DELETE_COMPLETE' });
    expect(await db.quotas.usage(who)).toEqual({ activeClusters: 0, instances: 0 });
  });

  it('tells the chat user about an outcome once, not again when the step is retried', async () => {
    const announced: string[] = [];
    const deps = { ...lifecycle(), followUps: { announce: async (c: { status: string }) => void announced.push(c.status) } };
    const cluster = aCluster({ owner: nextOwner(), status: 'CREATING' });
    await db.store.create(cluster);
    const ready = await transition(deps, cluster, 'READY', { statusReason: 'ok' }, { type: 'cluster.ready' });
    await transition(deps, ready, 'READY', { statusReason: 'ok' }, { type: 'cluster.ready' });
    expect(announced).toEqual(['READY']);
  });
});
