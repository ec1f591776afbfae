/**
 * Project checks: templates/swarm.yaml keeps the names and bounds of docs/contracts.md, agrees with the domain's
 * parameter rules, and keeps the properties the product promises (quorum over zones, least privilege, IMDSv2).
 */
import { PERMISSIONS_BOUNDARY_PARAMETER } from '../../src/adapters/cloudformation/stack-gateway';
import { clusterRequestSchema, INSTANCE_TYPES, parametersOf, templateParameters } from '../../src/domain/parameters';
import { isRecord, loadTemplate, userDataOf, type Json } from './support/template';

const template = loadTemplate();
const { Parameters: parameters, Resources: resources, Outputs: outputs } = template;
const propertiesOf = (name: string): Record<string, Json> => resources[name]?.Properties ?? {};

// The table in docs/contracts.md, as data.
const CONTRACT_PARAMETERS: Record<string, Record<string, Json>> = {
  ClusterId: { Type: 'String', AllowedPattern: '^c-[0-9a-z]{26}$' },
  ManagerSize: { Type: 'String', AllowedValues: ['1', '3', '5'], Default: '3' },
  ClusterSize: { Type: 'Number', MinValue: 0, MaxValue: 1000, Default: 5 },
  ManagerInstanceType: { Type: 'String', AllowedValues: [...INSTANCE_TYPES], Default: 't3.small' },
  InstanceType: { Type: 'String', AllowedValues: [...INSTANCE_TYPES], Default: 't3.small' },
  ManagerDiskSize: { Type: 'Number', MinValue: 20, MaxValue: 1024, Default: 20 },
  ManagerDiskType: { Type: 'String', AllowedValues: ['gp3', 'gp2', 'standard'], Default: 'gp3' },
  WorkerDiskSize: { Type: 'Number', MinValue: 20, MaxValue: 1024, Default: 20 },
  WorkerDiskType: { Type: 'String', AllowedValues: ['gp3', 'gp2', 'standard'], Default: 'gp3' },
  KeyName: { Type: 'String', Default: '' },
  EnableSystemPrune: { Type: 'String', AllowedValues: ['yes', 'no'], Default: 'no' },
  EnableCloudWatchLogs: { Type: 'String', AllowedValues: ['yes', 'no'], Default: 'yes' },
  // No default on purpose: a stack without the boundary fails validation at once instead of at its first role.
  PermissionsBoundaryArn: { Type: 'String', AllowedPattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$' },
};
const CONTRACT_OUTPUTS = ['DefaultDNSTarget', 'ELBDNSZoneID', 'ZoneAvailabilityComment', 'Managers', 'VPCID', 'SwarmWideSecurityGroupID'];
const CLUSTER_ID = 'c-01jz0000000000000000000000';
/** What the stack gateway adds to every create, from the deployment's configuration. */
const DEPLOYMENT = { [PERMISSIONS_BOUNDARY_PARAMETER]: 'arn:aws:iam::123456789012:policy/swarm-provisioner-dev-swarm-node-boundary' };

/** What CloudFormation checks before it creates anything: AllowedValues, AllowedPattern, Min/MaxValue. */
function violations(values: Record<string, string>): string[] {
  return Object.entries(parameters).flatMap(([name, parameter]) => {
    const value = values[name] ?? (parameter.Default === undefined ? undefined : String(parameter.Default));
    if (value === undefined) return [`${name}: no value and no default`];
    const allowed = Array.isArray(parameter.AllowedValues) ? parameter.AllowedValues.map(String) : undefined;
    const problems: string[] = [];
    if (allowed && !allowed.includes(value)) problems.push(`${name}: ${value} not allowed`);
    if (typeof parameter.AllowedPattern === 'string' && !new RegExp(parameter.AllowedPattern).test(value)) problems.push(`${name}: ${value} does not match`);
    if (parameter.MinValue !== undefined && Number(value) < Number(parameter.MinValue)) problems.push(`${name}: ${value} too small`);
    if (parameter.MaxValue !== undefined && Number(value) > Number(parameter.MaxValue)) problems.push(`${name}: ${value} too large`);
    return problems;
  });
}

describe('parameters (docs/contracts.md)', () => {
  it.each(Object.entries(CONTRACT_PARAMETERS))('declares %s with the contract type, bounds and default', (name, expected) => {
    expect(parameters[name]).toMatchObject(expected);
  });

  it('has defaults for every parameter outside the contract, so the service never has to send them', () => {
    const extra = Object.keys(parameters).filter((name) => !(name in CONTRACT_PARAMETERS));
    // The loop below proves nothing over an empty list: the parameters outside the contract are these five.
    expect(extra.sort()).toEqual(['DockerVersion', 'ImageId', 'LogRetentionInDays', 'SshCidr', 'ZoneCount']);
    for (const name of extra) expect({ name, Default: parameters[name]?.Default }).toEqual({ name, Default: expect.anything() });
  });

  it('accepts what the service sends for a default cluster', () => {
    const request = clusterRequestSchema.parse({ name: 'demo' });

    expect(violations({ ...templateParameters(CLUSTER_ID, parametersOf(request)), ...DEPLOYMENT })).toEqual([]);
  });

  it('accepts the largest cluster the domain allows and refuses values outside the table', () => {
    const largest = clusterRequestSchema.parse({ name: 'big', managers: 5, workers: 1000, managerDiskSizeGb: 1024, keyName: 'ops', enableSystemPrune: true });

    expect(violations({ ...templateParameters(CLUSTER_ID, parametersOf(largest)), ...DEPLOYMENT })).toEqual([]);
    expect(violations({ ...DEPLOYMENT, ClusterId: CLUSTER_ID, ManagerSize: '2', ClusterSize: '1001', WorkerDiskSize: '19', InstanceType: 't2.micro' })).toEqual([
      'ManagerSize: 2 not allowed',
      'ClusterSize: 1001 too large',
      'InstanceType: t2.micro not allowed',
      'WorkerDiskSize: 19 too small',
    ]);
    expect(violations({ ...DEPLOYMENT, ClusterId: 'cluster-1' })).toEqual(['ClusterId: cluster-1 does not match']);
    expect(violations({ ClusterId: CLUSTER_ID })).toEqual(['PermissionsBoundaryArn: no value and no default']);
  });

  it('puts every parameter in exactly one console group', () => {
    const metadata = template.Metadata as Record<string, Json>;
    const groups = (metadata['AWS::CloudFormation::Interface'] as Record<string, Json>).ParameterGroups as Array<Record<string, Json>>;
    const grouped = groups.flatMap((group) => group.Parameters as string[]);

    expect([...grouped].sort()).toEqual(Object.keys(parameters).sort());
  });

  it('reads the current Amazon Linux 2023 image from its public SSM parameter', () => {
    expect(parameters.ImageId).toMatchObject({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    });
  });
});

describe('outputs and groups (docs/contracts.md)', () => {
  it.each(CONTRACT_OUTPUTS)('has the %s output', (name) => {
    expect(outputs[name]?.Value).toBeDefined();
  });

  it.each([
    ['ManagerAsg', 'ManagerSize', 'manager'],
    ['NodeAsg', 'ClusterSize', 'worker'],
  ])('%s runs %s instances over the three subnets and tags them with the cluster id and role at launch', (name, size, role) => {
    const group = propertiesOf(name);

    expect(resources[name]?.Type).toBe('AWS::AutoScaling::AutoScalingGroup');
    expect(group.DesiredCapacity).toEqual({ Ref: size });
    expect(group.VPCZoneIdentifier).toEqual([{ Ref: 'PublicSubnet1' }, { Ref: 'PublicSubnet2' }, { Ref: 'PublicSubnet3' }]);
    expect(group.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'swarm-provisioner:cluster-id', Value: { Ref: 'ClusterId' }, PropagateAtLaunch: true },
        { Key: 'swarm-provisioner:role', Value: role, PropagateAtLaunch: true },
      ]),
    );
    expect(group.LifecycleHookSpecificationList).toEqual([expect.objectContaining({ LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', LifecycleHookName: 'swarm-leave' })]);
  });
});

describe('formation and timing', () => {
  const launchTemplates = [
    ['ManagerLaunchTemplate', 'ManagerAsg', 'ManagerSize'],
    ['WorkerLaunchTemplate', 'NodeAsg', 'ClusterSize'],
  ] as const;

  it('gives both launch templates the same bootstrap text, so the two copies cannot drift apart', () => {
    expect(userDataOf(template, 'WorkerLaunchTemplate').text).toBe(userDataOf(template, 'ManagerLaunchTemplate').text);
  });

  it.each(launchTemplates)('%s signals %s, which waits for one signal per instance and outlasts the node deadline', (launchTemplate, group, size) => {
    const { variables } = userDataOf(template, launchTemplate);
    const policy = resources[group]?.CreationPolicy as Record<string, Record<string, Json>>;
    const minutes = Number(/^PT(\d+)M$/.exec(String(policy.ResourceSignal?.Timeout))?.[1]);

    expect(variables.AsgLogicalId).toBe(group);
    expect(policy.ResourceSignal?.Count).toEqual({ Ref: size });
    // The node gives up first, so the stack fails on a FAILURE signal (fast) rather than on CloudFormation's timeout.
    expect(Number(variables.JoinWaitSeconds) + 180).toBeLessThanOrEqual(minutes * 60);
  });

  it.each(launchTemplates)('%s requires IMDSv2 and keeps instance credentials away from bridge-networked containers', (launchTemplate) => {
    const data = propertiesOf(launchTemplate).LaunchTemplateData as Record<string, Json>;

    expect(data.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(data.ImageId).toEqual({ Ref: 'ImageId' });
  });

  it('spreads over two zones only where the region or the ZoneCount parameter says so, and says it in ZoneAvailabilityComment', () => {
    expect(template.Conditions.ThreeZones).toEqual({ 'Fn::Not': [{ Condition: 'TwoZones' }] });
    expect(propertiesOf('PublicSubnet3').AvailabilityZone).toEqual({
      'Fn::If': ['ThreeZones', { 'Fn::Select': [2, { 'Fn::GetAZs': '' }] }, { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }],
    });
    const comment = outputs.ZoneAvailabilityComment?.Value as Record<string, Json[]>;
    expect(comment['Fn::If']?.[0]).toBe('ThreeZones');
    expect(String(comment['Fn::If']?.[2])).toContain('only two availability zones');
  });
});

describe('network exposure', () => {
  const ingresses = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::EC2::SecurityGroupIngress');

  it('allows swarm ports (2377/tcp, 7946/tcp+udp, 4789/udp, ESP) only from the swarm-wide group itself', () => {
    const swarmRules = ingresses.filter(([, resource]) => resource.Properties?.SourceSecurityGroupId !== undefined);
    const ports = swarmRules.map(([, { Properties: rule = {} }]) => `${String(rule.FromPort ?? '')}/${String(rule.IpProtocol)}`).sort();

    expect(ports).toEqual(['/50', '2377/tcp', '4789/udp', '7946/tcp', '7946/udp']);
    for (const [, { Properties: rule = {} }] of swarmRules) {
      expect(rule.GroupId).toEqual({ Ref: 'SwarmWideSecurityGroup' });
      expect(rule.SourceSecurityGroupId).toEqual({ Ref: 'SwarmWideSecurityGroup' });
    }
  });

  it('opens SSH only from the SshCidr parameter and only when a key name is given', () => {
    const ssh = ingresses.filter(([, resource]) => resource.Properties?.FromPort === 22);

    expect(ssh).toHaveLength(1);
    expect(ssh[0]?.[1]).toMatchObject({ Condition: 'AllowSsh', Properties: { CidrIp: { Ref: 'SshCidr' } } });
    expect(template.Conditions.AllowSsh).toEqual({ 'Fn::And': [{ Condition: 'HasKeyName' }, { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'SshCidr' }, ''] }] }] });
    expect(parameters.SshCidr?.Default).toBe('');
  });

  it('lets the internet reach only the load balancer, and the load balancer only the workers', () => {
    const open = JSON.stringify(resources).match(/0\.0\.0\.0\/0/g) ?? [];
    const balancerRules = propertiesOf('LoadBalancerSecurityGroup').SecurityGroupIngress as Array<Record<string, Json>>;

    // The default route and the balancer's two listeners are the only places the whole internet appears.
    expect(open).toHaveLength(3);
    expect(balancerRules.map((rule) => rule.CidrIp)).toEqual(['0.0.0.0/0', '0.0.0.0/0']);
    expect(propertiesOf('WorkerSecurityGroup').SecurityGroupIngress).toEqual([
      expect.objectContaining({ FromPort: 80, SourceSecurityGroupId: { Ref: 'LoadBalancerSecurityGroup' } }),
      expect.objectContaining({ FromPort: 443, SourceSecurityGroupId: { Ref: 'LoadBalancerSecurityGroup' } }),
    ]);
    expect(propertiesOf('NodeAsg').TargetGroupARNs).toEqual([{ Ref: 'HttpTargets' }, { Ref: 'HttpsTargets' }]);
    expect(propertiesOf('ManagerAsg').TargetGroupARNs).toBeUndefined();
  });
});

describe('node roles (least privilege)', () => {
  type Statement = Record<string, Json>;
  const inline = (role: string): Statement[] =>
    (propertiesOf(role).Policies as Array<Record<string, Record<string, Json>>>).flatMap((policy) => policy.PolicyDocument?.Statement as Statement[]);
  const shared = (propertiesOf('NodePolicy').PolicyDocument as Record<string, Json>).Statement as Statement[];
  const all = [...shared, ...inline('ManagerRole'), ...inline('WorkerRole')];
  const summary = (statements: Statement[]) =>
    statements.map((statement) => ({ Action: statement.Action, Resource: statement.Resource, ...(statement.Condition ? { Condition: statement.Condition } : {}) }));
  const groupArn = (suffix: string) => ({ 'Fn::Sub': expect.stringMatching(new RegExp(`autoScalingGroupName/\\$\\{AWS::StackName\\}-${suffix}$`)) });

  it.each(['ManagerRole', 'WorkerRole'])('%s has only the SSM core managed policy and the shared node policy', (role) => {
    expect(propertiesOf(role).ManagedPolicyArns).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore' }, { Ref: 'NodePolicy' }]);
  });

  it('grants no wildcard action, no wildcard resource and no Deny to reason about', () => {
    // Over every statement the nodes hold (the loop would pass over none): the shared two, and the roles' own.
    expect(all).toHaveLength(7);
    for (const statement of all) {
      expect(statement.Effect).toBe('Allow');
      expect(JSON.stringify(statement.Action)).not.toContain('*');
      expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"/);
    }
  });

  it('lets every node write logs to its cluster log group and signal its own stack, nothing else', () => {
    expect(summary(shared)).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': ['LogGroup', 'Arn'] } },
      { Action: 'cloudformation:SignalResource', Resource: { Ref: 'AWS::StackId' } },
    ]);
  });

  it('lets managers use the cluster table and complete lifecycle actions of the manager group only', () => {
    expect(summary(inline('ManagerRole'))).toEqual([
      { Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: { 'Fn::GetAtt': ['SwarmTable', 'Arn'] } },
      { Action: 'autoscaling:CompleteLifecycleAction', Resource: groupArn('managers') },
    ]);
  });

  it('lets workers read only the worker token, manager addresses and drain answers, only ask for a drain and record their departure, and act on the worker group only', () => {
    expect(summary(inline('WorkerRole'))).toEqual([
      {
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': ['SwarmTable', 'Arn'] },
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'wrk', 'addrs', 'drained'] }, StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' } },
      },
      {
        Action: 'dynamodb:UpdateItem',
        Resource: { 'Fn::GetAtt': ['SwarmTable', 'Arn'] },
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'gone', 'draining'] }, StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' } },
      },
      { Action: 'autoscaling:CompleteLifecycleAction', Resource: groupArn('workers') },
    ]);
  });

  it('names the groups the way the policies expect, and gives each launch template its own profile', () => {
    expect(propertiesOf('ManagerAsg').AutoScalingGroupName).toEqual({ 'Fn::Sub': '${AWS::StackName}-managers' });
    expect(propertiesOf('NodeAsg').AutoScalingGroupName).toEqual({ 'Fn::Sub': '${AWS::StackName}-workers' });
    const profileOf = (launchTemplate: string) => (propertiesOf(launchTemplate).LaunchTemplateData as Record<string, Json>).IamInstanceProfile;
    expect(profileOf('ManagerLaunchTemplate')).toEqual({ Arn: { 'Fn::GetAtt': ['ManagerInstanceProfile', 'Arn'] } });
    expect(profileOf('WorkerLaunchTemplate')).toEqual({ Arn: { 'Fn::GetAtt': ['WorkerInstanceProfile', 'Arn'] } });
    expect(propertiesOf('WorkerInstanceProfile').Roles).toEqual([{ Ref: 'WorkerRole' }]);
  });

  it('keeps a retention on the log group', () => {
    expect(propertiesOf('LogGroup').RetentionInDays).toEqual({ Ref: 'LogRetentionInDays' });
    expect(isRecord(parameters.LogRetentionInDays)).toBe(true);
  });
});
