import {
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStacksCommand,
  ValidateTemplateCommand,
  type CreateStackCommandInput,
} from '@aws-sdk/client-cloudformation';
import {
  aClusterId,
  createMiniSwarm,
  instancesWhere,
  MINI_SWARM_TEMPLATE,
  startTestCloud,
  waitForStackStatus,
  type TestCloud,
} from './fixtures/simulated-cloud-harness';

let test: TestCloud;
beforeAll(async () => {
  test = await startTestCloud();
});
afterAll(() => test.close());

const attemptCreate = async (overrides: Partial<CreateStackCommandInput>, parameters: Record<string, string> = {}) => {
  const { clusterId, stackName } = aClusterId();
  const create = test.cloudFormation.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: MINI_SWARM_TEMPLATE,
      Capabilities: ['CAPABILITY_IAM'],
      Parameters: Object.entries({ ClusterId: clusterId, ...parameters }).map(([ParameterKey, ParameterValue]) => ({
        ParameterKey,
        ParameterValue,
      })),
      ...overrides,
    }),
  );
  return { create, stackName: overrides.StackName ?? stackName };
};

const expectNothingCreated = async (stackName: string): Promise<void> => {
  await expect(test.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).rejects.toMatchObject({
    name: 'ValidationError',
    message: `Stack with id ${stackName} does not exist`,
  });
  const { StackSummaries } = await test.cloudFormation.send(new ListStacksCommand({}));
  expect(StackSummaries?.some((summary) => summary.StackName === stackName)).toBe(false);
  expect(await instancesWhere(test, [{ Name: 'tag:aws:cloudformation:stack-name', Values: [stackName] }])).toEqual([]);
};

describe('simulated cloud: parameter validation', () => {
  it.each([
    ['a value outside AllowedValues', { ManagerSize: '4' }, "Parameter 'ManagerSize' must be one of AllowedValues"],
    ['a number above MaxValue', { ClusterSize: '1001' }, "Parameter 'ClusterSize' must be a number not greater than 1000"],
    ['a number below MinValue', { ClusterSize: '-1' }, "Parameter 'ClusterSize' must be a number not less than 0"],
    ['text for a Number', { ClusterSize: 'five' }, "Parameter 'ClusterSize' must be a number"],
    ['an instance type off the list', { InstanceType: 'p5.48xlarge' }, "Parameter 'InstanceType' must be one of AllowedValues"],
    ['a value not matching AllowedPattern', { ClusterId: 'C-NOT-A-ULID' }, "Parameter 'ClusterId' must match pattern ^c-[0-9a-z]{26}$"],
    ['a value shorter than MinLength', { Label: 'ab' }, "Parameter 'Label' must contain at least 3 characters"],
    ['a value longer than MaxLength', { Label: 'a-very-long-label' }, "Parameter 'Label' must contain at most 12 characters"],
    ['a parameter the template lacks', { Colour: 'blue' }, 'Parameters: [Colour] do not exist in the template'],
  ])('rejects %s with ValidationError and creates nothing', async (_case, parameters, message) => {
    const { create, stackName } = await attemptCreate({}, parameters);

    await expect(create).rejects.toMatchObject({ name: 'ValidationError', message, $metadata: { httpStatusCode: 400 } });
    await expectNothingCreated(stackName);
  });

  it('rejects a missing required parameter', async () => {
    const { create, stackName } = await attemptCreate({ Parameters: [] });

    await expect(create).rejects.toMatchObject({ name: 'ValidationError', message: 'Parameters: [ClusterId] must have values' });
    await expectNothingCreated(stackName);
  });

  it('reports the ConstraintDescription instead of the raw constraint when the template gives one', async () => {
    const template = JSON.stringify({
      Parameters: { ClusterId: { Type: 'String', AllowedPattern: '^c-[0-9a-z]{26}$', ConstraintDescription: 'a cluster id' } },
      Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
    });
    const { create } = await attemptCreate({ TemplateBody: template }, { ClusterId: 'nope' });

    await expect(create).rejects.toMatchObject({ message: "Parameter 'ClusterId' failed to satisfy constraint: a cluster id" });
  });

  it('rejects stack names CloudFormation would reject', async () => {
    for (const StackName of ['1-starts-with-digit', 'has_underscore', 'x'.repeat(129)]) {
      const { create } = await attemptCreate({ StackName });
      await expect(create).rejects.toMatchObject({
        name: 'ValidationError',
        message: expect.stringContaining("at 'stackName' failed to satisfy constraint"),
      });
    }
  });

  it('requires CAPABILITY_IAM for a template with IAM resources', async () => {
    const { create, stackName } = await attemptCreate({ Capabilities: [] });

    await expect(create).rejects.toMatchObject({
      name: 'InsufficientCapabilitiesException',
      message: 'Requires capabilities : [CAPABILITY_IAM]',
    });
    await expectNothingCreated(stackName);
  });

  it('requires CAPABILITY_NAMED_IAM when an IAM resource has a custom name', async () => {
    const template = JSON.stringify({
      Resources: { NodeRole: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'swarm-node', AssumeRolePolicyDocument: {} } } },
    });

    const { create } = await attemptCreate({ TemplateBody: template, Parameters: [], Capabilities: ['CAPABILITY_IAM'] });

    await expect(create).rejects.toMatchObject({
      name: 'InsufficientCapabilitiesException',
      message: 'Requires capabilities : [CAPABILITY_NAMED_IAM]',
    });
  });

  it('rejects broken templates with a template format error', async () => {
    const unresolved = JSON.stringify({ Resources: { Sg: { Type: 'AWS::EC2::SecurityGroup', Properties: { VpcId: { Ref: 'Nowhere' } } } } });

    await expect((await attemptCreate({ TemplateBody: '{"Resources": ' })).create).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Template format error: JSON not well-formed.',
    });
    await expect((await attemptCreate({ TemplateBody: unresolved, Parameters: [] })).create).rejects.toMatchObject({
      message: 'Template format error: Unresolved resource dependencies [Nowhere] in the Resources block of the template',
    });
    await expect(test.cloudFormation.send(new ValidateTemplateCommand({ TemplateBody: unresolved }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });

  it('describes a valid template: parameters, defaults and the capability it needs', async () => {
    const summary = await test.cloudFormation.send(new ValidateTemplateCommand({ TemplateBody: MINI_SWARM_TEMPLATE }));

    expect(summary.Capabilities).toEqual(['CAPABILITY_IAM']);
    expect(summary.CapabilitiesReason).toContain('AWS::IAM::Role');
    expect(summary.Parameters).toContainEqual(expect.objectContaining({ ParameterKey: 'ManagerSize', DefaultValue: '3', NoEcho: false }));
  });
});

describe('simulated cloud: ClientRequestToken', () => {
  it('returns the same StackId for a retried CreateStack with the same token, and creates one stack', async () => {
    const { clusterId, stackName } = aClusterId();
    const input: CreateStackCommandInput = {
      StackName: stackName,
      TemplateBody: MINI_SWARM_TEMPLATE,
      Capabilities: ['CAPABILITY_IAM'],
      ClientRequestToken: `create-${clusterId}`,
      Parameters: [{ ParameterKey: 'ClusterId', ParameterValue: clusterId }],
    };

    const first = await test.cloudFormation.send(new CreateStackCommand(input));
    const retry = await test.cloudFormation.send(new CreateStackCommand(input));
    await waitForStackStatus(test, first.StackId ?? '', 'CREATE_COMPLETE');
    const afterCompletion = await test.cloudFormation.send(new CreateStackCommand(input));
    const { StackEvents } = await test.cloudFormation.send(new DescribeStackEventsCommand({ StackName: stackName }));

    expect(retry.StackId).toBe(first.StackId);
    expect(afterCompletion.StackId).toBe(first.StackId);
    expect(StackEvents?.filter((event) => event.LogicalResourceId === stackName && event.ResourceStatus === 'CREATE_IN_PROGRESS')).toHaveLength(1);
    const instances = await instancesWhere(test, [{ Name: 'tag:swarm-provisioner:cluster-id', Values: [clusterId] }]);
    expect(instances).toHaveLength(8);
  });

  it('answers AlreadyExistsException for the same name with another token or none', async () => {
    const { stackName, clusterId } = await createMiniSwarm(test);
    const again = (ClientRequestToken?: string) =>
      test.cloudFormation.send(
        new CreateStackCommand({
          StackName: stackName,
          TemplateBody: MINI_SWARM_TEMPLATE,
          Capabilities: ['CAPABILITY_IAM'],
          Parameters: [{ ParameterKey: 'ClusterId', ParameterValue: clusterId }],
          ...(ClientRequestToken ? { ClientRequestToken } : {}),
        }),
      );

    await expect(again('create-someone-else')).rejects.toMatchObject({
      name: 'AlreadyExistsException',
      message: `Stack [${stackName}] already exists`,
    });
    await expect(again()).rejects.toMatchObject({ name: 'AlreadyExistsException' });
  });

  it('frees the name once the stack is deleted, and the same name then gets a new StackId', async () => {
    const { stackId, stackName, clusterId } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
    await waitForStackStatus(test, stackId, 'DELETE_COMPLETE');

    const second = await test.cloudFormation.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: MINI_SWARM_TEMPLATE,
        Capabilities: ['CAPABILITY_IAM'],
        ClientRequestToken: `create-${clusterId}`,
        Parameters: [{ ParameterKey: 'ClusterId', ParameterValue: clusterId }],
      }),
    );

    expect(second.StackId).toBeDefined();
    expect(second.StackId).not.toBe(stackId);
  });
});
