import { clusterRequestSchema, DISK_TYPES, INSTANCE_TYPES, parametersOf } from '../../../src/domain/parameters';
import { estimateCost, HOURS_PER_MONTH } from '../../../src/domain/pricing/estimate';
import { PRICE_TABLE, type PriceTable } from '../../../src/domain/pricing/prices';

const parametersFor = (body: Record<string, unknown>) => parametersOf(clusterRequestSchema.parse({ name: 'demo', ...body }));

/** Round numbers, so the expected values can be worked out by hand. */
const TABLE: PriceTable = {
  currency: 'USD',
  priceDate: '2026-01-01',
  source: 'test table',
  publicIpv4Hour: 0.005,
  regions: {
    'us-east-1': {
      instanceHour: Object.fromEntries(INSTANCE_TYPES.map((type) => [type, type === 't3.small' ? 0.02 : 0.1])) as PriceTable['regions'][string]['instanceHour'],
      volumeGbMonth: { gp3: 0.08, gp2: 0.1, standard: 0.05 },
      networkLoadBalancerHour: 0.0225,
    },
  },
};

describe('the cost estimate', () => {
  it('prices instances by the hour, volumes by the GB-month, the load balancer and one public address per node and per zone', () => {
    // Prepare: 3 managers and 5 workers on t3.small, 20 GB gp3 each (the defaults).
    const parameters = parametersFor({});

    // Act
    const estimate = estimateCost(parameters, 'us-east-1', TABLE)!;

    // Assess
    expect(estimate.lines).toEqual([
      { item: '3 × t3.small manager instances', hourly: 0.06, monthly: 43.8 },
      { item: '5 × t3.small worker instances', hourly: 0.1, monthly: 73 },
      { item: '3 × 20 GB gp3 manager root volumes', hourly: 0.0066, monthly: 4.8 },
      { item: '5 × 20 GB gp3 worker root volumes', hourly: 0.011, monthly: 8 },
      { item: '1 × network load balancer (hourly charge)', hourly: 0.0225, monthly: 16.43 },
      { item: '11 × public IPv4 address (8 nodes, 3 load balancer zones)', hourly: 0.055, monthly: 40.15 },
    ]);
    // 0.06 + 0.1 + 4.8/730 + 8/730 + 0.0225 + 0.055 = 0.25503…; 43.8 + 73 + 4.8 + 8 + 16.425 + 40.15 = 186.175
    expect(estimate).toMatchObject({ currency: 'USD', hourly: 0.255, monthly: 186.18, hoursPerMonth: HOURS_PER_MONTH, source: 'test table', priceDate: '2026-01-01' });
    expect(estimate.notCounted.join(' ')).toMatch(/NLCU/);
  });

  it('prices each group with its own instance type, disk size and disk type, and leaves out a group of none', () => {
    const parameters = parametersFor({ managers: 1, workers: 0, managerInstanceType: 'm7i.large', managerDiskSizeGb: 100, managerDiskType: 'standard' });

    const estimate = estimateCost(parameters, 'us-east-1', TABLE)!;

    expect(estimate.lines.map((line) => line.item)).toEqual([
      '1 × m7i.large manager instance',
      '1 × 100 GB standard manager root volume',
      '1 × network load balancer (hourly charge)',
      '4 × public IPv4 address (1 node, 3 load balancer zones)',
    ]);
    expect(estimate.lines[1]).toEqual({ item: '1 × 100 GB standard manager root volume', hourly: 0.0068, monthly: 5 });
  });

  it('counts two load balancer zones in us-west-1, the template’s two-zone region', () => {
    const table: PriceTable = { ...TABLE, regions: { 'us-west-1': TABLE.regions['us-east-1']! } };

    const estimate = estimateCost(parametersFor({ managers: 1, workers: 1 }), 'us-west-1', table)!;

    expect(estimate.lines.at(-1)!.item).toBe('4 × public IPv4 address (2 nodes, 2 load balancer zones)');
  });

  it('has no estimate for a region the table does not price', () => {
    expect(estimateCost(parametersFor({}), 'ap-south-2', TABLE)).toBeUndefined();
  });
});

describe('the price table', () => {
  it('prices every allowed instance type and disk type in every region it lists, with plausible positive numbers', () => {
    for (const [region, prices] of Object.entries(PRICE_TABLE.regions)) {
      expect([region, Object.keys(prices.instanceHour).sort()]).toEqual([region, [...INSTANCE_TYPES].sort()]);
      expect([region, Object.keys(prices.volumeGbMonth).sort()]).toEqual([region, [...DISK_TYPES].sort()]);
      for (const price of [...Object.values(prices.instanceHour), ...Object.values(prices.volumeGbMonth), prices.networkLoadBalancerHour]) {
        expect(price).toBeGreaterThan(0);
        expect(price).toBeLessThan(1);
      }
    }
  });

  it('prices the sandbox’s region and the regions the operations guide deploys to', () => {
    // us-east-1: the local service (sandbox/environment.ts); eu-west-1 and eu-central-1: docs/operations.md.
    expect(Object.keys(PRICE_TABLE.regions)).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'eu-central-1']));
  });

  it('says when it was written and where its values come from', () => {
    expect(PRICE_TABLE.priceDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(PRICE_TABLE.source).toMatch(/docs\/costs\.md/);
  });
});
