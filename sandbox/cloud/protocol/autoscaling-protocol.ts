/**
 * The Auto Scaling Query API (Version 2011-01-01) of the simulated groups: DescribeAutoScalingGroups (names, tag
 * filters, MaxRecords/NextToken pages) and SetInstanceHealth. Responses and errors are shaped as CloudFormation's
 * (`<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>`, lists in `<member>`; `<ErrorResponse>` with
 * Type, Code and Message), which is how Auto Scaling answers.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_SetInstanceHealth.html
 */
import { CloudError } from '../domain/errors';
import type { GroupDescription, GroupFilter } from '../domain/group-query';
import { ACCOUNT_ID } from '../domain/ids';
import type { QueryForm } from './query-form';
import { queryProtocol, type QueryAction } from './query-protocol';
import { members, type XmlObject } from './xml';

export const AUTOSCALING_VERSION = '2011-01-01';
const NAMESPACE = `http://autoscaling.amazonaws.com/doc/${AUTOSCALING_VERSION}/`;

type Action = QueryAction;

/** `Filters.member.N.Name` with `Filters.member.N.Values.member.M`. */
const filtersOf = (form: QueryForm): GroupFilter[] => {
  const filters: GroupFilter[] = [];
  for (let index = 1; ; index += 1) {
    const name = form.get(`Filters.member.${index}.Name`);
    if (name === undefined) return filters;
    filters.push({ name, values: form.list(`Filters.member.${index}.Values.member`) });
  }
};

const groupXml = (group: GroupDescription, region: string): XmlObject => ({
  AutoScalingGroupName: group.name,
  AutoScalingGroupARN: `arn:aws:autoscaling:${region}:${ACCOUNT_ID}:autoScalingGroup:${group.stackId.split('/').at(-1) ?? ''}:autoScalingGroupName/${group.name}`,
  LaunchTemplate: group.launchTemplate
    ? { LaunchTemplateId: group.launchTemplate.id, LaunchTemplateName: group.launchTemplate.name, Version: group.launchTemplate.version }
    : undefined,
  MinSize: group.minSize,
  MaxSize: group.maxSize,
  DesiredCapacity: group.desiredCapacity,
  DefaultCooldown: 300,
  AvailabilityZones: members(group.availabilityZones),
  LoadBalancerNames: members([]),
  TargetGroupARNs: members([]),
  HealthCheckType: 'EC2',
  HealthCheckGracePeriod: group.healthCheckGracePeriod,
  Instances: members(
    group.instances.map((instance) => ({
      InstanceId: instance.instanceId,
      InstanceType: instance.instanceType,
      AvailabilityZone: instance.availabilityZone,
      LifecycleState: instance.lifecycleState,
      HealthStatus: instance.healthStatus,
      LaunchTemplate: group.launchTemplate
        ? { LaunchTemplateId: group.launchTemplate.id, LaunchTemplateName: group.launchTemplate.name, Version: group.launchTemplate.version }
        : undefined,
      ProtectedFromScaleIn: false,
    })),
  ),
  CreatedTime: group.createdTime,
  SuspendedProcesses: members([]),
  VPCZoneIdentifier: group.vpcZoneIdentifier,
  EnabledMetrics: members([]),
  Tags: members(
    group.tags.map((tag) => ({ ResourceId: group.name, ResourceType: 'auto-scaling-group', Key: tag.key, Value: tag.value, PropagateAtLaunch: tag.propagateAtLaunch })),
  ),
  TerminationPolicies: members(['Default']),
  NewInstancesProtectedFromScaleIn: false,
  ServiceLinkedRoleARN: `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
  CapacityRebalance: false,
});

const actions: Record<string, Action> = {
  DescribeAutoScalingGroups: (form, cloud) => {
    const maxRecords = form.number('MaxRecords');
    const nextToken = form.get('NextToken');
    const page = cloud.describeAutoScalingGroups({
      names: form.list('AutoScalingGroupNames.member'),
      filters: filtersOf(form),
      ...(maxRecords !== undefined ? { maxRecords } : {}),
      ...(nextToken !== undefined ? { nextToken } : {}),
    });
    return { AutoScalingGroups: members(page.groups.map((group) => groupXml(group, cloud.region))), NextToken: page.nextToken };
  },

  /** No result element: AWS answers `<SetInstanceHealthResponse><ResponseMetadata>` only. */
  SetInstanceHealth: (form, cloud) => {
    const instanceId = form.get('InstanceId');
    const healthStatus = form.get('HealthStatus');
    if (instanceId === undefined || healthStatus === undefined) {
      throw new CloudError('ValidationError', `1 validation error detected: Value null at '${instanceId === undefined ? 'instanceId' : 'healthStatus'}' failed to satisfy constraint: Member must not be null`);
    }
    cloud.setInstanceHealth(instanceId, healthStatus, form.boolean('ShouldRespectGracePeriod') ?? true);
    return undefined;
  },
};

const protocol = queryProtocol(AUTOSCALING_VERSION, NAMESPACE, actions);
export const autoScalingResponse = protocol.response;
export const autoScalingError = protocol.error;
