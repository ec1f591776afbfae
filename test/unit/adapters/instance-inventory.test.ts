import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildInstanceInventory } from '../../../src/adapters/ec2/instance-inventory';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

const instance = (id: string, role: string, az: string) => ({
  InstanceId: id,
  InstanceType: 't3.small' as const,
  State: { Name: 'running' as const },
  Placement: { AvailabilityZone: az },
  PrivateIpAddress: '10.0.0.1',
  PublicIpAddress: '3.3.3.3',
  LaunchTime: new Date('2026-01-01T00:00:00Z'),
  Tags: [{ Key: 'swarm-provisioner:role', Value: role }],
});

describe('instance inventory', () => {
  it('finds instances by the cluster-id tag across pages and maps them to nodes', async () => {
    ec2
      .on(DescribeInstancesCommand, { NextToken: undefined })
      .resolves({ Reservations: [{ Instances: [instance('i-2', 'worker', 'us-east-1b')] }], NextToken: 'n' })
      .on(DescribeInstancesCommand, { NextToken: 'n' })
      .resolves({ Reservations: [{ Instances: [instance('i-1', 'manager', 'us-east-1a')] }] });

    const nodes = await buildInstanceInventory().instancesOfCluster('us-east-1', 'c-1');

    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { Filters: [{ Name: 'tag:swarm-provisioner:cluster-id', Values: ['c-1'] }] });
    expect(nodes).toEqual([
      { instanceId: 'i-1', role: 'manager', availabilityZone: 'us-east-1a', state: 'running', instanceType: 't3.small', privateIp: '10.0.0.1', publicIp: '3.3.3.3', launchedAt: '2026-01-01T00:00:00.000Z' },
      { instanceId: 'i-2', role: 'worker', availabilityZone: 'us-east-1b', state: 'running', instanceType: 't3.small', privateIp: '10.0.0.1', publicIp: '3.3.3.3', launchedAt: '2026-01-01T00:00:00.000Z' },
    ]);
  });

  it('reads instances by id with an instance-id filter (unknown ids are simply absent), 200 ids a filter', async () => {
    ec2.on(DescribeInstancesCommand).callsFake((input: { Filters: { Values: string[] }[] }) => ({
      Reservations: [{ Instances: input.Filters[0]!.Values.filter((id) => id !== 'i-forgotten').slice(0, 1).map((id) => instance(id, 'worker', 'us-east-1a')) }],
    }));
    const ids = ['i-forgotten', ...Array.from({ length: 250 }, (_, n) => `i-${n}`)];

    const nodes = await buildInstanceInventory().instancesById('us-east-1', ids);

    const calls = ec2.commandCalls(DescribeInstancesCommand).map((call) => call.args[0].input.Filters);
    expect(calls.map((filters) => [filters?.[0]?.Name, filters?.[0]?.Values?.length])).toEqual([
      ['instance-id', 200],
      ['instance-id', 51],
    ]);
    expect(nodes.map((n) => n.instanceId)).toEqual(['i-0', 'i-199']);
  });
});
