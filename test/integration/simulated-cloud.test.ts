import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  ListStackResourcesCommand,
  ValidateTemplateCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { DescribeAvailabilityZonesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { startSimulatedCloud } from '../../sandbox/cloud';
import {
  aClusterId,
  createMiniSwarm,
  describeStack,
  instancesOfCluster,
  MINI_SWARM_TEMPLATE,
  startTestCloud,
  tagsOf,
  waitFor,
  waitForStackStatus,
  type TestCloud,
} from './fixtures/simulated-cloud-harness';

let test: TestCloud;
const statusLines: string[] = [];
beforeAll(async () => {
  test = await startTestCloud({ onEvent: (message) => statusLines.push(message) });
});
afterAll(() => test.close());

const allEvents = async (stackName: string): Promise<StackEvent[]> => {
  const events: StackEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await test.cloudFormation.send(new DescribeStackEventsCommand({ StackName: stackName, NextToken: nextToken }));
    events.push(...(page.StackEvents ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return events;
};

describe('simulated cloud: creating a stack', () => {
  it('walks CREATE_IN_PROGRESS to CREATE_COMPLETE with resolved outputs, parameters and tags', async () => {
    const roleArn = 'arn:aws:iam::000000000000:role/swarm-provisioner-cloudformation';
    const { stackId, stackName, clusterId } = await createMiniSwarm(test, { RoleARN: roleArn });

    const creating = await describeStack(test, stackName);
    const created = await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');

    expect(stackId).toMatch(new RegExp(`^arn:aws:cloudformation:us-east-1:000000000000:stack/${stackName}/[0-9a-f-]{36}$`));
    expect(creating.StackStatus).toBe('CREATE_IN_PROGRESS');
    expect(creating.Outputs ?? []).toEqual([]);
    expect(created.StackName).toBe(stackName);
    expect(created.Capabilities).toEqual(['CAPABILITY_IAM']);
    expect(created.RoleARN).toBe(roleArn);
    expect(created.Tags).toContainEqual({ Key: 'swarm-provisioner:cluster-id', Value: clusterId });
    expect(created.Parameters).toEqual(
      expect.arrayContaining([
        { ParameterKey: 'ClusterId', ParameterValue: clusterId },
        { ParameterKey: 'ManagerSize', ParameterValue: '3' },
        { ParameterKey: 'ClusterSize', ParameterValue: '5' },
      ]),
    );
    const outputs = Object.fromEntries((created.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
    expect(outputs).toEqual({
      DefaultDNSTarget: expect.stringMatching(/^swarm-c-.+-\d{10}\.us-east-1\.elb\.amazonaws\.com$/),
      ELBDNSZoneID: 'Z35SXDOTRQ7X7K',
      ZoneAvailabilityComment: 'us-east-1a, us-east-1b, us-east-1c',
      Managers: expect.stringContaining(`AutoScalingGroups:id=${stackName}-managers`),
      VPCID: expect.stringMatching(/^vpc-[0-9a-f]{17}$/),
      SwarmWideSecurityGroupID: expect.stringMatching(/^sg-[0-9a-f]{17}$/),
    });
    expect(created.Outputs?.find((output) => output.OutputKey === 'VPCID')?.ExportName).toBe(`${stackName}-vpc`);
    expect(statusLines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^cloudformation  ${stackName}  CREATE_IN_PROGRESS`)),
        `cloudformation  ${stackName}  CREATE_COMPLETE`,
      ]),
    );
  });

  it('logs an event per resource, in dependency order, newest first, with physical ids and the request token', async () => {
    const { stackId, stackName, clusterId } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');

    const events = await allEvents(stackName);

    const chronological = [...events].reverse();
    const sequence = chronological.map((event) => `${event.LogicalResourceId} ${event.ResourceStatus}`);
    expect(sequence[0]).toBe(`${stackName} CREATE_IN_PROGRESS`);
    expect(sequence.at(-1)).toBe(`${stackName} CREATE_COMPLETE`);
    const resources = ['Vpc', 'PublicSubnet1', 'SwarmWideSecurityGroup', 'NodeRole', 'NodeInstanceProfile', 'ManagerLaunchTemplate', 'ManagerAsg', 'NodeAsg', 'ExternalLoadBalancer'];
    for (const logicalId of resources) {
      expect(sequence.indexOf(`${logicalId} CREATE_IN_PROGRESS`)).toBeGreaterThan(0);
      expect(sequence.indexOf(`${logicalId} CREATE_COMPLETE`)).toBeGreaterThan(sequence.indexOf(`${logicalId} CREATE_IN_PROGRESS`));
    }
    const completedBefore = (first: string, then: string): boolean =>
      sequence.indexOf(`${first} CREATE_COMPLETE`) < sequence.indexOf(`${then} CREATE_IN_PROGRESS`);
    expect(completedBefore('Vpc', 'PublicSubnet1')).toBe(true);
    expect(completedBefore('NodeRole', 'NodeInstanceProfile')).toBe(true);
    expect(completedBefore('NodeInstanceProfile', 'ManagerLaunchTemplate')).toBe(true);
    expect(completedBefore('ManagerAsg', 'NodeAsg')).toBe(true);
    expect(sequence.some((entry) => entry.startsWith('SshIngress'))).toBe(false);
    expect(events.every((event) => event.ClientRequestToken === `create-${clusterId}` && event.PhysicalResourceId)).toBe(true);
    const timestamps = events.map((event) => event.Timestamp?.getTime() ?? 0);
    expect(timestamps).toEqual([...timestamps].sort((a, b) => b - a));
    const vpcStarted = chronological.find((event) => event.LogicalResourceId === 'Vpc' && event.ResourceStatus === 'CREATE_IN_PROGRESS');
    expect(JSON.parse(vpcStarted?.ResourceProperties ?? '{}')).toEqual({ CidrBlock: '10.0.0.0/16' });
  });

  it('launches 3 managers and 5 workers round-robin over three zones, pending then running, with propagated tags', async () => {
    const slow = await startTestCloud({ timeScale: 0.2 });
    try {
      const { stackId, stackName, clusterId } = await createMiniSwarm(slow);
      const pending = await waitFor(() => instancesOfCluster(slow, clusterId), (found) => found.length > 0, { what: 'launched instances' });
      await waitForStackStatus(slow, stackId, 'CREATE_COMPLETE');
      const instances = await instancesOfCluster(slow, clusterId);

      expect(pending.every((instance) => instance.State?.Name === 'pending' && instance.State.Code === 0)).toBe(true);
      expect(instances).toHaveLength(8);
      expect(instances.every((instance) => instance.State?.Name === 'running' && instance.State.Code === 16)).toBe(true);
      const byRole = (role: string) => instances.filter((instance) => tagsOf(instance)['swarm-provisioner:role'] === role);
      const zones = (list: typeof instances) => list.map((instance) => instance.Placement?.AvailabilityZone).sort();
      expect(zones(byRole('manager'))).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
      expect(zones(byRole('worker'))).toEqual(['us-east-1a', 'us-east-1a', 'us-east-1b', 'us-east-1b', 'us-east-1c']);
      expect(byRole('manager').every((instance) => instance.InstanceType === 't3.small')).toBe(true);
      for (const instance of instances) {
        expect(instance.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
        expect(instance.PrivateIpAddress).toMatch(/^10\.0\.\d+\.\d+$/);
        expect(instance.PublicIpAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(instance.LaunchTime).toBeInstanceOf(Date);
        expect(instance.ImageId).toBe('ami-0123456789abcdef0');
      }
      const managerTags = tagsOf(byRole('manager')[0] ?? {});
      expect(managerTags).toEqual(
        expect.objectContaining({
          'swarm-provisioner:cluster-id': clusterId,
          'swarm-provisioner:owner': 'tester',
          Name: `${stackName}-manager`,
          'aws:cloudformation:stack-name': stackName,
          'aws:cloudformation:stack-id': stackId,
          'aws:autoscaling:groupName': `${stackName}-managers`,
        }),
      );
      expect(managerTags['group-only']).toBeUndefined();
      const subnetZones = new Map(instances.map((instance) => [instance.SubnetId, instance.Placement?.AvailabilityZone]));
      expect(subnetZones.size).toBe(3);
    } finally {
      await slow.close();
    }
  });

  it('reports the stack resources and pages through long event lists', async () => {
    const handles = Object.fromEntries(
      Array.from({ length: 60 }, (_, index) => [`Handle${index}`, { Type: 'AWS::CloudFormation::WaitConditionHandle' }]),
    );
    const { stackName } = aClusterId();
    const { StackId } = await test.cloudFormation.send(
      new CreateStackCommand({ StackName: stackName, TemplateBody: JSON.stringify({ Resources: handles }) }),
    );
    await waitForStackStatus(test, StackId ?? '', 'CREATE_COMPLETE');

    const firstPage = await test.cloudFormation.send(new DescribeStackEventsCommand({ StackName: stackName }));
    const events = await allEvents(stackName);
    const { StackResources } = await test.cloudFormation.send(new DescribeStackResourcesCommand({ StackName: stackName }));
    const one = await test.cloudFormation.send(new DescribeStackResourcesCommand({ StackName: stackName, LogicalResourceId: 'Handle7' }));
    const summaries = await test.cloudFormation.send(new ListStackResourcesCommand({ StackName: StackId }));

    expect(firstPage.StackEvents).toHaveLength(100);
    expect(firstPage.NextToken).toBeDefined();
    expect(events).toHaveLength(2 + 2 * 60);
    expect(new Set(events.map((event) => event.EventId)).size).toBe(events.length);
    expect(StackResources).toHaveLength(60);
    expect(StackResources?.every((resource) => resource.ResourceStatus === 'CREATE_COMPLETE' && resource.StackId === StackId)).toBe(true);
    expect(one.StackResources?.map((resource) => resource.LogicalResourceId)).toEqual(['Handle7']);
    expect(summaries.StackResourceSummaries).toHaveLength(60);
    expect(summaries.StackResourceSummaries?.[0]?.PhysicalResourceId).toContain('cloudformation-waitcondition-us-east-1');
  });

  it('creates the real Swarm template with its default parameters', async () => {
    const template = readFileSync(join(__dirname, '../../templates/swarm.yaml'), 'utf8');
    const { clusterId, stackName } = aClusterId();

    const validation = await test.cloudFormation.send(new ValidateTemplateCommand({ TemplateBody: template }));
    const { StackId } = await test.cloudFormation.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: template,
        Capabilities: validation.Capabilities,
        // Required: the stack gateway passes the deployment's node boundary on every create.
        Parameters: [
          { ParameterKey: 'ClusterId', ParameterValue: clusterId },
          { ParameterKey: 'PermissionsBoundaryArn', ParameterValue: 'arn:aws:iam::000000000000:policy/swarm-node-boundary' },
        ],
        Tags: [{ Key: 'swarm-provisioner:cluster-id', Value: clusterId }],
      }),
    );
    const created = await waitForStackStatus(test, StackId ?? '', 'CREATE_COMPLETE');
    const instances = await instancesOfCluster(test, clusterId);

    expect(validation.Parameters?.map((parameter) => parameter.ParameterKey)).toEqual(
      expect.arrayContaining(['ClusterId', 'ManagerSize', 'ClusterSize', 'ManagerInstanceType', 'InstanceType', 'KeyName']),
    );
    expect(created.Outputs?.map((output) => output.OutputKey).sort()).toEqual(
      ['DefaultDNSTarget', 'ELBDNSZoneID', 'Managers', 'SwarmWideSecurityGroupID', 'VPCID', 'ZoneAvailabilityComment'].sort(),
    );
    expect(instances).toHaveLength(8);
    expect(new Set(instances.map((instance) => instance.Placement?.AvailabilityZone))).toEqual(
      new Set(['us-east-1a', 'us-east-1b', 'us-east-1c']),
    );
  });
});

describe('simulated cloud: EC2 reads', () => {
  it('filters instances by state, id and tag and pages with MaxResults', async () => {
    const { stackId, clusterId } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    const instances = await instancesOfCluster(test, clusterId);
    const [first, second] = instances;
    const clusterFilter = { Name: 'tag:swarm-provisioner:cluster-id', Values: [clusterId] };

    const byIds = await test.ec2.send(new DescribeInstancesCommand({ InstanceIds: [first?.InstanceId ?? '', second?.InstanceId ?? ''] }));
    const byIdFilter = await test.ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [first?.InstanceId ?? ''] }] }),
    );
    const running = await test.ec2.send(
      new DescribeInstancesCommand({ Filters: [clusterFilter, { Name: 'instance-state-name', Values: ['running'] }] }),
    );
    const stopped = await test.ec2.send(
      new DescribeInstancesCommand({ Filters: [clusterFilter, { Name: 'instance-state-name', Values: ['stopped', 'terminated'] }] }),
    );
    const workersByWildcard = await test.ec2.send(
      new DescribeInstancesCommand({ Filters: [clusterFilter, { Name: 'tag:swarm-provisioner:role', Values: ['work*'] }] }),
    );
    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await test.ec2.send(new DescribeInstancesCommand({ Filters: [clusterFilter], MaxResults: 5, NextToken: nextToken }));
      pages.push((page.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((instance) => instance.InstanceId ?? ''));
      nextToken = page.NextToken;
    } while (nextToken);

    const ids = (result: { Reservations?: { Instances?: { InstanceId?: string }[] }[] }) =>
      (result.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((instance) => instance.InstanceId);
    expect(ids(byIds).sort()).toEqual([first?.InstanceId, second?.InstanceId].sort());
    expect(ids(byIdFilter)).toEqual([first?.InstanceId]);
    expect(ids(running)).toHaveLength(8);
    expect(ids(stopped)).toHaveLength(0);
    expect(ids(workersByWildcard)).toHaveLength(5);
    expect(pages.map((page) => page.length)).toEqual([5, 3]);
    expect(pages.flat().sort()).toEqual(instances.map((instance) => instance.InstanceId).sort());
  });

  it('answers unknown instance ids, bad filters and unknown actions with errors the SDK names', async () => {
    await expect(test.ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] }))).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
      message: "The instance ID 'i-0123456789abcdef0' does not exist",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(test.ec2.send(new DescribeInstancesCommand({ InstanceIds: ['bogus'] }))).rejects.toMatchObject({
      name: 'InvalidInstanceID.Malformed',
    });
    await expect(
      test.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue', message: "The filter 'colour' is invalid" });

    const response = await fetch(test.cloud.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=CreateChangeSet&Version=2010-05-15&StackName=x',
    });
    const body = await response.text();
    expect(response.status).toBe(400);
    expect(body).toContain('<Code>InvalidAction</Code>');
    expect(body).toContain('<Type>Sender</Type>');
  });

  it('lists the three zones of the region', async () => {
    const { AvailabilityZones } = await test.ec2.send(new DescribeAvailabilityZonesCommand({}));
    const filtered = await test.ec2.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ['us-east-1b'] }));

    expect(AvailabilityZones?.map((zone) => [zone.ZoneName, zone.State, zone.RegionName])).toEqual([
      ['us-east-1a', 'available', 'us-east-1'],
      ['us-east-1b', 'available', 'us-east-1'],
      ['us-east-1c', 'available', 'us-east-1'],
    ]);
    expect(filtered.AvailabilityZones?.map((zone) => zone.ZoneName)).toEqual(['us-east-1b']);
  });

  it('refuses a SIM_TIME_SCALE that is not a positive number, naming the variable', async () => {
    const previous = process.env['SIM_TIME_SCALE'];
    process.env['SIM_TIME_SCALE'] = 'fast';
    try {
      await expect(startSimulatedCloud({ port: 0 })).rejects.toThrow('SIM_TIME_SCALE must be a positive number, got "fast"');
    } finally {
      if (previous === undefined) delete process.env['SIM_TIME_SCALE'];
      else process.env['SIM_TIME_SCALE'] = previous;
    }
  });

  it('counts the AWS calls it receives, per action and in total', async () => {
    const before = test.cloud.callCount();
    const describesBefore = test.cloud.callCount('DescribeAvailabilityZones');

    await test.ec2.send(new DescribeAvailabilityZonesCommand({}));
    await test.cloudFormation.send(new ValidateTemplateCommand({ TemplateBody: MINI_SWARM_TEMPLATE }));

    expect(test.cloud.callCount('DescribeAvailabilityZones')).toBe(describesBefore + 1);
    expect(test.cloud.callCount()).toBe(before + 2);
  });
});
