/**
 * templates/swarm.yaml against the CloudFormation resource specification shipped by @aws-cdk/cfnspec.
 */
import { parseCloudFormationTemplate } from '../../src/local/cloudformation-yaml';
import { lintTemplate, TEMPLATE_BODY_LIMIT, type ResourceSpecification } from './support/cfn-lint';
import { loadTemplate, templateText } from './support/template';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const spec = require('@aws-cdk/cfnspec/spec/specification.json') as ResourceSpecification;

describe('templates/swarm.yaml against the CloudFormation resource specification', () => {
  it('has no findings: known types and properties, required properties, resolvable Refs, GetAtts, Subs and conditions', () => {
    const findings = lintTemplate(loadTemplate(), spec, Buffer.byteLength(templateText()));

    expect(findings).toEqual([]);
  });

  it(`fits in a TemplateBody (under ${TEMPLATE_BODY_LIMIT} bytes)`, () => {
    expect(Buffer.byteLength(templateText())).toBeLessThan(TEMPLATE_BODY_LIMIT);
  });

  it('uses a specification that knows the resource types the template needs', () => {
    expect(Number(spec.ResourceSpecificationVersion.split('.')[0])).toBeGreaterThanOrEqual(100);
    expect(spec.ResourceTypes['AWS::EC2::LaunchTemplate']).toBeDefined();
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
    Properties:
      QueueName: !Sub '\${AWS::StackName}-\${Nothing}-\${!Literal}'
      DelaySecond: 3
  Group:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: !If [Small, 1, 2]
      Tags: [{ Key: a, Value: !GetAtt Queue.Nope, PropagateAtLaunch: true, Extra: 1 }]
  Thing:
    Type: AWS::Made::Up
Outputs:
  Url: { Value: !Ref Ghost }
  Bad-Name: { Value: x }
`);

  it('reports each kind of mistake it is meant to catch', () => {
    const findings = lintTemplate(broken, spec, TEMPLATE_BODY_LIMIT);

    expect(findings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('over the 51200-byte TemplateBody limit'),
        'Parameters.Size: default is above MaxValue',
        expect.stringMatching(/^Parameters\.Flag: quote yes\/no/),
        'Resources.Queue: unknown condition Missing',
        'Resources.Queue.DependsOn: unknown resource Nowhere',
        'Resources.Queue.Properties: unknown property DelaySecond',
        'Resources.Queue.Properties.QueueName: Ref to unknown Nothing',
        'Resources.Group.Properties: required property MaxSize is missing',
        'Resources.Group.Properties.MinSize: unknown condition Small',
        'Resources.Group.Properties.Tags[0]: unknown property Extra',
        'Resources.Group.Properties.Tags[0].Value: AWS::SQS::Queue has no attribute Nope',
        'Resources.Thing: unknown resource type AWS::Made::Up',
        'Outputs.Url.Value: Ref to unknown Ghost',
        'Outputs.Bad-Name: output names are alphanumeric',
      ]),
    );
    expect(findings.join('\n')).not.toContain('Literal');
  });
});
