import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { DescribeAvailabilityZonesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import {
  aClusterId,
  createMiniSwarm,
  describeStack,
  instancesOfCluster,
  startTestCloud,
  waitFor,
  waitForStackStatus,
  type TestCloud,
} from './fixtures/simulated-cloud-harness';

let test: TestCloud;
beforeAll(async () => {
  test = await startTestCloud();
});
afterAll(() => test.close());

const chronologicalEvents = async (stackId: string): Promise<StackEvent[]> => {
  const { StackEvents = [] } = await test.cloudFormation.send(new DescribeStackEventsCommand({ StackName: stackId }));
  return [...StackEvents].reverse();
};

describe('simulated cloud: rollback fault', () => {
  it('fails ManagerAsg with its root cause, rolls back every created resource and terminates its instances', async () => {
    const { stackId, clusterId } = await createMiniSwarm(test);
    test.cloud.injectFault(stackId, 'rollback');

    const rolledBack = await waitForStackStatus(test, stackId, 'ROLLBACK_COMPLETE');
    const events = await chronologicalEvents(stackId);
    const instances = await waitFor(
      () => instancesOfCluster(test, clusterId),
      (found) => found.every((instance) => ['shutting-down', 'terminated'].includes(instance.State?.Name ?? '')),
      { what: 'manager instances terminating' },
    );

    expect(rolledBack.Outputs ?? []).toEqual([]);
    const failure = events.find((event) => event.ResourceStatus === 'CREATE_FAILED');
    expect(failure).toMatchObject({
      LogicalResourceId: 'ManagerAsg',
      ResourceStatusReason: 'Received 0 SUCCESS signals out of 3. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement',
    });
    const rollback = events.find((event) => event.ResourceStatus === 'ROLLBACK_IN_PROGRESS');
    expect(rollback?.ResourceStatusReason).toBe('The following resource(s) failed to create: [ManagerAsg]. Rollback requested by user.');
    const created = events.filter((event) => event.ResourceStatus === 'CREATE_COMPLETE').map((event) => event.LogicalResourceId);
    const deleted = events.filter((event) => event.ResourceStatus === 'DELETE_COMPLETE').map((event) => event.LogicalResourceId);
    expect(created.length).toBeGreaterThan(0);
    expect(deleted.sort()).toEqual([...created, 'ManagerAsg'].sort());
    expect(events.at(-1)?.ResourceStatus).toBe('ROLLBACK_COMPLETE');
    expect(events.some((event) => event.LogicalResourceId === 'NodeAsg')).toBe(false);
    expect(instances).toHaveLength(3);
  });

  it('takes the fault from the swarm-sim:fault tag and cancels the group still being created', async () => {
    const template = readFileSync(join(__dirname, '../../templates/swarm.yaml'), 'utf8');
    const { clusterId, stackName } = aClusterId();
    const { StackId = '' } = await test.cloudFormation.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: template,
        Capabilities: ['CAPABILITY_IAM'],
        // Required: the stack gateway passes the deployment's node boundary on every create.
        Parameters: [
          { ParameterKey: 'ClusterId', ParameterValue: clusterId },
          { ParameterKey: 'PermissionsBoundaryArn', ParameterValue: 'arn:aws:iam::000000000000:policy/swarm-node-boundary' },
        ],
        Tags: [{ Key: 'swarm-sim:fault', Value: 'rollback' }],
      }),
    );

    await waitForStackStatus(test, StackId, 'ROLLBACK_COMPLETE');
    const events = await chronologicalEvents(StackId);

    const failed = Object.fromEntries(
      events.filter((event) => event.ResourceStatus === 'CREATE_FAILED').map((event) => [event.LogicalResourceId, event.ResourceStatusReason]),
    );
    expect(failed).toEqual({
      ManagerAsg: expect.stringMatching(/^Received 0 SUCCESS signals out of 3\./),
      NodeAsg: 'Resource creation cancelled',
    });
    expect(events.find((event) => event.ResourceStatus === 'ROLLBACK_IN_PROGRESS')?.ResourceStatusReason).toBe(
      'The following resource(s) failed to create: [ManagerAsg, NodeAsg]. Rollback requested by user.',
    );
  });

  it('runs a DeleteStack that arrives during the rollback once the rollback is complete', async () => {
    const { stackId, stackName } = await createMiniSwarm(test);
    test.cloud.injectFault(stackName, 'rollback');
    await waitForStackStatus(test, stackId, 'ROLLBACK_IN_PROGRESS');

    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName, ClientRequestToken: 'cleanup-during-rollback' }));
    await waitForStackStatus(test, stackId, 'DELETE_COMPLETE');

    const statuses = (await chronologicalEvents(stackId))
      .filter((event) => event.LogicalResourceId === stackName)
      .map((event) => event.ResourceStatus);
    expect(statuses).toEqual(['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
  });

  it('stops at CREATE_FAILED without rolling back when DisableRollback is set', async () => {
    const { stackId, stackName } = await createMiniSwarm(test, { DisableRollback: true });
    test.cloud.injectFault(stackName, 'rollback');

    const failed = await waitForStackStatus(test, stackId, 'CREATE_FAILED');

    expect(failed.StackStatusReason).toBe('The following resource(s) failed to create: [ManagerAsg]. ');
    expect(failed.DisableRollback).toBe(true);
  });
});

describe('simulated cloud: throttle fault', () => {
  it('answers the next calls for the stack with Throttling, which the SDK raises by name', async () => {
    const { stackName, stackId } = await createMiniSwarm(test);
    test.cloud.injectFault(stackName, 'throttle', 2);

    const throttled = test.cloudFormationOnce.send(new DescribeStacksCommand({ StackName: stackId }));
    await expect(throttled).rejects.toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(test.cloudFormationOnce.send(new DescribeStackEventsCommand({ StackName: stackName }))).rejects.toMatchObject({
      name: 'Throttling',
    });
    await expect(describeStack(test, stackName)).resolves.toMatchObject({ StackId: stackId });
  });

  it('is absorbed by the SDK retry strategy when it lasts fewer calls than the attempts', async () => {
    const { stackName } = await createMiniSwarm(test);
    const before = test.cloud.callCount('DescribeStacks');
    test.cloud.injectFault(stackName, 'throttle', 1);

    const stack = await describeStack(test, stackName);

    expect(stack.StackName).toBe(stackName);
    expect(test.cloud.callCount('DescribeStacks')).toBe(before + 2);
  });

  it('throttles EC2 calls about the stack instances with RequestLimitExceeded, and every call with *', async () => {
    const { stackId, stackName, clusterId } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    test.cloud.injectFault(stackName, 'throttle');

    await expect(
      test.ec2Once.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:swarm-provisioner:cluster-id', Values: [clusterId] }] })),
    ).rejects.toMatchObject({ name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 400 } });
    await expect(instancesOfCluster(test, clusterId)).resolves.toHaveLength(8);

    test.cloud.injectFault('*', 'throttle');
    await expect(test.ec2Once.send(new DescribeAvailabilityZonesCommand({}))).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    await expect(test.ec2Once.send(new DescribeAvailabilityZonesCommand({}))).resolves.toBeDefined();
  });

  it('is armed over HTTP with POST /_simulator/faults', async () => {
    const { stackName } = await createMiniSwarm(test);

    const armed = await fetch(`${test.cloud.endpoint}/_simulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stack: stackName, fault: 'throttle', count: 1 }),
    });
    const rejected = await fetch(`${test.cloud.endpoint}/_simulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stack: stackName, fault: 'meteor' }),
    });

    expect(armed.status).toBe(202);
    expect(rejected.status).toBe(400);
    expect(rejected.headers.get('content-type')).toBe('application/problem+json');
    await expect(test.cloudFormationOnce.send(new DescribeStacksCommand({ StackName: stackName }))).rejects.toMatchObject({
      name: 'Throttling',
    });
    await expect(describeStack(test, stackName)).resolves.toBeDefined();
  });
});

describe('simulated cloud: delete faults', () => {
  it('delete-failed-once: the first DeleteStack ends DELETE_FAILED on the security group, the next one succeeds', async () => {
    const { stackId, stackName } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    test.cloud.injectFault(stackName, 'delete-failed-once');

    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
    const failed = await waitForStackStatus(test, stackId, 'DELETE_FAILED');
    const events = await chronologicalEvents(stackId);
    const { StackResourceSummaries = [] } = await test.cloudFormation.send(new ListStackResourcesCommand({ StackName: stackName }));

    expect(failed.StackStatusReason).toBe('The following resource(s) failed to delete: [SwarmWideSecurityGroup]. ');
    expect(events.find((event) => event.ResourceStatus === 'DELETE_FAILED')?.ResourceStatusReason).toMatch(
      /^resource sg-[0-9a-f]{17} has a dependent object \(Service: Ec2, Status Code: 400, Request ID: [0-9a-f-]{36}\)$/,
    );
    const statusOf = (logicalId: string) => StackResourceSummaries.find((r) => r.LogicalResourceId === logicalId)?.ResourceStatus;
    expect(statusOf('SwarmWideSecurityGroup')).toBe('DELETE_FAILED');
    expect(statusOf('Vpc')).toBe('CREATE_COMPLETE');
    expect(statusOf('ManagerAsg')).toBe('DELETE_COMPLETE');

    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
    await waitForStackStatus(test, stackId, 'DELETE_COMPLETE');
  });

  it('delete-failed: every DeleteStack ends DELETE_FAILED', async () => {
    const { stackId, stackName } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    test.cloud.injectFault(stackName, 'delete-failed');

    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
    await waitForStackStatus(test, stackId, 'DELETE_FAILED');
    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
    const again = await waitForStackStatus(test, stackId, 'DELETE_FAILED');

    const events = await chronologicalEvents(stackId);
    expect(events.filter((event) => event.LogicalResourceId === stackName && event.ResourceStatus === 'DELETE_FAILED')).toHaveLength(2);
    expect(again.StackStatusReason).toContain('failed to delete');
  });
});

describe('simulated cloud: DeleteStack tokens', () => {
  it('ignores a DeleteStack whose token it has seen, even after that delete failed; a fresh token deletes again', async () => {
    const { stackId, stackName } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    test.cloud.injectFault(stackName, 'delete-failed-once');

    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName, ClientRequestToken: 'delete-attempt-1' }));
    await waitForStackStatus(test, stackId, 'DELETE_FAILED');
    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName, ClientRequestToken: 'delete-attempt-1' }));
    const afterRepeat = await describeStack(test, stackId);
    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName, ClientRequestToken: 'delete-attempt-2' }));
    await waitForStackStatus(test, stackId, 'DELETE_COMPLETE');

    expect(afterRepeat.StackStatus).toBe('DELETE_FAILED');
    const events = await chronologicalEvents(stackId);
    const starts = events.filter((event) => event.LogicalResourceId === stackName && event.ResourceStatus === 'DELETE_IN_PROGRESS');
    expect(starts.map((event) => event.ClientRequestToken)).toEqual(['delete-attempt-1', 'delete-attempt-2']);
  });
});

describe('simulated cloud: gone fault', () => {
  it('takes an existing stack away out of band: unknown by name, DELETE_COMPLETE by id, instances terminating', async () => {
    const { stackId, stackName, clusterId } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');

    test.cloud.injectFault(stackName, 'gone');

    await expect(test.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: `Stack with id ${stackName} does not exist`,
    });
    expect((await describeStack(test, stackId)).StackStatus).toBe('DELETE_COMPLETE');
    const instances = await instancesOfCluster(test, clusterId);
    expect(instances.every((instance) => ['shutting-down', 'terminated'].includes(instance.State?.Name ?? ''))).toBe(true);
  });

  it('from the tag: the stack reaches CREATE_COMPLETE, then disappears', async () => {
    const { stackId, stackName } = await createMiniSwarm(test, {
      Tags: [{ Key: 'swarm-sim:fault', Value: 'gone' }],
    });

    // Polling the status could miss CREATE_COMPLETE on a loaded machine (it may last less than one poll): wait for
    // the stack to go, then read from its events that it was complete first.
    await waitFor(
      () => test.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName })).then(() => 'present', () => 'gone'),
      (state) => state === 'gone',
      { what: 'the stack to disappear' },
    );

    expect((await describeStack(test, stackId)).StackStatus).toBe('DELETE_COMPLETE');
    const statuses = (await chronologicalEvents(stackId)).filter((event) => event.LogicalResourceId === stackName).map((event) => event.ResourceStatus);
    expect(statuses.slice(0, 2)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
    expect(statuses.at(-1)).toBe('DELETE_COMPLETE');
  });
});
