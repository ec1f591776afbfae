import type { ClusterNode } from '../../../src/domain/cluster';
import {
  byRoleZoneId,
  clusterIdOfAutoScalingGroup,
  describeNodes,
  INSTANCE_MAPPING_GRACE_SECONDS,
  nodeStateOrder,
  observedAt,
  roleOfAutoScalingGroup,
  TERMINATED,
} from '../../../src/domain/nodes';

const node = (fields: Partial<ClusterNode>): ClusterNode => ({ instanceId: 'i-0001', role: 'worker', availabilityZone: 'us-east-1a', state: 'running', ...fields });

describe('the order of an instance’s state reports', () => {
  // EC2's lifecycle order: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html
  it.each([
    ['pending', 1],
    ['running', 2],
    ['stopping', 3],
    ['stopped', 4],
    ['shutting-down', 5],
    ['terminated', 6],
    ['rebooting', 0],
  ])('ranks %s as %i after the second it was reported in', (state, rank) => {
    expect(nodeStateOrder('2026-11-26T12:00:00Z', state)).toBe(`2026-11-26T12:00:00.000Z#${rank}`);
  });

  it('drops the fraction of a second, so an inventory read at .700 sorts with that second’s events by state', () => {
    // Act
    const read = nodeStateOrder('2026-11-26T12:00:00.700Z', 'pending');
    const event = nodeStateOrder('2026-11-26T12:00:00Z', 'running');

    // Assess
    expect(read).toBe('2026-11-26T12:00:00.000Z#1');
    expect(read < event).toBe(true);
  });

  it('puts a later second after any state of an earlier one', () => {
    expect(nodeStateOrder('2026-11-26T12:00:01Z', 'pending') > nodeStateOrder('2026-11-26T12:00:00.999Z', 'terminated')).toBe(true);
  });

  it('names the final state as EC2 spells it', () => {
    expect(TERMINATED).toBe('terminated');
  });
});

describe('how listings order nodes', () => {
  it('puts managers first, then orders by zone, then by instance id', () => {
    // Prepare
    const nodes = [
      node({ instanceId: 'i-3', role: 'worker', availabilityZone: 'us-east-1a' }),
      node({ instanceId: 'i-2', role: 'worker', availabilityZone: 'us-east-1b' }),
      node({ instanceId: 'i-1', role: 'worker', availabilityZone: 'us-east-1a' }),
      node({ instanceId: 'i-9', role: 'manager', availabilityZone: 'us-east-1c' }),
      node({ instanceId: 'i-8', role: 'manager', availabilityZone: 'us-east-1a' }),
    ];

    // Act
    const sorted = [...nodes].sort(byRoleZoneId).map((n) => n.instanceId);

    // Assess
    expect(sorted).toEqual(['i-8', 'i-9', 'i-1', 'i-3', 'i-2']);
  });

  it('compares equal only for the same role, zone and id', () => {
    expect(byRoleZoneId(node({}), node({}))).toBe(0);
    expect(byRoleZoneId(node({ role: 'manager' }), node({ role: 'worker' }))).toBeLessThan(0);
    expect(byRoleZoneId(node({ availabilityZone: 'us-east-1b' }), node({ availabilityZone: 'us-east-1a' }))).toBeGreaterThan(0);
    expect(byRoleZoneId(node({ instanceId: 'i-2' }), node({ instanceId: 'i-1' }))).toBeGreaterThan(0);
  });
});

describe('an inventory in words', () => {
  it('counts managers, workers and the distinct zones', () => {
    const nodes = [
      node({ instanceId: 'i-1', role: 'manager', availabilityZone: 'us-east-1a' }),
      node({ instanceId: 'i-2', role: 'manager', availabilityZone: 'us-east-1b' }),
      node({ instanceId: 'i-3', role: 'manager', availabilityZone: 'us-east-1c' }),
      node({ instanceId: 'i-4', role: 'worker', availabilityZone: 'us-east-1a' }),
      node({ instanceId: 'i-5', role: 'worker', availabilityZone: 'us-east-1b' }),
    ];
    expect(describeNodes(nodes)).toBe('3 managers and 2 workers over 3 availability zones');
  });

  it('says “zone” for one zone', () => {
    expect(describeNodes([node({ role: 'manager' }), node({ instanceId: 'i-2' })])).toBe('1 manager and 1 worker over 1 availability zone');
  });

  it('says “zones” for none', () => {
    expect(describeNodes([])).toBe('0 managers and 0 workers over 0 availability zones');
  });
});

describe('an inventory read from DescribeInstances', () => {
  it('stamps each node with the time it was read, keeping the rest', () => {
    const nodes = [node({ instanceId: 'i-1', stateAt: '2026-11-26T11:00:00Z' }), node({ instanceId: 'i-2', role: 'manager' })];
    expect(observedAt(nodes, '2026-11-26T12:00:00.700Z')).toEqual([
      { ...nodes[0], stateAt: '2026-11-26T12:00:00.700Z' },
      { ...nodes[1], stateAt: '2026-11-26T12:00:00.700Z' },
    ]);
  });
});

describe('which cluster an Auto Scaling group belongs to', () => {
  // templates/swarm.yaml names its groups `<stack>-managers` and `<stack>-workers`; CloudFormation names an unnamed one
  // `<stack>-<logical id>-<suffix>`; our stacks are `swarm-<cluster id>`.
  it.each([
    ['swarm-c-01m8c7cgt5fds3qnwncr8n800q-managers', 'c-01m8c7cgt5fds3qnwncr8n800q'],
    ['swarm-c-01m8c7cgt5fds3qnwncr8n800q-workers', 'c-01m8c7cgt5fds3qnwncr8n800q'],
    ['swarm-c-abc-ManagerAsg-1XYZ', 'c-abc'],
    ['swarm-c-abc-9', 'c-abc'],
  ])('reads %s as %s', (group, clusterId) => {
    expect(clusterIdOfAutoScalingGroup(group)).toBe(clusterId);
  });

  it.each([
    'other-c-abc-managers',
    'xswarm-c-abc-managers',
    'swarm-xc-abc-managers',
    'swarm-c-abc',
    'swarm-c-abc-',
    'swarm-c-abc--x',
    'swarm-c-ABC-managers',
    'swarm-c--managers',
    'c-abc-managers',
    '',
  ])('finds no cluster of ours in %j', (group) => {
    expect(clusterIdOfAutoScalingGroup(group)).toBeUndefined();
  });
});

describe('the role of a group’s instances', () => {
  it.each([
    ['swarm-c-abc-managers', 'manager'],
    ['swarm-c-abc-ManagerAsg-1XYZ', 'manager'],
    ['SWARM-C-ABC-MANAGERS', 'manager'],
    ['swarm-c-abc-workers', 'worker'],
    ['swarm-c-abc-WorkerAsg-1XYZ', 'worker'],
    ['x-swarm-c-abc-managers', 'worker'],
    ['swarm-c--managers', 'worker'],
    ['swarm-c-abc-xmanagers', 'worker'],
  ])('reads %s as %s', (group, role) => {
    expect(roleOfAutoScalingGroup(group)).toBe(role);
  });
});

describe('how long an instance’s mapping outlives it', () => {
  it('is one day, in seconds (a DynamoDB TTL)', () => {
    expect(INSTANCE_MAPPING_GRACE_SECONDS).toBe(86_400);
  });
});
