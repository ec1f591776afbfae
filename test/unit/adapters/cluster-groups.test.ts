/**
 * The Auto Scaling adapter: a cluster's groups by the `tag:<key>` filter DescribeAutoScalingGroups takes
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Filter.html), every page, and SetInstanceHealth
 * Unhealthy respecting the grace period (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_SetInstanceHealth.html).
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildClusterGroups } from '../../../src/adapters/autoscaling/cluster-groups';
import { buildNodeAgents } from '../../../src/adapters/ssm/instance-information';
import { TransientAwsError } from '../../../src/domain/errors';

const autoScaling = mockClient(AutoScalingClient);
const ssm = mockClient(SSMClient);
beforeEach(() => {
  autoScaling.reset();
  ssm.reset();
});

describe('the cluster’s Auto Scaling groups', () => {
  it('reads them by the cluster-id tag, every page, each with its role and its instances’ states', async () => {
    // Prepare
    autoScaling
      .on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce({
        AutoScalingGroups: [
          {
            AutoScalingGroupName: 'swarm-c-1-managers',
            DesiredCapacity: 3,
            MinSize: 3,
            MaxSize: 4,
            DefaultCooldown: 300,
            AvailabilityZones: [],
            HealthCheckType: 'EC2',
            CreatedTime: new Date(),
            Tags: [{ Key: 'swarm-provisioner:role', Value: 'manager' }],
            Instances: [{ InstanceId: 'i-1', LifecycleState: 'InService', HealthStatus: 'Healthy', AvailabilityZone: 'us-east-1a', ProtectedFromScaleIn: false }],
          },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        AutoScalingGroups: [
          { AutoScalingGroupName: 'swarm-c-1-workers', DesiredCapacity: 1, MinSize: 0, MaxSize: 1010, DefaultCooldown: 300, AvailabilityZones: [], HealthCheckType: 'EC2', CreatedTime: new Date(), Tags: [{ Key: 'swarm-provisioner:role', Value: 'worker' }] },
        ],
      });

    // Act
    const groups = await buildClusterGroups().groupsOfCluster('us-east-1', 'c-1');

    // Assess
    expect(groups).toEqual([
      { name: 'swarm-c-1-managers', role: 'manager', desiredCapacity: 3, instances: [{ instanceId: 'i-1', lifecycleState: 'InService', healthStatus: 'Healthy' }] },
      { name: 'swarm-c-1-workers', role: 'worker', desiredCapacity: 1, instances: [] },
    ]);
    expect(autoScaling).toHaveReceivedCommandWith(DescribeAutoScalingGroupsCommand, { Filters: [{ Name: 'tag:swarm-provisioner:cluster-id', Values: ['c-1'] }], MaxRecords: 100 });
    expect(autoScaling).toHaveReceivedNthCommandWith(2, DescribeAutoScalingGroupsCommand, { NextToken: 'page-2' });
  });

  it('sets an instance Unhealthy respecting the grace period', async () => {
    autoScaling.on(SetInstanceHealthCommand).resolves({});

    await buildClusterGroups().markUnhealthy('us-east-1', 'i-1');

    expect(autoScaling).toHaveReceivedCommandWith(SetInstanceHealthCommand, { InstanceId: 'i-1', HealthStatus: 'Unhealthy', ShouldRespectGracePeriod: true });
  });

  it('turns throttling into a transient error (the next run tries again)', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: {} }));

    await expect(buildClusterGroups((region) => new AutoScalingClient({ region, maxAttempts: 1 })).groupsOfCluster('us-east-1', 'c-1')).rejects.toBeInstanceOf(TransientAwsError);
  });
});

describe('the managers’ SSM agents', () => {
  it('asks by instance ids and reads every page', async () => {
    // Prepare
    ssm
      .on(DescribeInstanceInformationCommand)
      .resolvesOnce({ InstanceInformationList: [{ InstanceId: 'i-1', PingStatus: 'Online' }], NextToken: 't' })
      .resolvesOnce({ InstanceInformationList: [{ InstanceId: 'i-2', PingStatus: 'ConnectionLost' }] });

    // Act
    const agents = await buildNodeAgents().agentsOf('us-east-1', ['i-1', 'i-2']);

    // Assess
    expect(agents).toEqual([
      { instanceId: 'i-1', pingStatus: 'Online' },
      { instanceId: 'i-2', pingStatus: 'ConnectionLost' },
    ]);
    expect(ssm).toHaveReceivedCommandWith(DescribeInstanceInformationCommand, { Filters: [{ Key: 'InstanceIds', Values: ['i-1', 'i-2'] }], MaxResults: 50 });
  });
});
