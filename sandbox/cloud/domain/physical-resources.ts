import { ACCOUNT_ID, ec2Id, generatedName, randomHex, randomSuffix } from './ids';
import { randomPublicAddress } from './ipv4';

export interface StackIdentity {
  region: string;
  stackName: string;
  stackId: string;
}

export interface PhysicalResource {
  /** The id CloudFormation reports in events and what `Ref` returns. */
  physicalId: string;
  attributes: Record<string, unknown>;
}

type Properties = Record<string, unknown>;
type Provisioner = (logicalId: string, properties: Properties, stack: StackIdentity) => PhysicalResource;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Hosted zone ids AWS publishes for its load balancers; a DNS alias needs a plausible one. */
const ELB_HOSTED_ZONE: Record<string, string> = { 'us-east-1': 'Z35SXDOTRQ7X7K', 'us-west-2': 'Z1H1FL5HABSF5', 'eu-west-1': 'Z32O12XQLNTSW2' };
const NLB_HOSTED_ZONE: Record<string, string> = { 'us-east-1': 'Z26RNL4JYFTOTI', 'us-west-2': 'Z18D5FSROUN65G', 'eu-west-1': 'Z2IFOLAFXWLO4F' };

const arn = (stack: StackIdentity, service: string, resource: string, global = false): string =>
  `arn:aws:${service}:${global ? '' : stack.region}:${ACCOUNT_ID}:${resource}`;

const ec2Resource =
  (prefix: string, attributes: (id: string, properties: Properties) => Record<string, unknown> = () => ({})): Provisioner =>
  (_logicalId, properties) => {
    const physicalId = ec2Id(prefix);
    return { physicalId, attributes: attributes(physicalId, properties) };
  };

const named =
  (nameProperty: string | undefined, attributes: (name: string, stack: StackIdentity) => Record<string, unknown>, maxLength = 128): Provisioner =>
  (logicalId, properties, stack) => {
    const name = (nameProperty && text(properties[nameProperty])) ?? generatedName(stack.stackName, logicalId, maxLength);
    return { physicalId: name, attributes: attributes(name, stack) };
  };

const classicLoadBalancer: Provisioner = (logicalId, properties, stack) => {
  const name = text(properties['LoadBalancerName']) ?? generatedName(stack.stackName, logicalId, 32);
  const dnsName = `${name}-${randomInt10()}.${stack.region}.elb.amazonaws.com`;
  return {
    physicalId: name,
    attributes: {
      DNSName: dnsName,
      CanonicalHostedZoneName: dnsName,
      CanonicalHostedZoneNameID: ELB_HOSTED_ZONE[stack.region] ?? 'Z35SXDOTRQ7X7K',
      'SourceSecurityGroup.GroupName': 'amazon-elb-sg',
      'SourceSecurityGroup.OwnerAlias': 'amazon-elb',
    },
  };
};

const randomInt10 = (): string => String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999));

const loadBalancerV2: Provisioner = (logicalId, properties, stack) => {
  const name = text(properties['Name']) ?? generatedName(stack.stackName, logicalId, 32);
  const kind = properties['Type'] === 'network' ? 'net' : properties['Type'] === 'gateway' ? 'gwy' : 'app';
  const id = randomHex(16);
  const dnsName = kind === 'net' ? `${name}-${id}.elb.${stack.region}.amazonaws.com` : `${name}-${randomInt10()}.${stack.region}.elb.amazonaws.com`;
  return {
    physicalId: arn(stack, 'elasticloadbalancing', `loadbalancer/${kind}/${name}/${id}`),
    attributes: {
      DNSName: dnsName,
      LoadBalancerName: name,
      LoadBalancerFullName: `${kind}/${name}/${id}`,
      CanonicalHostedZoneID: (kind === 'net' ? NLB_HOSTED_ZONE : ELB_HOSTED_ZONE)[stack.region] ?? 'Z26RNL4JYFTOTI',
      SecurityGroups: [],
    },
  };
};

const provisioners: Record<string, Provisioner> = {
  'AWS::EC2::VPC': ec2Resource('vpc', (id, properties) => ({
    VpcId: id,
    CidrBlock: properties['CidrBlock'] ?? '10.0.0.0/16',
    CidrBlockAssociations: [ec2Id('vpc-cidr-assoc')],
    DefaultSecurityGroup: ec2Id('sg'),
    DefaultNetworkAcl: ec2Id('acl'),
    Ipv6CidrBlocks: [],
  })),
  'AWS::EC2::Subnet': ec2Resource('subnet', (id, properties) => ({
    SubnetId: id,
    AvailabilityZone: properties['AvailabilityZone'],
    CidrBlock: properties['CidrBlock'],
    VpcId: properties['VpcId'],
    NetworkAclAssociationId: ec2Id('aclassoc'),
    Ipv6CidrBlocks: [],
  })),
  'AWS::EC2::InternetGateway': ec2Resource('igw', (id) => ({ InternetGatewayId: id })),
  'AWS::EC2::RouteTable': ec2Resource('rtb', (id) => ({ RouteTableId: id })),
  'AWS::EC2::SubnetRouteTableAssociation': ec2Resource('rtbassoc', (id) => ({ Id: id })),
  'AWS::EC2::SecurityGroup': ec2Resource('sg', (id, properties) => ({ GroupId: id, VpcId: properties['VpcId'] })),
  'AWS::EC2::SecurityGroupIngress': ec2Resource('sgr', (id) => ({ Id: id })),
  'AWS::EC2::SecurityGroupEgress': ec2Resource('sgr', (id) => ({ Id: id })),
  'AWS::EC2::NatGateway': ec2Resource('nat', (id) => ({ NatGatewayId: id })),
  'AWS::EC2::NetworkAcl': ec2Resource('acl', (id) => ({ Id: id })),
  'AWS::EC2::VPCEndpoint': ec2Resource('vpce', (id) => ({ Id: id, DnsEntries: [], NetworkInterfaceIds: [] })),
  'AWS::EC2::Volume': ec2Resource('vol', (id) => ({ VolumeId: id })),
  'AWS::EC2::Instance': ec2Resource('i', () => ({ PrivateIp: '10.0.0.10', PublicIp: randomPublicAddress(), AvailabilityZone: '' })),
  'AWS::EC2::LaunchTemplate': ec2Resource('lt', (id, properties) => ({
    LaunchTemplateId: id,
    LaunchTemplateName: text(properties['LaunchTemplateName']) ?? `${id}-template`,
    DefaultVersionNumber: '1',
    LatestVersionNumber: '1',
  })),
  'AWS::EC2::EIP': () => {
    const address = randomPublicAddress();
    return { physicalId: address, attributes: { AllocationId: ec2Id('eipalloc'), PublicIp: address } };
  },
  'AWS::EC2::VPCGatewayAttachment': named(undefined, () => ({})),
  'AWS::EC2::Route': named(undefined, () => ({})),
  'AWS::AutoScaling::AutoScalingGroup': named('AutoScalingGroupName', () => ({})),
  'AWS::AutoScaling::LaunchConfiguration': named('LaunchConfigurationName', () => ({})),
  'AWS::AutoScaling::LifecycleHook': named('LifecycleHookName', () => ({})),
  'AWS::AutoScaling::ScalingPolicy': named(undefined, (name, stack) => ({
    Arn: arn(stack, 'autoscaling', `scalingPolicy:${randomHex(8)}:autoScalingGroupName/${name}`),
  })),
  'AWS::ElasticLoadBalancing::LoadBalancer': classicLoadBalancer,
  'AWS::ElasticLoadBalancingV2::LoadBalancer': loadBalancerV2,
  'AWS::ElasticLoadBalancingV2::TargetGroup': (logicalId, properties, stack) => {
    const name = text(properties['Name']) ?? generatedName(stack.stackName, logicalId, 32);
    const physicalId = arn(stack, 'elasticloadbalancing', `targetgroup/${name}/${randomHex(16)}`);
    return { physicalId, attributes: { TargetGroupArn: physicalId, TargetGroupName: name, LoadBalancerArns: [] } };
  },
  'AWS::ElasticLoadBalancingV2::Listener': (_logicalId, _properties, stack) => {
    const physicalId = arn(stack, 'elasticloadbalancing', `listener/app/${randomHex(8)}/${randomHex(16)}/${randomHex(16)}`);
    return { physicalId, attributes: { ListenerArn: physicalId } };
  },
  'AWS::IAM::Role': named('RoleName', (name, stack) => ({
    Arn: arn(stack, 'iam', `role/${name}`, true),
    RoleId: `AROA${randomSuffix(17)}`,
  }), 64),
  'AWS::IAM::InstanceProfile': named('InstanceProfileName', (name, stack) => ({
    Arn: arn(stack, 'iam', `instance-profile/${name}`, true),
  })),
  'AWS::IAM::Policy': named('PolicyName', () => ({})),
  'AWS::IAM::ManagedPolicy': (logicalId, properties, stack) => {
    const name = text(properties['ManagedPolicyName']) ?? generatedName(stack.stackName, logicalId);
    const physicalId = arn(stack, 'iam', `policy/${name}`, true);
    return { physicalId, attributes: { PolicyArn: physicalId } };
  },
  'AWS::Logs::LogGroup': named('LogGroupName', (name, stack) => ({ Arn: arn(stack, 'logs', `log-group:${name}:*`) })),
  'AWS::DynamoDB::Table': named('TableName', (name, stack) => ({
    Arn: arn(stack, 'dynamodb', `table/${name}`),
    StreamArn: arn(stack, 'dynamodb', `table/${name}/stream/${new Date().toISOString()}`),
  })),
  'AWS::SQS::Queue': (logicalId, properties, stack) => {
    const name = text(properties['QueueName']) ?? generatedName(stack.stackName, logicalId, 80);
    return {
      physicalId: `https://sqs.${stack.region}.amazonaws.com/${ACCOUNT_ID}/${name}`,
      attributes: { Arn: arn(stack, 'sqs', name), QueueName: name, QueueUrl: `https://sqs.${stack.region}.amazonaws.com/${ACCOUNT_ID}/${name}` },
    };
  },
  'AWS::SNS::Topic': (logicalId, properties, stack) => {
    const name = text(properties['TopicName']) ?? generatedName(stack.stackName, logicalId, 256);
    const physicalId = arn(stack, 'sns', name);
    return { physicalId, attributes: { TopicArn: physicalId, TopicName: name } };
  },
  'AWS::Lambda::Function': named('FunctionName', (name, stack) => ({ Arn: arn(stack, 'lambda', `function:${name}`) }), 64),
  'AWS::CloudFormation::WaitConditionHandle': (logicalId, _properties, stack) => ({
    physicalId: `https://cloudformation-waitcondition-${stack.region}.s3.amazonaws.com/${encodeURIComponent(stack.stackId)}/${logicalId}`,
    attributes: {},
  }),
  'AWS::CloudFormation::WaitCondition': (logicalId, _properties, stack) => ({
    physicalId: `${stack.stackId}/${logicalId}`,
    attributes: { Data: '{}' },
  }),
};

/**
 * The physical side of a resource: an id in the real format of its type and the attributes Fn::GetAtt can read.
 * Unknown types (custom resources included) get a generated name and answer any attribute with a placeholder.
 */
export const provisionResource = (
  type: string,
  logicalId: string,
  properties: Properties,
  stack: StackIdentity,
): PhysicalResource => {
  const provision = provisioners[type] ?? named(undefined, () => ({}));
  return provision(logicalId, properties, stack);
};

export const resourceAttribute = (resource: PhysicalResource, name: string): unknown =>
  name in resource.attributes ? resource.attributes[name] : `${resource.physicalId}-${name}`;
