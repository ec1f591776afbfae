import { CloudFormationTemplateError, parseCloudFormationTemplate } from '../../sandbox/cloudformation-yaml';

describe('parseCloudFormationTemplate', () => {
  it('turns every short-form tag into the long form CloudFormation works on', () => {
    const template = parseCloudFormationTemplate(`
A: !Ref Vpc
B: !GetAtt LoadBalancer.DNSName
C: !GetAtt [Db, Endpoint.Address]
D: !GetAtt Db.Endpoint.Address
E: !Sub '\${AWS::StackName}-x'
F: !Sub [ '\${A}', { A: !Ref B } ]
G: !Select [0, !GetAZs '']
H: !If [Cond, !Join ['', [a, b]], !Ref 'AWS::NoValue']
I: !And [!Condition X, !Not [!Equals [!Ref P, '']]]
J: !Base64
  Fn::Sub: x
K: !FindInMap [Map, !Ref 'AWS::Region', Key]
L: !Split [',', !ImportValue Shared]
M: !Cidr [10.0.0.0/16, 3, 12]
N: !Or [!Condition X, !Condition Y]
`);

    expect(template).toEqual({
      A: { Ref: 'Vpc' },
      B: { 'Fn::GetAtt': ['LoadBalancer', 'DNSName'] },
      C: { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] },
      D: { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] },
      E: { 'Fn::Sub': '${AWS::StackName}-x' },
      F: { 'Fn::Sub': ['${A}', { A: { Ref: 'B' } }] },
      G: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      H: { 'Fn::If': ['Cond', { 'Fn::Join': ['', ['a', 'b']] }, { Ref: 'AWS::NoValue' }] },
      I: { 'Fn::And': [{ Condition: 'X' }, { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'P' }, ''] }] }] },
      J: { 'Fn::Base64': { 'Fn::Sub': 'x' } },
      K: { 'Fn::FindInMap': ['Map', { Ref: 'AWS::Region' }, 'Key'] },
      L: { 'Fn::Split': [',', { 'Fn::ImportValue': 'Shared' }] },
      M: { 'Fn::Cidr': ['10.0.0.0/16', 3, 12] },
      N: { 'Fn::Or': [{ Condition: 'X' }, { Condition: 'Y' }] },
    });
  });

  it('keeps the long form and JSON templates as they are', () => {
    const json = '{"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":{"Fn::Sub":"${AWS::StackName}"}}}}}';

    expect(parseCloudFormationTemplate(json)).toEqual(JSON.parse(json));
  });

  it('reads YAML 1.1 like CloudFormation: unquoted yes is a boolean, an unquoted date stays text, keys stay names', () => {
    expect(parseCloudFormationTemplate("AWSTemplateFormatVersion: 2010-09-09\nA: yes\nB: 'yes'\nC: 5\nD: n\nOn: off\n")).toEqual({
      AWSTemplateFormatVersion: '2010-09-09',
      A: true,
      B: 'yes',
      C: 5,
      D: 'n',
      On: false,
    });
  });

  it.each([
    ['an unknown tag', 'A: !Reff x', /unknown intrinsic function tag !Reff/],
    ['a GetAtt without an attribute', 'A: !GetAtt Vpc', /Resource\.Attribute/],
    ['a Ref that is not a name', 'A: !Ref [a, b]', /!Ref takes a name/],
    ['an alias', 'A: &x 1\nB: *x', /aliases are not supported/],
    ['a duplicate key', 'A: 1\nA: 2', /not valid YAML/],
    ['broken YAML', 'A: [1, 2', /not valid YAML/],
  ])('refuses %s', (_case, text, message) => {
    expect(() => parseCloudFormationTemplate(text)).toThrow(CloudFormationTemplateError);
    expect(() => parseCloudFormationTemplate(text)).toThrow(message);
  });
});
