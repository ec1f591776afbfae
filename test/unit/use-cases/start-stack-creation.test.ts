/**
 * The create step's stack: claim, CreateStack, and what a name already taken means. CloudFormation is mocked at the
 * SDK boundary (aws-sdk-client-mock) behind the real gateway, so AWS's own error is what the use case meets; the
 * store is the embedded DynamoDB, whose conditional writes are part of what is under test.
 *
 * CreateStack's errors (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html):
 * AlreadyExistsException, HTTP 400, "The resource with the name requested already exists."; the message CloudFormation
 * sends for a stack name is `Stack [<name>] already exists`. A retried step sends the same ClientRequestToken and the
 * same name, so a stack it made itself the first time shows up here as that error too.
 */
import {
  AlreadyExistsException,
  CloudFormationClient,
  CloudFormationServiceException,
  CreateStackCommand,
  DescribeStacksCommand,
  InsufficientCapabilitiesException,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildStackGateway } from '../../../src/adapters/cloudformation/stack-gateway';
import { CLUSTER_TAGS, type Cluster } from '../../../src/domain/cluster';
import { StackNameTakenError, StaleClusterError, TransientAwsError } from '../../../src/domain/errors';
import { startStackCreation } from '../../../src/use-cases/start-stack-creation';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';

const cfn = mockClient(CloudFormationClient);
const ACCOUNT = '123456789012';
const stackArn = (name: string, uuid: string) => `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${name}/${uuid}`;
const alreadyExists = (name: string) => new AlreadyExistsException({ message: `Stack [${name}] already exists`, $metadata: { httpStatusCode: 400 } });
/** What DescribeStacks answers for a stack of that name with those tags. */
const describing = (name: string, uuid: string, tags: Record<string, string>) => ({
  Stacks: [{ StackId: stackArn(name, uuid), StackName: name, StackStatus: 'CREATE_IN_PROGRESS' as const, CreationTime: new Date('2026-11-26T11:59:00Z'), Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }],
});

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());
beforeEach(() => cfn.reset());

const deps = () => ({
  store: db.store,
  stacks: buildStackGateway({ roleArn: `arn:aws:iam::${ACCOUNT}:role/swarm-stacks`, permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/boundary`, templateBody: () => 'Resources: {}' }),
  clock: fixedClock(),
});

async function stored(overrides: Partial<Cluster> = {}): Promise<Cluster> {
  const cluster = aCluster(overrides);
  await db.store.create(cluster);
  return cluster;
}

const timelineOf = async (id: string) => (await db.store.listEvents(id, { limit: 100 })).items.map((e) => e.type);

describe('starting the stack of a create', () => {
  it('creates the stack under its deterministic name with the create token and our tags, and records its id', async () => {
    const cluster = await stored();
    cfn.on(CreateStackCommand).resolves({ StackId: stackArn(cluster.stackName, 'new') });

    const result = await startStackCreation(deps(), cluster.id);

    expect(result).toEqual({ proceed: true, stackId: stackArn(cluster.stackName, 'new'), wait: { key: 'create' } });
    expect(cfn).toHaveReceivedCommandTimes(CreateStackCommand, 1);
    const sent = cfn.commandCalls(CreateStackCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({ StackName: cluster.stackName, ClientRequestToken: `create-${cluster.id}` });
    expect(sent.Tags).toEqual(expect.arrayContaining([{ Key: CLUSTER_TAGS.clusterId, Value: cluster.id }, { Key: CLUSTER_TAGS.owner, Value: 'alice' }]));
    expect(await db.store.get(cluster.id)).toMatchObject({ stackId: stackArn(cluster.stackName, 'new'), stackRequestedAt: '2026-11-26T12:00:00.000Z', version: 3 });
    expect(await timelineOf(cluster.id)).toEqual(['stack.create_started']);
  });

  it('does not claim twice on a retry that finds the claim made: CreateStack again with the same token', async () => {
    const cluster = await stored({ stackRequestedAt: '2026-11-26T11:59:00.000Z' });
    cfn.on(CreateStackCommand).resolves({ StackId: stackArn(cluster.stackName, 'new') });

    await startStackCreation(deps(), cluster.id);

    const after = (await db.store.get(cluster.id))!;
    // One write (the stack id), not two: the claim's time is the first attempt's.
    expect(after).toMatchObject({ stackRequestedAt: '2026-11-26T11:59:00.000Z', version: 2 });
    expect(cfn.commandCalls(CreateStackCommand)[0]!.args[0].input.ClientRequestToken).toBe(`create-${cluster.id}`);
  });

  it('adopts a stack of its name that carries its own cluster-id tag (its own CreateStack, retried), and records it', async () => {
    const cluster = await stored();
    cfn.on(CreateStackCommand).rejects(alreadyExists(cluster.stackName));
    cfn.on(DescribeStacksCommand, { StackName: cluster.stackName }).resolves(describing(cluster.stackName, 'first', { [CLUSTER_TAGS.clusterId]: cluster.id, [CLUSTER_TAGS.managedBy]: 'swarm-provisioner' }));

    const result = await startStackCreation(deps(), cluster.id);

    expect(result).toEqual({ proceed: true, stackId: stackArn(cluster.stackName, 'first'), wait: { key: 'create' } });
    expect(cfn).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: cluster.stackName });
    expect((await db.store.get(cluster.id))?.stackId).toBe(stackArn(cluster.stackName, 'first'));
    expect(await timelineOf(cluster.id)).toEqual(['stack.create_started']);
  });

  it('writes nothing again when the adopted stack is the one already recorded (a retry after the stack id landed)', async () => {
    const id = 'c-adoptedbefore000000000000'; // the stack id is derived from the id, so it is chosen here
    const cluster = await stored({ id, stackName: `swarm-${id}`, stackRequestedAt: '2026-11-26T11:59:00.000Z', stackId: stackArn(`swarm-${id}`, 'first') });
    cfn.on(CreateStackCommand).rejects(alreadyExists(cluster.stackName));
    cfn.on(DescribeStacksCommand).resolves(describing(cluster.stackName, 'first', { [CLUSTER_TAGS.clusterId]: cluster.id }));

    const result = await startStackCreation(deps(), cluster.id);

    expect(result).toMatchObject({ proceed: true, stackId: stackArn(cluster.stackName, 'first') });
    expect((await db.store.get(cluster.id))?.version).toBe(1);
    expect(await timelineOf(cluster.id)).toEqual([]);
  });

  it.each([
    ['another cluster’s tag', { [CLUSTER_TAGS.clusterId]: 'c-someoneelse00000000000000000' }],
    ['no tag of ours at all (made by hand)', { team: 'platform' }],
    ['our owner tag but not our cluster id', { [CLUSTER_TAGS.owner]: 'alice' }],
  ])('refuses a taken name whose stack has %s, and records no stack', async (_case, tags) => {
    const cluster = await stored();
    cfn.on(CreateStackCommand).rejects(alreadyExists(cluster.stackName));
    cfn.on(DescribeStacksCommand).resolves(describing(cluster.stackName, 'theirs', tags));

    await expect(startStackCreation(deps(), cluster.id)).rejects.toThrow(new StackNameTakenError(cluster.stackName));

    const after = (await db.store.get(cluster.id))!;
    expect(after.stackId).toBeUndefined();
    expect(after.status).toBe('CREATING');
    expect(await timelineOf(cluster.id)).toEqual([]);
  });

  it('refuses a taken name whose stack cannot be read back (gone, or deleted meanwhile): nothing to adopt', async () => {
    const cluster = await stored();
    cfn.on(CreateStackCommand).rejects(alreadyExists(cluster.stackName));
    // DescribeStacks' answer for a name with no stack: a ValidationError "Stack with id <name> does not exist".
    cfn.on(DescribeStacksCommand).rejects(new CloudFormationServiceException({ name: 'ValidationError', $fault: 'client', message: `Stack with id ${cluster.stackName} does not exist`, $metadata: { httpStatusCode: 400 } }));

    await expect(startStackCreation(deps(), cluster.id)).rejects.toBeInstanceOf(StackNameTakenError);
    expect((await db.store.get(cluster.id))?.stackId).toBeUndefined();
  });

  it.each([
    ['throttling (retried by the workflow)', new CloudFormationServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }), TransientAwsError],
    ['a refusal that is not about the name', new InsufficientCapabilitiesException({ message: 'Requires capabilities : [CAPABILITY_NAMED_IAM]', $metadata: { httpStatusCode: 400 } }), InsufficientCapabilitiesException],
  ])('passes any other CreateStack error on (%s) without looking for a stack to adopt', async (_case, error, expected) => {
    const cluster = await stored();
    cfn.on(CreateStackCommand).rejects(error);

    await expect(startStackCreation(deps(), cluster.id)).rejects.toBeInstanceOf(expected);
    expect(cfn).not.toHaveReceivedCommand(DescribeStacksCommand);
    expect((await db.store.get(cluster.id))?.stackId).toBeUndefined();
  });

  it('fails the step (to be retried) when the stack id write loses to another writer and the cluster is still CREATING', async () => {
    const cluster = await stored();
    cfn.on(CreateStackCommand).callsFake(async () => {
      // Something else writes the record while CreateStack is in flight (a stack event, say); no cancel.
      const claimed = (await db.store.get(cluster.id))!;
      await db.store.update(claimed, { statusReason: 'creating: 1 of 40 resources' });
      return { StackId: stackArn(cluster.stackName, 'new') };
    });

    await expect(startStackCreation(deps(), cluster.id)).rejects.toBeInstanceOf(StaleClusterError);
    expect(await timelineOf(cluster.id)).toEqual([]);
  });

  it('stops, leaving the stack to the delete workflow, when a cancel lands while CreateStack is in flight', async () => {
    const cluster = await stored();
    cfn.on(CreateStackCommand).callsFake(async () => {
      const claimed = (await db.store.get(cluster.id))!;
      await db.store.update(claimed, { status: 'DELETING', statusReason: 'delete requested by the owner' });
      return { StackId: stackArn(cluster.stackName, 'new') };
    });

    const result = await startStackCreation(deps(), cluster.id);

    expect(result).toEqual({ proceed: false, status: 'DELETING' });
    expect((await db.store.get(cluster.id))?.stackId).toBeUndefined();
  });

  it('makes no stack for a cluster that is no longer CREATING', async () => {
    const cluster = await stored({ status: 'DELETING' });

    const result = await startStackCreation(deps(), cluster.id);

    expect(result).toEqual({ proceed: false, status: 'DELETING' });
    expect(cfn).not.toHaveReceivedCommand(CreateStackCommand);
  });
});
