/**
 * The running cost of a cluster from the price table: its instances, their root volumes, the load balancer's hourly
 * charge and the public IPv4 addresses. Pure arithmetic; what it leaves out is said in the answer (`notCounted`).
 */
import type { ClusterParameters } from '../parameters';
import { nodeGroups, zoneCountOf, type CostEstimate, type CostLine } from '../plan';
import { counted, plural } from '../words';
import type { PriceTable } from './prices';

/** AWS's pricing calculator counts a month as 730 hours (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

export const NOT_COUNTED = [
  'load balancer capacity units (NLCU) and data transfer, which depend on traffic',
  'CPU credits above the baseline of t3/t3a instances (unlimited mode is their default)',
  'CloudWatch Logs ingestion and storage of container logs',
  'DynamoDB requests of the swarm table (on-demand, a few per node start)',
  'EBS snapshots, taxes, and any Savings Plan, Reserved Instance or free-tier discount',
];

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** Hourly to 4 decimals (a t3.micro is $0.0104/h), monthly to cents. */
const line = (item: string, hourly: number, monthly = hourly * HOURS_PER_MONTH): CostLine & { exact: [number, number] } => ({
  item,
  hourly: round(hourly, 4),
  monthly: round(monthly, 2),
  exact: [hourly, monthly],
});

/** The estimate for a cluster in `region`, or undefined when the table has no prices there. */
export function estimateCost(parameters: ClusterParameters, region: string, table: PriceTable): CostEstimate | undefined {
  const prices = table.regions[region];
  if (!prices) return undefined;
  const groups = nodeGroups(parameters).filter((group) => group.count > 0);
  const zones = zoneCountOf(region);
  const nodes = groups.reduce((sum, group) => sum + group.count, 0);
  const lines = [
    ...groups.map((g) => line(`${g.count} × ${g.instanceType} ${g.role} ${plural(g.count, 'instance')}`, g.count * prices.instanceHour[g.instanceType as keyof typeof prices.instanceHour])),
    ...groups.map((g) => {
      const monthly = g.count * g.diskSizeGb * prices.volumeGbMonth[g.diskType as keyof typeof prices.volumeGbMonth];
      return line(`${g.count} × ${g.diskSizeGb} GB ${g.diskType} ${g.role} ${plural(g.count, 'root volume')}`, monthly / HOURS_PER_MONTH, monthly);
    }),
    line('1 × network load balancer (hourly charge)', prices.networkLoadBalancerHour),
    line(`${nodes + zones} × public IPv4 address (${counted(nodes, 'node')}, ${zones} load balancer zones)`, (nodes + zones) * table.publicIpv4Hour),
  ];
  // Totals from the exact values, so they do not carry the lines' rounding.
  const hourly = lines.reduce((sum, l) => sum + l.exact[0], 0);
  const monthly = lines.reduce((sum, l) => sum + l.exact[1], 0);
  return {
    currency: table.currency,
    hourly: round(hourly, 4),
    monthly: round(monthly, 2),
    hoursPerMonth: HOURS_PER_MONTH,
    lines: lines.map(({ exact: _exact, ...rest }) => rest),
    notCounted: NOT_COUNTED,
    source: table.source,
    priceDate: table.priceDate,
  };
}
