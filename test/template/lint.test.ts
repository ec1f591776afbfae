/**
 * templates/swarm.yaml against the current CloudFormation resource specification (@aws-cdk/aws-service-spec), and the
 * size rule for the way the service hands the template to CloudFormation.
 */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { stackGateway } from '../../src/composition/cloudformation';
import type { Config } from '../../src/config';
import { parseCloudFormationTemplate } from '../../sandbox/cloudformation-yaml';
import { lintTemplate, loadResourceSpecification, TEMPLATE_BODY_LIMIT } from './support/cfn-lint';
import { loadTemplate, TEMPLATE_PATH, templateText } from './support/template';

const spec = loadResourceSpecification();

describe('templates/swarm.yaml against the CloudFormation resource specification', () => {
  it('has no findings: known types and properties, required properties, value shapes, resolvable Refs, GetAtts, Subs and conditions', () => {
    const findings = lintTemplate(loadTemplate(), spec, { bytes: Buffer.byteLength(templateText()), sentAs: 'TemplateBody' });

    expect(findings).toEqual([]);
  });

  it('uses a specification newer than the retired 2023 @aws-cdk/cfnspec', () => {
    expect(spec.resource('AWS::EC2::LaunchTemplate')).toBeDefined();
    // S3 Tables arrived in December 2024, after the old specification's last release.
    expect(spec.resource('AWS::S3Tables::TableBucket')).toBeDefined();
  });
});

describe('how the template reaches CloudFormation', () => {
  const cloudFormation = mockClient(CloudFormationClient);
  afterAll(() => cloudFormation.restore());

  it(`is sent inline as TemplateBody, so it must stay within ${TEMPLATE_BODY_LIMIT} bytes (it does)`, async () => {
    cloudFormation.on(CreateStackCommand).resolves({ StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/swarm-c-1/x' });
    // The gateway as the create step's composition builds it, reading the template the service ships.
    const gateway = stackGateway({ stackRoleArn: 'arn:aws:iam::123456789012:role/swarm-stacks', templatePath: TEMPLATE_PATH } as Config);

    await gateway.createStack({ region: 'us-east-1', stackName: 'swarm-c-1', clientRequestToken: 'create-c-1', parameters: {}, tags: {} });

    const [call] = cloudFormation.commandCalls(CreateStackCommand);
    expect(call?.args[0].input.TemplateURL).toBeUndefined();
    expect(call?.args[0].input.TemplateBody).toBe(templateText());
    expect(Buffer.byteLength(templateText())).toBeLessThanOrEqual(TEMPLATE_BODY_LIMIT);
  });
});

describe('the lint itself', () => {
  const broken = parseCloudFormationTemplate(`
Parameters:
  Size: { Type: Number, Default: 7, MinValue: 1, MaxValue: 5 }
  Flag: { Type: String, AllowedValues: [yes, no], Default: yes }
Conditions:
  Big: !Equals [!Ref Size, '5']
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Condition: Missing
    DependsOn: Nowhere
    DeletionPolicy: Keep
    Properties:
      QueueName: !Sub '\${AWS::StackName}-\${Nothing}-\${!Literal}'
      DelaySecond: 3
      DelaySeconds: soon
      FifoQueue: maybe
      Tags: [{ Key: a }]
  Group:
    Type: AWS::AutoScaling::AutoScalingGroup
    UpdatePolicy:
      AutoScalingRollingUpdate: { MaxBatchSize: 1, PauseTime: PT2H, MinInstancesInService: !Ref Nobody, Surge: 1 }
      AutoScalingBlueGreen: {}
    Properties:
      MinSize: !If [Small, 1, 2]
      AvailabilityZones: us-east-1a
      LaunchTemplate: { LaunchTemplateId: !Ref Ghost, Version: [1] }
      Tags: [{ Key: a, Value: !GetAtt Queue.Nope, PropagateAtLaunch: true, Extra: 1 }]
  Log:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: !If [Big, 7, 1.5]
  OtherLog:
    Type: AWS::Logs::LogGroup
    Properties: { RetentionInDays: 10, LogGroupClass: CHEAP }
  Thing:
    Type: AWS::Made::Up
  Hook:
    Type: Custom::Anything
    Properties: { Whatever: !GetAtt Queue.Arn }
Outputs:
  Url: { Value: !Ref Ghost }
  Hooked: { Value: !GetAtt Hook.AnyAttribute }
  Bad-Name: { Value: x }
`);

  it('reports each kind of mistake it is meant to catch', () => {
    const findings = lintTemplate(broken, spec, { bytes: TEMPLATE_BODY_LIMIT + 1, sentAs: 'TemplateBody' });

    expect(findings).toEqual(
      expect.arrayContaining([
        'template: 51201 bytes, over the 51200-byte limit of a TemplateBody',
        'Parameters.Size: default is above MaxValue',
        expect.stringMatching(/^Parameters\.Flag: quote yes\/no/),
        'Resources.Queue: unknown condition Missing',
        'Resources.Queue.DependsOn: unknown resource Nowhere',
        'Resources.Queue.DeletionPolicy: unknown policy Keep',
        'Resources.Queue.Properties: unknown property DelaySecond',
        'Resources.Queue.Properties.DelaySeconds: expected an integer, got "soon"',
        'Resources.Queue.Properties.FifoQueue: expected a boolean, got "maybe"',
        'Resources.Queue.Properties.Tags[0]: required property Value is missing',
        'Resources.Queue.Properties.QueueName: Ref to unknown Nothing',
        'Resources.Group.UpdatePolicy: unknown policy AutoScalingBlueGreen',
        'Resources.Group.UpdatePolicy.AutoScalingRollingUpdate: unknown property Surge',
        'Resources.Group.UpdatePolicy.AutoScalingRollingUpdate.PauseTime: PT2H is not an ISO 8601 duration of at most PT1H',
        'Resources.Group.UpdatePolicy.AutoScalingRollingUpdate.MinInstancesInService: Ref to unknown Nobody',
        'Resources.Group.Properties: required property MaxSize is missing',
        'Resources.Group.Properties.MinSize: unknown condition Small',
        'Resources.Group.Properties.AvailabilityZones: expected a list, got "us-east-1a"',
        'Resources.Group.Properties.LaunchTemplate.LaunchTemplateId: Ref to unknown Ghost',
        'Resources.Group.Properties.LaunchTemplate.Version: expected a string, got a list',
        'Resources.Group.Properties.Tags[0]: unknown property Extra',
        'Resources.Group.Properties.Tags[0].Value: AWS::SQS::Queue has no attribute Nope',
        'Resources.Log.Properties.RetentionInDays: expected an integer, got 1.5',
        expect.stringMatching(/^Resources\.OtherLog\.Properties\.RetentionInDays: 10 is not one of 1, 3, 5, 7, 14, /),
        expect.stringMatching(/^Resources\.OtherLog\.Properties\.LogGroupClass: CHEAP is not one of STANDARD, /),
        'Resources.Thing: unknown resource type AWS::Made::Up',
        'Resources.Hook.Properties: required property ServiceToken is missing',
        'Outputs.Url.Value: Ref to unknown Ghost',
        'Outputs.Bad-Name: output names are alphanumeric',
      ]),
    );
    expect(findings.join('\n')).not.toContain('Literal');
    expect(findings.join('\n')).not.toContain('Hooked');
  });

  it('holds a template to the quotas: 1 MB through S3, 500 resources', () => {
    const resources = Object.fromEntries(Array.from({ length: 501 }, (_, index) => [`Topic${index}`, { Type: 'AWS::SNS::Topic' }]));

    expect(lintTemplate({ Resources: resources }, spec, { bytes: 1_000_001, sentAs: 'TemplateURL' })).toEqual([
      'template: 1000001 bytes, over the 1000000-byte limit of a TemplateURL',
      'Resources: 501 declared, over the quota of 500',
    ]);
  });

  it('finds nothing in a correct template of the same resources', () => {
    const correct = parseCloudFormationTemplate(`
Resources:
  Queue:
    Type: AWS::SQS::Queue
    DeletionPolicy: Delete
    Properties: { QueueName: !Sub '\${AWS::StackName}-q', DelaySeconds: '3', FifoQueue: 'false', Tags: [{ Key: a, Value: b }] }
  Group:
    Type: AWS::AutoScaling::AutoScalingGroup
    UpdatePolicy:
      AutoScalingRollingUpdate: { MaxBatchSize: 1, MinInstancesInService: 1, PauseTime: PT1H, WaitOnResourceSignals: true, SuspendProcesses: [AZRebalance] }
    Properties:
      MinSize: '1'
      MaxSize: '2'
      AvailabilityZones: !GetAZs ''
      Tags: [{ Key: a, Value: !GetAtt Queue.Arn, PropagateAtLaunch: true }]
Outputs:
  QueueUrl: { Value: !Ref Queue }
`);

    expect(lintTemplate(correct, spec, { bytes: TEMPLATE_BODY_LIMIT, sentAs: 'TemplateBody' })).toEqual([]);
  });
});
