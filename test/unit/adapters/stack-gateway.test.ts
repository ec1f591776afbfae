import {
  AlreadyExistsException,
  CloudFormationClient,
  CloudFormationServiceException,
  ContinueUpdateRollbackCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildStackGateway, buildStackUpdater } from '../../../src/adapters/cloudformation/stack-gateway';
import { StackAlreadyExistsError } from '../../../src/domain/errors';
import { TransientAwsError } from '../../../src/domain/errors';

const cfn = mockClient(CloudFormationClient);
const BOUNDARY = 'arn:aws:iam::123456789012:policy/swarm-provisioner-dev-swarm-node-boundary';
const gateway = () => buildStackGateway({ roleArn: 'arn:aws:iam::123456789012:role/swarm-stacks', permissionsBoundaryArn: BOUNDARY, templateBody: () => 'Resources: {}' });
const request = { region: 'us-east-1', stackName: 'swarm-c-1', clientRequestToken: 'create-c-1', parameters: { ManagerSize: '3' }, tags: { 'swarm-provisioner:cluster-id': 'c-1' } };

beforeEach(() => cfn.reset());

describe('stack gateway', () => {
  it('creates the stack through the service role with a token, tags, parameters and the node roles’ boundary', async () => {
    cfn.on(CreateStackCommand).resolves({ StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/swarm-c-1/abc' });

    const stackId = await gateway().createStack(request);

    expect(stackId).toBe('arn:aws:cloudformation:us-east-1:123456789012:stack/swarm-c-1/abc');
    expect(cfn).toHaveReceivedCommandWith(CreateStackCommand, {
      StackName: 'swarm-c-1',
      RoleARN: 'arn:aws:iam::123456789012:role/swarm-stacks',
      ClientRequestToken: 'create-c-1',
      Parameters: [
        { ParameterKey: 'ManagerSize', ParameterValue: '3' },
        { ParameterKey: 'PermissionsBoundaryArn', ParameterValue: BOUNDARY },
      ],
      Tags: [{ Key: 'swarm-provisioner:cluster-id', Value: 'c-1' }],
      TemplateBody: 'Resources: {}',
    });
  });

  it('reports a taken stack name as StackAlreadyExistsError', async () => {
    cfn.on(CreateStackCommand).rejects(new AlreadyExistsException({ message: 'Stack [swarm-c-1] already exists', $metadata: {} }));
    await expect(gateway().createStack(request)).rejects.toBeInstanceOf(StackAlreadyExistsError);
  });

  it('turns throttling into TransientAwsError so the workflow retries', async () => {
    cfn.on(CreateStackCommand).rejects(new CloudFormationServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    await expect(gateway().createStack(request)).rejects.toBeInstanceOf(TransientAwsError);
  });

  it('passes on a real refusal unchanged', async () => {
    cfn.on(CreateStackCommand).rejects(new CloudFormationServiceException({ name: 'ValidationError', $fault: 'client', message: 'Parameter ManagerSize failed to satisfy constraint', $metadata: { httpStatusCode: 400 } }));
    await expect(gateway().createStack(request)).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('reads a missing stack and a DELETE_COMPLETE one as undefined', async () => {
    cfn
      .on(DescribeStacksCommand, { StackName: 'gone' })
      .rejects(new CloudFormationServiceException({ name: 'ValidationError', $fault: 'client', message: 'Stack with id gone does not exist', $metadata: {} }))
      .on(DescribeStacksCommand, { StackName: 'deleted' })
      .resolves({ Stacks: [{ StackName: 'deleted', StackStatus: 'DELETE_COMPLETE', CreationTime: new Date() }] });
    await expect(gateway().describeStack('us-east-1', 'gone')).resolves.toBeUndefined();
    await expect(gateway().describeStack('us-east-1', 'deleted')).resolves.toBeUndefined();
  });

  it('maps outputs and tags into plain records', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'swarm-c-1', StackId: 'id-1', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'VPCID', OutputValue: 'vpc-1' }], Tags: [{ Key: 'k', Value: 'v' }] }],
    });
    await expect(gateway().describeStack('us-east-1', 'swarm-c-1')).resolves.toEqual({ stackId: 'id-1', stackName: 'swarm-c-1', status: 'CREATE_COMPLETE', statusReason: undefined, outputs: { VPCID: 'vpc-1' }, tags: { k: 'v' } });
  });

  it('reports LastUpdatedTime, which DescribeStacks returns once the stack has been updated, for the health sweep', async () => {
    // Prepare: "This field will only be returned if the stack has been updated at least once"
    // (Stack, https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html).
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'swarm-c-1', StackId: 'id-1', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date('2026-11-27T09:00:00Z'), LastUpdatedTime: new Date('2026-11-27T11:30:00Z') }],
    });

    // Act
    const stack = await gateway().describeStack('us-east-1', 'swarm-c-1');

    // Assess
    expect(stack).toMatchObject({ status: 'UPDATE_COMPLETE', lastUpdatedTime: '2026-11-27T11:30:00.000Z' });
  });

  it('follows stack event pages', async () => {
    const event = (id: string) => ({ StackId: 's', EventId: id, StackName: 's', Timestamp: new Date('2026-01-01T00:00:00Z'), LogicalResourceId: id, ResourceType: 'T', ResourceStatus: 'CREATE_COMPLETE' as const });
    cfn
      .on(DescribeStackEventsCommand, { StackName: 's', NextToken: undefined })
      .resolves({ StackEvents: [event('a')], NextToken: 'p2' })
      .on(DescribeStackEventsCommand, { StackName: 's', NextToken: 'p2' })
      .resolves({ StackEvents: [event('b')] });
    const events = await gateway().listStackEvents('us-east-1', 's');
    expect(events.map((e) => e.logicalResourceId)).toEqual(['a', 'b']);
  });

  it('deletes with a token through the service role, and treats a missing stack as deleted', async () => {
    cfn.on(DeleteStackCommand).resolvesOnce({}).rejectsOnce(new CloudFormationServiceException({ name: 'ValidationError', $fault: 'client', message: 'Stack with id x does not exist', $metadata: {} }));
    await gateway().deleteStack('us-east-1', 'swarm-c-1', 'cleanup-c-1');
    await expect(gateway().deleteStack('us-east-1', 'swarm-c-1', 'cleanup-c-1')).resolves.toBeUndefined();
    expect(cfn).toHaveReceivedCommandWith(DeleteStackCommand, { StackName: 'swarm-c-1', ClientRequestToken: 'cleanup-c-1', RoleARN: 'arn:aws:iam::123456789012:role/swarm-stacks' });
  });
});

describe('stack updater', () => {
  const updater = () => buildStackUpdater({ roleArn: 'arn:aws:iam::123456789012:role/swarm-stacks', permissionsBoundaryArn: BOUNDARY, templateBody: () => 'Resources: {}' });
  const update = { region: 'us-east-1', stackNameOrId: 'stack-1', clientRequestToken: 'update-c-1-u7', parameters: { ClusterSize: '2' } };
  const validationError = (message: string) => new CloudFormationServiceException({ name: 'ValidationError', $fault: 'client', message, $metadata: { httpStatusCode: 400 } });

  it('reads "can not be updated" during an earlier update’s rollback as the status that holds the stack; other ValidationErrors stay errors', async () => {
    // CloudFormation's wording, with the stack's ARN (e.g. https://github.com/remind101/empire/issues/932 for UPDATE_IN_PROGRESS).
    const arn = 'arn:aws:cloudformation:us-east-1:123456789012:stack/swarm-c-1/abc';
    cfn
      .on(UpdateStackCommand)
      .rejectsOnce(validationError(`Stack:${arn} is in UPDATE_ROLLBACK_FAILED state and can not be updated.`))
      .rejectsOnce(validationError(`Stack:${arn} is in UPDATE_ROLLBACK_IN_PROGRESS state and can not be updated.`))
      .rejectsOnce(validationError(`Stack:${arn} is in UPDATE_IN_PROGRESS state and can not be updated.`))
      .rejectsOnce(validationError('No updates are to be performed.'));

    const answers = [await updater().updateStack(update), await updater().updateStack(update)];
    const busy = await updater().updateStack(update).catch((error: Error) => error);
    const unchanged = await updater().updateStack(update);

    expect(answers).toEqual([{ rollingBack: 'UPDATE_ROLLBACK_FAILED' }, { rollingBack: 'UPDATE_ROLLBACK_IN_PROGRESS' }]);
    expect(busy).toMatchObject({ name: 'ValidationError' });
    expect(unchanged).toBe('unchanged');
  });

  it('continues a failed rollback through the service role with a token, and answers false once the stack has moved on', async () => {
    cfn
      .on(ContinueUpdateRollbackCommand)
      .resolvesOnce({})
      .rejectsOnce(validationError('ContinueUpdateRollback cannot be called from current stack status'));

    const first = await updater().continueUpdateRollback('us-east-1', 'stack-1', 'continue-update-c-1-u7');
    const second = await updater().continueUpdateRollback('us-east-1', 'stack-1', 'continue-update-c-1-u7');

    expect([first, second]).toEqual([true, false]);
    expect(cfn).toHaveReceivedCommandWith(ContinueUpdateRollbackCommand, {
      StackName: 'stack-1',
      RoleARN: 'arn:aws:iam::123456789012:role/swarm-stacks',
      ClientRequestToken: 'continue-update-c-1-u7',
    });
  });
});
