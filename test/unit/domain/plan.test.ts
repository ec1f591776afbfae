/**
 * domain/plan.ts writes down what templates/swarm.yaml creates, so that the create function needs no YAML parser.
 * These tests keep the two equal: the real template is parsed with the sandbox's CloudFormation reader and resolved
 * for each parameter set as the simulated CloudFormation resolves it (conditions, !If, !Ref, AWS::NoValue), with the
 * parameters the service really passes (templateParameters + the permissions boundary), and what it would create is
 * compared with the plan, type by type, and group by group for the instances and volumes the groups launch.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCloudFormationTemplate } from '../../../sandbox/cloudformation-yaml';
import { resolveParameters } from '../../../sandbox/cloud/domain/parameters';
import { parseTemplateBody } from '../../../sandbox/cloud/domain/template';
import { instantiateTemplate, type ProvisionedResource } from '../../../sandbox/cloud/domain/template-instance';
import { clusterRequestSchema, parametersOf, templateParameters, type ClusterParameters } from '../../../src/domain/parameters';
import { plannedResources, zoneCountOf, type PlannedResource } from '../../../src/domain/plan';

const TEMPLATE = parseTemplateBody(readFileSync(resolve(__dirname, '../../../templates/swarm.yaml'), 'utf8'), parseCloudFormationTemplate);
const CLUSTER_ID = 'c-01jabcdefghjkmnpqrstvwxyz0';

function createdByTemplate(parameters: ClusterParameters, region: string): ProvisionedResource[] {
  const given = { ...templateParameters(CLUSTER_ID, parameters), PermissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/swarm-node-boundary' };
  const { values } = resolveParameters(TEMPLATE.Parameters, Object.entries(given).map(([key, value]) => ({ key, value })));
  const stack = { region, stackName: `swarm-${CLUSTER_ID}`, stackId: `arn:aws:cloudformation:${region}:123456789012:stack/swarm/1`, notificationArns: [] };
  return instantiateTemplate(TEMPLATE, values, stack).resources;
}

function countByType(resources: { type: string; count?: number }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + (r.count ?? 1);
  return counts;
}

/** What each Auto Scaling group launches, read from the resolved group and its launch template. */
function launchedByGroups(resources: ProvisionedResource[]): PlannedResource[] {
  const lines: PlannedResource[] = [];
  for (const group of resources.filter((r) => r.type === 'AWS::AutoScaling::AutoScalingGroup')) {
    const role = (group.properties.Tags as { Key: string; Value: string }[]).find((tag) => tag.Key === 'swarm-provisioner:role')!.Value as 'manager' | 'worker';
    const templateId = (group.properties.LaunchTemplate as { LaunchTemplateId: string }).LaunchTemplateId;
    const launchTemplate = resources.find((r) => r.type === 'AWS::EC2::LaunchTemplate' && r.physicalId === templateId)!;
    const data = launchTemplate.properties.LaunchTemplateData as { InstanceType: string; BlockDeviceMappings: { Ebs: { VolumeSize: string; VolumeType: string } }[] };
    const count = Number(group.properties.DesiredCapacity);
    if (count === 0) continue;
    const launchedBy = 'AWS::AutoScaling::AutoScalingGroup';
    lines.push({ type: 'AWS::EC2::Instance', count, role, instanceType: data.InstanceType, launchedBy });
    for (const { Ebs } of data.BlockDeviceMappings) {
      lines.push({ type: 'AWS::EC2::Volume', count, role, sizeGb: Number(Ebs.VolumeSize), volumeType: Ebs.VolumeType, launchedBy });
    }
  }
  return lines;
}

const parameterSets: [string, Record<string, unknown>, string][] = [
  ['the defaults', {}, 'us-east-1'],
  ['one manager, no workers, a key pair', { managers: 1, workers: 0, keyName: 'ops' }, 'us-east-1'],
  ['five managers, many large workers on gp2 and magnetic disks', { managers: 5, workers: 40, managerInstanceType: 'm7i.large', workerInstanceType: 'c6i.large', managerDiskType: 'gp2', workerDiskType: 'standard', workerDiskSizeGb: 200 }, 'eu-west-1'],
  ['a two-zone region', { managers: 3, workers: 2, enableCloudWatchLogs: false, enableSystemPrune: true }, 'us-west-1'],
];

describe('the plan of a create, against templates/swarm.yaml', () => {
  it.each(parameterSets)('lists exactly the resources the template creates, by type, for %s', (_name, body, region) => {
    // Prepare
    const parameters = parametersOf(clusterRequestSchema.parse({ name: 'demo', ...body }));
    const created = createdByTemplate(parameters, region);

    // Act
    const plan = plannedResources(parameters);

    // Assess
    expect(countByType(plan.filter((r) => !r.launchedBy))).toEqual(countByType(created));
  });

  it.each(parameterSets)('counts the instances and root volumes each group launches for %s', (_name, body, region) => {
    const parameters = parametersOf(clusterRequestSchema.parse({ name: 'demo', ...body }));
    const created = createdByTemplate(parameters, region);

    const plan = plannedResources(parameters);

    const sort = (lines: PlannedResource[]) => [...lines].sort((a, b) => `${a.type}${a.role}`.localeCompare(`${b.type}${b.role}`));
    expect(sort(plan.filter((r) => r.launchedBy))).toEqual(sort(launchedByGroups(created)));
  });

  it.each(parameterSets)('gives the load balancer one subnet (one public address) per zone, and every node a public address, for %s', (_name, body, region) => {
    const parameters = parametersOf(clusterRequestSchema.parse({ name: 'demo', ...body }));
    const created = createdByTemplate(parameters, region);

    const loadBalancer = created.find((r) => r.type === 'AWS::ElasticLoadBalancingV2::LoadBalancer')!;
    const subnets = created.filter((r) => r.type === 'AWS::EC2::Subnet');

    // The estimate prices a public IPv4 address per node and per load-balancer zone (domain/pricing/estimate.ts).
    expect((loadBalancer.properties.Subnets as string[]).length).toBe(zoneCountOf(region));
    expect(loadBalancer.properties.Scheme).toBe('internet-facing');
    expect(subnets.every((subnet) => subnet.properties.MapPublicIpOnLaunch === true || subnet.properties.MapPublicIpOnLaunch === 'true')).toBe(true);
  });
});
