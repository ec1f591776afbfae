/**
 * The simulated Auto Scaling Query API through clients we did not write: the AWS CLI (botocore) and the SDK v3
 * client. The rules kept come from the Auto Scaling API Reference:
 * - DescribeAutoScalingGroups takes `Filters` on tags (`tag:<key>` with values, ANDed) and pages with MaxRecords
 *   (default 50, at most 100) and NextToken; instances carry LifecycleState and HealthStatus
 *   (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html,
 *   https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Instance.html).
 * - SetInstanceHealth Unhealthy: "Amazon EC2 Auto Scaling terminates and replaces the unhealthy instance"
 *   (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_SetInstanceHealth.html).
 * SSM DescribeInstanceInformation answers PingStatus Online or ConnectionLost and filters by `tag:<key>`
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformationStringFilter.html).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createMiniSwarm, instancesWhere, startTestCloud, waitFor, waitForStackStatus, type TestCloud } from './fixtures/simulated-cloud-harness';

const run = promisify(execFile);

let test: TestCloud;
let autoScaling: AutoScalingClient;
let ssm: SSMClient;
beforeAll(async () => {
  test = await startTestCloud();
  const config = { endpoint: test.cloud.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  autoScaling = new AutoScalingClient(config);
  ssm = new SSMClient(config);
});
afterAll(async () => {
  autoScaling.destroy();
  ssm.destroy();
  await test.close();
});

interface CliGroup {
  AutoScalingGroupName: string;
  DesiredCapacity: number;
  Instances: { InstanceId: string; LifecycleState: string; HealthStatus: string; AvailabilityZone: string }[];
  Tags: { Key: string; Value: string }[];
}

/** The AWS CLI against the simulated endpoint; its own parser reads the XML, so a shape we got wrong fails here. */
const cli = async (...args: string[]): Promise<unknown> => {
  const { stdout } = await run('aws', ['--endpoint-url', test.cloud.endpoint, '--region', 'us-east-1', '--output', 'json', ...args], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null' },
    timeout: 20_000,
  });
  // A call without a result (set-instance-health) prints nothing.
  return stdout.trim() === '' ? undefined : (JSON.parse(stdout) as unknown);
};

const groupsOf = async (clusterId: string): Promise<CliGroup[]> =>
  ((await cli('autoscaling', 'describe-auto-scaling-groups', '--filters', `Name=tag:swarm-provisioner:cluster-id,Values=${clusterId}`)) as { AutoScalingGroups: CliGroup[] }).AutoScalingGroups;

const settledSwarm = async (): Promise<{ clusterId: string; stackId: string }> => {
  const swarm = await createMiniSwarm(test);
  await waitForStackStatus(test, swarm.stackId, 'CREATE_COMPLETE');
  return swarm;
};

describe('simulated cloud: Auto Scaling', () => {
  it('lists a cluster’s groups by tag to the AWS CLI, each instance InService and Healthy', async () => {
    // Prepare
    const { clusterId } = await settledSwarm();
    await settledSwarm(); // another cluster, which the filter must leave out

    // Act
    const groups = await waitFor(() => groupsOf(clusterId), (found) => found.length === 2 && found.every((g) => g.Instances.every((i) => i.LifecycleState === 'InService')), {
      what: 'both groups in service',
      timeoutMs: 20_000,
      intervalMs: 200,
    });

    // Assess
    for (const group of groups) {
      expect(group.Tags).toEqual(expect.arrayContaining([{ Key: 'swarm-provisioner:cluster-id', Value: clusterId, ResourceId: group.AutoScalingGroupName, ResourceType: 'auto-scaling-group', PropagateAtLaunch: true }]));
      expect(group.Instances).toHaveLength(group.DesiredCapacity);
      expect(group.Instances.every((i) => i.HealthStatus === 'Healthy')).toBe(true);
    }
  });

  it('pages with MaxRecords and NextToken, every group exactly once', async () => {
    // Prepare
    await settledSwarm();
    const { AutoScalingGroups: all = [] } = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 100 }));

    // Act
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 1, NextToken: token }));
      names.push(...(page.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName ?? ''));
      token = page.NextToken;
      pages += 1;
    } while (token && pages < 50);

    // Assess
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(pages).toBe(all.length);
    expect(names).toEqual(all.map((g) => g.AutoScalingGroupName));
  });

  it('refuses an unknown filter name and an out-of-range MaxRecords with ValidationError', async () => {
    await expect(autoScaling.send(new DescribeAutoScalingGroupsCommand({ Filters: [{ Name: 'instance-type', Values: ['t3.small'] }] }))).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(autoScaling.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 }))).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('replaces an instance set Unhealthy through the AWS CLI: the old one terminates, a new one joins the group', async () => {
    // Prepare
    const { clusterId } = await settledSwarm();
    const [managers] = (await groupsOf(clusterId)).filter((g) => g.AutoScalingGroupName.endsWith('-managers'));
    const victim = managers!.Instances[0]!;

    // Act
    await cli('autoscaling', 'set-instance-health', '--instance-id', victim.InstanceId, '--health-status', 'Unhealthy', '--should-respect-grace-period');

    // Assess: the group terminates it (EC2 shutting-down, or already terminated: the CLI exits slower than the
    // simulated shutdown takes at this time scale) and is whole again later, the replacement in the victim's zone.
    const [ec2View] = await instancesWhere(test, [{ Name: 'instance-id', Values: [victim.InstanceId] }]);
    expect(['shutting-down', 'terminated']).toContain(ec2View?.State?.Name);
    const whole = await waitFor(
      async () => (await groupsOf(clusterId)).find((g) => g.AutoScalingGroupName.endsWith('-managers'))!,
      (group) => !group.Instances.some((i) => i.InstanceId === victim.InstanceId) && group.Instances.filter((i) => i.LifecycleState === 'InService').length === group.DesiredCapacity,
      { what: 'the manager group whole again', timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(whole.Instances.some((i) => i.AvailabilityZone === victim.AvailabilityZone && i.InstanceId !== victim.InstanceId)).toBe(true);
  });

  it('shows an instance set Unhealthy as Terminating and Unhealthy while it shuts down', async () => {
    // Prepare
    const { clusterId } = await settledSwarm();
    const workers = (await groupsOf(clusterId)).find((g) => !g.AutoScalingGroupName.endsWith('-managers'))!;
    const victim = workers.Instances[0]!.InstanceId;

    // Act
    await autoScaling.send(new SetInstanceHealthCommand({ InstanceId: victim, HealthStatus: 'Unhealthy', ShouldRespectGracePeriod: true }));
    const { AutoScalingGroups: after = [] } = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [workers.AutoScalingGroupName] }));

    // Assess
    expect(after[0]?.Instances?.find((i) => i.InstanceId === victim)).toMatchObject({ LifecycleState: 'Terminating', HealthStatus: 'Unhealthy' });
    expect(after[0]?.Instances).toHaveLength(workers.DesiredCapacity + 1);
  });

  it('answers SetInstanceHealth for an instance no group runs with ValidationError', async () => {
    await expect(autoScaling.send(new SetInstanceHealthCommand({ InstanceId: 'i-0000000000000dead', HealthStatus: 'Unhealthy' }))).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('a hung instance stays running and InService, but its SSM agent is ConnectionLost', async () => {
    // Prepare
    const { clusterId } = await settledSwarm();
    const filters = [{ Key: 'tag:swarm-provisioner:cluster-id', Values: [clusterId] }];
    const online = await waitFor(
      async () => (await ssm.send(new DescribeInstanceInformationCommand({ Filters: filters, MaxResults: 50 }))).InstanceInformationList ?? [],
      (list) => list.length > 0 && list.every((i) => i.PingStatus === 'Online'),
      { what: 'agents online' },
    );
    const victim = online[0]!.InstanceId!;

    // Act
    const response = await fetch(`${test.cloud.endpoint}/_simulator/instances/${victim}/hang`, { method: 'POST' });

    // Assess
    expect(response.status).toBe(202);
    const list = (await ssm.send(new DescribeInstanceInformationCommand({ Filters: filters, MaxResults: 50 }))).InstanceInformationList ?? [];
    expect(list.find((i) => i.InstanceId === victim)?.PingStatus).toBe('ConnectionLost');
    expect(list.filter((i) => i.PingStatus === 'Online')).toHaveLength(online.length - 1);
    const groups = await groupsOf(clusterId);
    expect(groups.flatMap((g) => g.Instances).find((i) => i.InstanceId === victim)).toMatchObject({ LifecycleState: 'InService', HealthStatus: 'Healthy' });
  });
});
