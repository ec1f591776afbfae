/**
 * The price table of dry-run estimates: AWS on-demand list prices in USD, Linux, shared tenancy, per region. How the
 * values were found and how to update them: docs/costs.md. Typed so that every allowed instance type and disk type
 * has a price in every region listed (a new type in domain/parameters.ts fails the build until it is priced here).
 *
 * Honesty about the source: this repository has no internet access. The values below were written from knowledge of
 * AWS's published price lists, NOT read from a live or stored AWS price page on `priceDate`; only the public IPv4
 * price and the m6i/m7i xlarge prices in us-east-1 were corroborated by stored pages (docs/costs.md lists them).
 * Check them against https://aws.amazon.com/ec2/pricing/on-demand/, https://aws.amazon.com/ebs/pricing/ and
 * https://aws.amazon.com/elasticloadbalancing/pricing/ (or the AWS Price List API) before relying on an estimate.
 */
import type { DISK_TYPES, INSTANCE_TYPES } from '../parameters';

export interface RegionPrices {
  /** USD per instance-hour. */
  instanceHour: Record<(typeof INSTANCE_TYPES)[number], number>;
  /** USD per GB-month of provisioned root volume. */
  volumeGbMonth: Record<(typeof DISK_TYPES)[number], number>;
  /** USD per Network Load Balancer hour (the fixed part; NLCUs are traffic and not counted). */
  networkLoadBalancerHour: number;
}

export interface PriceTable {
  currency: 'USD';
  /** The day the table was written (see the note above: not the day the values were read from AWS). */
  priceDate: string;
  source: string;
  /** USD per public IPv4 address-hour: every node and each of the load balancer's zones has one. */
  publicIpv4Hour: number;
  regions: Record<string, RegionPrices>;
}

/** us-east-1, us-east-2 and us-west-2 have the same list prices for everything priced here. */
const US_EAST_AND_OREGON: RegionPrices = {
  instanceHour: {
    't3.micro': 0.0104, 't3.small': 0.0208, 't3.medium': 0.0416, 't3.large': 0.0832, 't3.xlarge': 0.1664,
    't3a.small': 0.0188, 't3a.medium': 0.0376, 't3a.large': 0.0752,
    'm6i.large': 0.096, 'm6i.xlarge': 0.192, 'm7i.large': 0.1008, 'm7i.xlarge': 0.2016,
    'c6i.large': 0.085, 'c7i.large': 0.08925, 'r6i.large': 0.126,
  },
  volumeGbMonth: { gp3: 0.08, gp2: 0.1, standard: 0.05 },
  networkLoadBalancerHour: 0.0225,
};

export const PRICE_TABLE: PriceTable = {
  currency: 'USD',
  priceDate: '2026-11-27',
  source:
    'AWS on-demand list prices (EC2 Linux, EBS, Elastic Load Balancing, public IPv4) as known when the table was written, not checked against the live price list; see docs/costs.md',
  // https://aws.amazon.com/blogs/networking-and-content-delivery/identify-and-optimize-public-ipv4-address-usage-on-aws/
  // (charges from 1 February 2024; $0.005 per IP-hour in every region).
  publicIpv4Hour: 0.005,
  regions: {
    'us-east-1': US_EAST_AND_OREGON,
    'us-east-2': US_EAST_AND_OREGON,
    'us-west-2': US_EAST_AND_OREGON,
    'eu-west-1': {
      instanceHour: {
        't3.micro': 0.0114, 't3.small': 0.0228, 't3.medium': 0.0456, 't3.large': 0.0912, 't3.xlarge': 0.1824,
        't3a.small': 0.0204, 't3a.medium': 0.0408, 't3a.large': 0.0816,
        'm6i.large': 0.107, 'm6i.xlarge': 0.214, 'm7i.large': 0.1124, 'm7i.xlarge': 0.2247,
        'c6i.large': 0.096, 'c7i.large': 0.1008, 'r6i.large': 0.141,
      },
      volumeGbMonth: { gp3: 0.088, gp2: 0.11, standard: 0.055 },
      networkLoadBalancerHour: 0.0252,
    },
    'eu-central-1': {
      instanceHour: {
        't3.micro': 0.012, 't3.small': 0.024, 't3.medium': 0.048, 't3.large': 0.096, 't3.xlarge': 0.192,
        't3a.small': 0.0216, 't3a.medium': 0.0432, 't3a.large': 0.0864,
        'm6i.large': 0.115, 'm6i.xlarge': 0.23, 'm7i.large': 0.1208, 'm7i.xlarge': 0.2415,
        'c6i.large': 0.097, 'c7i.large': 0.1019, 'r6i.large': 0.152,
      },
      volumeGbMonth: { gp3: 0.0952, gp2: 0.119, standard: 0.059 },
      networkLoadBalancerHour: 0.027,
    },
  },
};
