import { QuotaExceededError, ValidationError } from '../../../src/domain/errors';
import { clusterRequestSchema } from '../../../src/domain/parameters';
import type { QuotaUsage } from '../../../src/domain/quota';
import { planCluster, type PlanClusterDeps } from '../../../src/use-cases/plan-cluster';

const NOW = new Date('2026-11-27T12:00:00Z');

/** A ledger that can only be read: a plan that tried to take or give back a share would throw. */
function readOnlyLedger(usage: QuotaUsage) {
  const reads: string[] = [];
  const quotas = {
    usage: async (owner: string) => {
      reads.push(owner);
      return usage;
    },
  };
  return { quotas, reads };
}

function deps(usage: QuotaUsage = { activeClusters: 0, instances: 0 }, overrides: Partial<PlanClusterDeps> = {}) {
  const ledger = readOnlyLedger(usage);
  const planDeps: PlanClusterDeps = {
    clock: { now: () => NOW },
    defaultRegion: 'us-east-1',
    allowedRegions: ['us-east-1', 'eu-west-1', 'ap-south-2'],
    checkWebhookUrl: (url) => (url.startsWith('https://') ? undefined : 'must use https'),
    quotaLimits: { maxActiveClusters: 3, maxInstances: 20 },
    quotas: ledger.quotas,
    ...overrides,
  };
  return { planDeps, ledger };
}

const request = (body: Record<string, unknown>) => clusterRequestSchema.parse({ name: 'demo', ...body });

describe('planning a cluster (the dry run)', () => {
  it('answers with the defaulted request, the quota it would take against what is in use, the resources and an estimate', async () => {
    // Prepare
    const { planDeps, ledger } = deps({ activeClusters: 1, instances: 4 });

    // Act
    const plan = await planCluster(planDeps, { owner: 'alice', request: request({ workers: 2, tags: { team: 'web' } }) });

    // Assess
    expect(plan.dryRun).toBe(true);
    expect(plan.cluster).toEqual({
      name: 'demo',
      region: 'us-east-1',
      tags: { team: 'web' },
      parameters: expect.objectContaining({ managers: 3, workers: 2, managerInstanceType: 't3.small', workerDiskType: 'gp3', enableCloudWatchLogs: true }),
    });
    expect(plan.quota).toEqual({ limits: { maxActiveClusters: 3, maxInstances: 20 }, inUse: { activeClusters: 1, instances: 4 }, requested: { activeClusters: 1, instances: 5 } });
    expect(plan.resources).toContainEqual({ type: 'AWS::EC2::Instance', count: 2, role: 'worker', instanceType: 't3.small', launchedBy: 'AWS::AutoScaling::AutoScalingGroup' });
    expect(plan.estimate).toMatchObject({ currency: 'USD', priceDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    expect(plan.estimate!.monthly).toBeCloseTo(plan.estimate!.lines.reduce((sum, line) => sum + line.monthly, 0), 1);
    expect(ledger.reads).toEqual(['alice']);
  });

  it('refuses with 429 naming the limit, as a create would, when one more cluster of this size does not fit', async () => {
    const { planDeps } = deps({ activeClusters: 1, instances: 18 });

    const attempt = planCluster(planDeps, { owner: 'alice', request: request({ managers: 1, workers: 2 }) });

    await expect(attempt).rejects.toBeInstanceOf(QuotaExceededError);
    await expect(attempt).rejects.toMatchObject({ status: 429, extensions: { quota: { limit: 'instances', max: 20, current: 18, requested: 3 } } });
  });

  it('refuses with 429 when the owner already has as many active clusters as allowed', async () => {
    const { planDeps } = deps({ activeClusters: 3, instances: 3 });

    await expect(planCluster(planDeps, { owner: 'alice', request: request({ managers: 1, workers: 0 }) })).rejects.toMatchObject({ status: 429, extensions: { quota: { limit: 'activeClusters' } } });
  });

  it.each([
    [{ region: 'sa-east-1' }, 'region'],
    [{ expiresAt: '2026-01-01T00:00:00Z' }, 'expiresAt'],
    [{ webhook: { url: 'http://hooks.example.com' } }, 'webhook.url'],
  ])('refuses %j with 422 naming %s before reading the quota', async (body, field) => {
    const { planDeps, ledger } = deps();

    const attempt = planCluster(planDeps, { owner: 'alice', request: request(body) });

    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ errors: [expect.objectContaining({ field })] });
    expect(ledger.reads).toEqual([]);
  });

  it('shows a webhook without a secret: only a real create makes one', async () => {
    const { planDeps } = deps();

    const plan = await planCluster(planDeps, { owner: 'alice', request: request({ webhook: { url: 'https://hooks.example.com/x', events: ['cluster.ready'] } }) });

    expect(plan.cluster.webhook).toEqual({ url: 'https://hooks.example.com/x', events: ['cluster.ready'] });
    expect(JSON.stringify(plan)).not.toMatch(/whsec_|secret/);
  });

  it('plans an allowed region the price table does not price, without an estimate and saying why', async () => {
    const { planDeps } = deps();

    const plan = await planCluster(planDeps, { owner: 'alice', request: request({ region: 'ap-south-2' }) });

    expect(plan.estimate).toBeUndefined();
    expect(plan.estimateUnavailable).toMatch(/no prices for ap-south-2.*docs\/costs\.md/);
    expect(plan.resources.length).toBeGreaterThan(0);
  });
});
