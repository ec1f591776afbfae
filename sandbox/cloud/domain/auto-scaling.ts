import { createHash } from 'node:crypto';
import type { LaunchRequest, LaunchSlot, Tag } from './fleet';
import { ec2Id } from './ids';
import { availabilityZones } from './intrinsics';
import type { ProvisionedResource } from './template-instance';

export const AUTO_SCALING_GROUP = 'AWS::AutoScaling::AutoScalingGroup';

type Properties = Record<string, unknown>;

const isRecord = (value: unknown): value is Properties => typeof value === 'object' && value !== null && !Array.isArray(value);
const records = (value: unknown): Properties[] => (Array.isArray(value) ? value.filter(isRecord) : []);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
const flag = (value: unknown): boolean | undefined => (value === undefined ? undefined : value === true || value === 'true');
const list = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : typeof value === 'string' && value !== '' ? value.split(',') : [];

/** The default VPC's subnets: where instances go when a group names no subnets. */
const defaultVpcCidr = (index: number): string => `172.31.${index * 16}.0/20`;

/** The default VPC's subnets are the same for every group, so they share one address space per subnet. */
const defaultSubnetId = (region: string, index: number): string =>
  `subnet-${createHash('sha256').update(`${region} default ${index}`).digest('hex').slice(0, 17)}`;

export interface GroupContext {
  region: string;
  stackName: string;
  stackId: string;
  stackTags: Tag[];
  resources: readonly ProvisionedResource[];
}

/** The desired capacity CloudFormation hands the group: DesiredCapacity, else MinSize. */
export const desiredCapacity = (group: ProvisionedResource): number => {
  const value = Number(group.properties['DesiredCapacity'] ?? group.properties['MinSize'] ?? 0);
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
};

/**
 * What a rolling update compares: the properties that make Auto Scaling launch a different instance (launch template
 * and its version, launch configuration, mixed instances policy, subnets). A change of any of them replaces every
 * instance; a change of the sizes only scales.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html
 */
export const launchSignature = (group: ProvisionedResource): string =>
  JSON.stringify([
    group.properties['LaunchTemplate'] ?? null,
    group.properties['LaunchConfigurationName'] ?? null,
    group.properties['MixedInstancesPolicy'] ?? null,
    group.properties['VPCZoneIdentifier'] ?? null,
  ]);

/** MaxSize, MinSize as numbers (0 when absent). */
export const groupSize = (group: ProvisionedResource, property: 'MaxSize' | 'MinSize'): number => {
  const value = Number(group.properties[property] ?? 0);
  return Number.isFinite(value) ? Math.floor(value) : 0;
};

/**
 * What an auto-scaling group launches: its desired capacity from its launch template (or launch configuration),
 * balanced over its subnets, tagged with the stack's tags, its own PropagateAtLaunch tags and the tags AWS adds.
 */
export const launchRequest = (group: ProvisionedResource, context: GroupContext): LaunchRequest => {
  const launch = launchSettings(group, context.resources);
  const slots = launchSlots(group, context);
  return {
    count: desiredCapacity(group),
    slots: slots.map((slot) => ({ ...slot, publicIp: launch.associatePublicIp ?? slot.publicIp })),
    instanceType: launch.instanceType ?? 't3.small',
    imageId: launch.imageId ?? ec2Id('ami'),
    ...(launch.keyName ? { keyName: launch.keyName } : {}),
    securityGroupIds: launch.securityGroupIds,
    tags: instanceTags(group, context, launch.tags),
  };
};

interface LaunchSettings {
  instanceType?: string;
  imageId?: string;
  keyName?: string;
  associatePublicIp?: boolean;
  securityGroupIds: string[];
  tags: Tag[];
}

const findResource = (resources: readonly ProvisionedResource[], type: string, idOrName: unknown): ProvisionedResource | undefined =>
  resources.find(
    (resource) =>
      resource.type === type &&
      idOrName !== undefined &&
      (resource.physicalId === idOrName || resource.attributes['LaunchTemplateName'] === idOrName),
  );

const launchSettings = (group: ProvisionedResource, resources: readonly ProvisionedResource[]): LaunchSettings => {
  const mixed = isRecord(group.properties['MixedInstancesPolicy']) ? group.properties['MixedInstancesPolicy'] : undefined;
  const mixedTemplate = isRecord(mixed?.['LaunchTemplate']) ? mixed['LaunchTemplate'] : undefined;
  const specification = isRecord(group.properties['LaunchTemplate'])
    ? group.properties['LaunchTemplate']
    : isRecord(mixedTemplate?.['LaunchTemplateSpecification'])
      ? mixedTemplate['LaunchTemplateSpecification']
      : undefined;
  const overrideType = text(records(mixedTemplate?.['Overrides'])[0]?.['InstanceType']);

  if (specification) {
    const template = findResource(
      resources,
      'AWS::EC2::LaunchTemplate',
      specification['LaunchTemplateId'] ?? specification['LaunchTemplateName'],
    );
    const data = isRecord(template?.properties['LaunchTemplateData']) ? template.properties['LaunchTemplateData'] : {};
    const primaryInterface = records(data['NetworkInterfaces'])[0];
    const instanceTagSpecification = records(data['TagSpecifications']).find((spec) => spec['ResourceType'] === 'instance');
    const instanceType = overrideType ?? text(data['InstanceType']);
    const imageId = text(data['ImageId']);
    const keyName = text(data['KeyName']);
    const associatePublicIp = flag(primaryInterface?.['AssociatePublicIpAddress']);
    return {
      ...(instanceType ? { instanceType } : {}),
      ...(imageId ? { imageId } : {}),
      ...(keyName ? { keyName } : {}),
      ...(associatePublicIp !== undefined ? { associatePublicIp } : {}),
      securityGroupIds: list(data['SecurityGroupIds'] ?? primaryInterface?.['Groups']),
      tags: tagList(instanceTagSpecification?.['Tags']),
    };
  }

  const configuration = findResource(resources, 'AWS::AutoScaling::LaunchConfiguration', group.properties['LaunchConfigurationName']);
  const properties = configuration?.properties ?? {};
  const instanceType = text(properties['InstanceType']);
  const imageId = text(properties['ImageId']);
  const keyName = text(properties['KeyName']);
  const associatePublicIp = flag(properties['AssociatePublicIpAddress']);
  return {
    ...(instanceType ? { instanceType } : {}),
    ...(imageId ? { imageId } : {}),
    ...(keyName ? { keyName } : {}),
    ...(associatePublicIp !== undefined ? { associatePublicIp } : {}),
    securityGroupIds: list(properties['SecurityGroups']),
    tags: [],
  };
};

const launchSlots = (group: ProvisionedResource, context: GroupContext): LaunchSlot[] => {
  const zones = availabilityZones(context.region);
  const subnetIds = list(group.properties['VPCZoneIdentifier']);
  if (subnetIds.length > 0) {
    return subnetIds.map((subnetId, index) => {
      const subnet = context.resources.find((resource) => resource.type === 'AWS::EC2::Subnet' && resource.physicalId === subnetId);
      const properties = subnet?.properties ?? {};
      const vpcId = text(properties['VpcId']);
      const vpc = context.resources.find((resource) => resource.physicalId === vpcId);
      return {
        availabilityZone: text(properties['AvailabilityZone']) ?? zones[index % zones.length] ?? `${context.region}a`,
        cidrBlock: text(properties['CidrBlock']) ?? text(vpc?.properties['CidrBlock']) ?? defaultVpcCidr(index % 3),
        subnetId,
        ...(vpcId ? { vpcId } : {}),
        publicIp: flag(properties['MapPublicIpOnLaunch']) ?? subnet === undefined,
      };
    });
  }
  const groupZones = list(group.properties['AvailabilityZones']);
  return (groupZones.length > 0 ? groupZones : zones).map((availabilityZone, index) => ({
    availabilityZone,
    cidrBlock: defaultVpcCidr(index % 3),
    subnetId: defaultSubnetId(context.region, index % 3),
    publicIp: true,
  }));
};

const tagList = (value: unknown): Tag[] =>
  records(value).flatMap((tag) => {
    const key = text(tag['Key']);
    return key === undefined ? [] : [{ key, value: text(tag['Value']) ?? '' }];
  });

const instanceTags = (group: ProvisionedResource, context: GroupContext, launchTemplateTags: Tag[]): Tag[] => {
  const propagated = records(group.properties['Tags']).filter((tag) => flag(tag['PropagateAtLaunch']) === true);
  const tags = new Map<string, string>();
  for (const tag of [...context.stackTags, ...launchTemplateTags, ...tagList(propagated)]) tags.set(tag.key, tag.value);
  tags.set('aws:cloudformation:stack-name', context.stackName);
  tags.set('aws:cloudformation:stack-id', context.stackId);
  tags.set('aws:cloudformation:logical-id', group.logicalId);
  tags.set('aws:autoscaling:groupName', group.physicalId);
  return [...tags].map(([key, value]) => ({ key, value }));
};
