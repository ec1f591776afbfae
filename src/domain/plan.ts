/**
 * What a create would make, without making it: the resources templates/swarm.yaml creates for a cluster's parameters
 * and the instances and root volumes its two Auto Scaling groups launch. Pure; the answer of POST /clusters?dryRun=true
 * and `/swarm plan` (use-cases/plan-cluster.ts). The counts are written here rather than read from the template at
 * run time (the create function carries no YAML parser); test/unit/domain/plan.test.ts evaluates the real template
 * for several parameter sets and fails when the two disagree.
 */
import type { ClusterParameters, ClusterRequest } from './parameters';
import type { QuotaLimits, QuotaUsage } from './quota';

/** One kind of thing the stack makes, with how many. Instances and volumes also say which group and what size. */
export interface PlannedResource {
  type: string;
  count: number;
  /** For the instances and volumes the groups launch: managers or workers. */
  role?: 'manager' | 'worker';
  instanceType?: string;
  sizeGb?: number;
  volumeType?: string;
  /** Why the line is there when the template does not declare it (launched by an Auto Scaling group). */
  launchedBy?: string;
}

/**
 * The template's own resources, by type, for every cluster this service creates. The one conditional resource
 * (SshIngress, Condition AllowSsh) needs an SshCidr, a template parameter the service never passes
 * (domain/parameters.ts templateParameters), so no cluster of ours has it.
 */
const TEMPLATE_RESOURCES: readonly (readonly [type: string, count: number])[] = [
  ['AWS::EC2::VPC', 1],
  ['AWS::EC2::InternetGateway', 1],
  ['AWS::EC2::VPCGatewayAttachment', 1],
  ['AWS::EC2::RouteTable', 1],
  ['AWS::EC2::Route', 1],
  ['AWS::EC2::Subnet', 3],
  ['AWS::EC2::SubnetRouteTableAssociation', 3],
  ['AWS::EC2::SecurityGroup', 3],
  ['AWS::EC2::SecurityGroupIngress', 5],
  ['AWS::DynamoDB::Table', 1],
  ['AWS::Logs::LogGroup', 1],
  ['AWS::IAM::ManagedPolicy', 1],
  ['AWS::IAM::Role', 2],
  ['AWS::IAM::InstanceProfile', 2],
  ['AWS::EC2::LaunchTemplate', 2],
  ['AWS::AutoScaling::AutoScalingGroup', 2],
  ['AWS::ElasticLoadBalancingV2::LoadBalancer', 1],
  ['AWS::ElasticLoadBalancingV2::TargetGroup', 2],
  ['AWS::ElasticLoadBalancingV2::Listener', 2],
];

const LAUNCHED_BY = 'AWS::AutoScaling::AutoScalingGroup';

/**
 * The availability zones the swarm spreads over, as the template's TwoZones condition decides: us-west-1 offers
 * two, every other region three (the service never sets ZoneCount). The load balancer has one subnet, and so one
 * public address, per zone.
 */
export function zoneCountOf(region: string): number {
  return region === 'us-west-1' ? 2 : 3;
}

/** The template's resources, then each group's instances and their root volumes (a group of 0 adds no line). */
export function plannedResources(parameters: ClusterParameters): PlannedResource[] {
  const resources: PlannedResource[] = TEMPLATE_RESOURCES.map(([type, count]) => ({ type, count }));
  for (const group of nodeGroups(parameters)) {
    if (group.count === 0) continue;
    resources.push({ type: 'AWS::EC2::Instance', count: group.count, role: group.role, instanceType: group.instanceType, launchedBy: LAUNCHED_BY });
    resources.push({ type: 'AWS::EC2::Volume', count: group.count, role: group.role, sizeGb: group.diskSizeGb, volumeType: group.diskType, launchedBy: LAUNCHED_BY });
  }
  return resources;
}

export interface NodeGroup {
  role: 'manager' | 'worker';
  count: number;
  instanceType: string;
  diskSizeGb: number;
  diskType: string;
}

export function nodeGroups(parameters: ClusterParameters): NodeGroup[] {
  return [
    { role: 'manager', count: parameters.managers, instanceType: parameters.managerInstanceType, diskSizeGb: parameters.managerDiskSizeGb, diskType: parameters.managerDiskType },
    { role: 'worker', count: parameters.workers, instanceType: parameters.workerInstanceType, diskSizeGb: parameters.workerDiskSizeGb, diskType: parameters.workerDiskType },
  ];
}

export interface CostLine {
  item: string;
  hourly: number;
  monthly: number;
}

export interface CostEstimate {
  currency: 'USD';
  hourly: number;
  monthly: number;
  /** Hours in the monthly figure: AWS's own convention (its pricing calculator uses 730). */
  hoursPerMonth: number;
  lines: CostLine[];
  /** What the estimate leaves out (traffic-dependent charges, logs, ...). */
  notCounted: string[];
  source: string;
  priceDate: string;
}

/** The quota a create would take, against what the owner holds now; nothing is taken by a plan. */
export interface PlannedQuota {
  limits: QuotaLimits;
  inUse: QuotaUsage;
  requested: QuotaUsage;
}

/** The body of a dry run's 200 (POST /clusters?dryRun=true). */
export interface ClusterPlan {
  dryRun: true;
  /** The request as a create would store it, defaults applied (a webhook's secret is made only by a real create). */
  cluster: Pick<ClusterRequest, 'name' | 'expiresAt' | 'idleTimeout' | 'idleAction'> & {
    region: string;
    parameters: ClusterParameters;
    tags: Record<string, string>;
    webhook?: { url: string; events: string[] };
  };
  quota: PlannedQuota;
  resources: PlannedResource[];
  /** Absent when the price table has no prices for the region; `estimateUnavailable` then says why. */
  estimate?: CostEstimate;
  estimateUnavailable?: string;
}
