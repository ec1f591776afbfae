/**
 * What DescribeAutoScalingGroups shows of the stacks' groups: each group of a stack that is not deleted, with its
 * sizes, tags and the instances EC2 still lists for it, in the lifecycle and health states Auto Scaling reports.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html
 */
import { AUTO_SCALING_GROUP, desiredCapacity, groupSize } from './auto-scaling';
import { validationError, CloudError } from './errors';
import type { Fleet, Instance, Tag } from './fleet';
import { isDeleted, type Stack, type StackResourceState } from './stack-model';

export interface GroupTag extends Tag {
  propagateAtLaunch: boolean;
}

export interface GroupInstance {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  lifecycleState: 'Pending' | 'InService' | 'Terminating' | 'Terminating:Wait';
  healthStatus: 'Healthy' | 'Unhealthy';
}

export interface GroupDescription {
  name: string;
  stackId: string;
  logicalId: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  healthCheckGracePeriod: number;
  createdTime: Date;
  vpcZoneIdentifier: string;
  availabilityZones: string[];
  tags: GroupTag[];
  instances: GroupInstance[];
  launchTemplate?: { id?: string; name?: string; version?: string };
}

/** `tag:<key>`, `tag-key`, `tag-value`: the filters DescribeAutoScalingGroups takes (all ANDed, values ORed). */
export interface GroupFilter {
  name: string;
  values: string[];
}

export interface GroupQuery {
  names: string[];
  filters: GroupFilter[];
  maxRecords?: number;
  nextToken?: string;
}

const DEFAULT_MAX_RECORDS = 50;
const MAX_RECORDS = 100;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined);
const records = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value) ? value.filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null) : [];

/**
 * The group's tags as Auto Scaling lists them: its own Tags, the stack's tags (CloudFormation propagates them to the
 * group, PropagateAtLaunch true) and the aws:cloudformation:* tags.
 */
const groupTags = (stack: Stack, group: StackResourceState): GroupTag[] => {
  const tags = new Map<string, GroupTag>();
  for (const tag of stack.tags) tags.set(tag.key, { ...tag, propagateAtLaunch: true });
  for (const tag of records(group.properties['Tags'])) {
    const key = text(tag['Key']);
    if (key !== undefined) tags.set(key, { key, value: text(tag['Value']) ?? '', propagateAtLaunch: tag['PropagateAtLaunch'] === true || tag['PropagateAtLaunch'] === 'true' });
  }
  for (const [key, value] of [
    ['aws:cloudformation:logical-id', group.logicalId],
    ['aws:cloudformation:stack-id', stack.id],
    ['aws:cloudformation:stack-name', stack.name],
  ] as const) {
    tags.set(key, { key, value, propagateAtLaunch: true });
  }
  return [...tags.values()].sort((a, b) => a.key.localeCompare(b.key));
};

/**
 * An instance's states as Auto Scaling reports them. Marked unhealthy (SetInstanceHealth) or no longer running for
 * EC2 (terminated by someone else) is Unhealthy, as the group's EC2 health check finds it; a `hung` instance is still
 * `running` for EC2, so its EC2 health check passes and it stays Healthy (only the swarm and SSM see it hang).
 * Terminated instances have left the group and are not listed.
 */
const groupInstance = (instance: Instance, group: StackResourceState, unhealthy: ReadonlySet<string>): GroupInstance | undefined => {
  if (instance.state === 'terminated' || instance.state === 'stopped') return undefined;
  const leaving = group.leaving?.includes(instance.instanceId) === true;
  const lifecycleState =
    instance.state === 'pending' ? 'Pending' : instance.state === 'running' ? (leaving ? 'Terminating:Wait' : 'InService') : 'Terminating';
  const healthy = !unhealthy.has(instance.instanceId) && (instance.state === 'running' || instance.state === 'pending');
  return {
    instanceId: instance.instanceId,
    instanceType: instance.instanceType,
    availabilityZone: instance.availabilityZone,
    lifecycleState,
    healthStatus: healthy ? 'Healthy' : 'Unhealthy',
  };
};

const describeGroup = (stack: Stack, group: StackResourceState, fleet: Fleet, unhealthy: ReadonlySet<string>): GroupDescription => {
  const instances = group.instanceIds.flatMap((id) => {
    const instance = fleet.get(id);
    const described = instance ? groupInstance(instance, group, unhealthy) : undefined;
    return described ? [described] : [];
  });
  const launchTemplate = typeof group.properties['LaunchTemplate'] === 'object' && group.properties['LaunchTemplate'] !== null ? (group.properties['LaunchTemplate'] as Record<string, unknown>) : undefined;
  const subnets = group.properties['VPCZoneIdentifier'];
  const ltId = text(launchTemplate?.['LaunchTemplateId']);
  const ltName = text(launchTemplate?.['LaunchTemplateName']);
  const ltVersion = text(launchTemplate?.['Version']);
  return {
    name: group.physicalId,
    stackId: stack.id,
    logicalId: group.logicalId,
    minSize: groupSize(group, 'MinSize'),
    maxSize: groupSize(group, 'MaxSize'),
    desiredCapacity: desiredCapacity(group),
    healthCheckGracePeriod: Number(group.properties['HealthCheckGracePeriod'] ?? 0) || 0,
    createdTime: group.lastUpdated,
    vpcZoneIdentifier: Array.isArray(subnets) ? subnets.map(String).join(',') : (text(subnets) ?? ''),
    availabilityZones: [...new Set(instances.map((instance) => instance.availabilityZone))].sort(),
    tags: groupTags(stack, group),
    instances,
    ...(launchTemplate ? { launchTemplate: { ...(ltId ? { id: ltId } : {}), ...(ltName ? { name: ltName } : {}), ...(ltVersion ? { version: ltVersion } : {}) } } : {}),
  };
};

/** Every group that exists now: created (or being updated), in a stack that is not deleted. */
export const allGroups = (stacks: readonly Stack[], fleet: Fleet, unhealthy: ReadonlySet<string>): GroupDescription[] =>
  stacks
    .filter((stack) => !isDeleted(stack))
    .flatMap((stack) =>
      stack.resources
        .filter((resource) => resource.type === AUTO_SCALING_GROUP && resource.physicalId !== '' && resource.status !== undefined && !resource.status.startsWith('DELETE') && resource.status !== 'CREATE_FAILED')
        .map((group) => describeGroup(stack, group, fleet, unhealthy)),
    )
    .sort((a, b) => a.name.localeCompare(b.name));

const matches = (group: GroupDescription, filter: GroupFilter): boolean => {
  if (filter.name === 'tag-key') return group.tags.some((tag) => filter.values.includes(tag.key));
  if (filter.name === 'tag-value') return group.tags.some((tag) => filter.values.includes(tag.value));
  if (filter.name.startsWith('tag:')) {
    const key = filter.name.slice('tag:'.length);
    return group.tags.some((tag) => tag.key === key && filter.values.includes(tag.value));
  }
  throw validationError(`Filter name ${filter.name} is invalid. Valid filter names are: tag-key, tag-value, tag:<key>.`);
};

/** The page token: where the next page starts in the name-ordered list (AWS's is opaque too). */
const encodeToken = (name: string): string => Buffer.from(`after:${name}`).toString('base64');
const decodeToken = (token: string): string => {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  if (!decoded.startsWith('after:')) throw new CloudError('InvalidNextToken', 'The token is invalid.');
  return decoded.slice('after:'.length);
};

/**
 * One page of the groups named (all when none) that match every filter, in name order. MaxRecords defaults to 50
 * and may be at most 100, as on AWS.
 */
export const describeGroups = (groups: readonly GroupDescription[], query: GroupQuery): { groups: GroupDescription[]; nextToken?: string } => {
  const maxRecords = query.maxRecords ?? DEFAULT_MAX_RECORDS;
  if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > MAX_RECORDS) {
    throw validationError(`1 validation error detected: Value '${maxRecords}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to ${MAX_RECORDS}`);
  }
  const after = query.nextToken === undefined ? undefined : decodeToken(query.nextToken);
  const selected = groups.filter(
    (group) =>
      (query.names.length === 0 || query.names.includes(group.name)) &&
      query.filters.every((filter) => matches(group, filter)) &&
      (after === undefined || group.name.localeCompare(after) > 0),
  );
  const page = selected.slice(0, maxRecords);
  const last = page.at(-1);
  return selected.length > maxRecords && last ? { groups: page, nextToken: encodeToken(last.name) } : { groups: page };
};
