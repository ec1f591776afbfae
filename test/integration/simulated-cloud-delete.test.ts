import {
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import {
  createMiniSwarm,
  describeStack,
  instancesOfCluster,
  instancesWhere,
  startTestCloud,
  waitFor,
  waitForStackStatus,
  type TestCloud,
} from './fixtures/simulated-cloud-harness';

let test: TestCloud;
const LINGER_TIME_SCALE = 0.25;
const statusLines: string[] = [];
beforeAll(async () => {
  test = await startTestCloud({ onEvent: (message) => statusLines.push(message) });
});
afterAll(() => test.close());

describe('simulated cloud: deleting a stack', () => {
  it('goes DELETE_IN_PROGRESS to DELETE_COMPLETE while instances linger in shutting-down before terminated', async () => {
    // Its own, slower cloud: the window observed here (about 5 simulated seconds after DELETE_COMPLETE) must stay
    // wider than a describe round trip on a loaded machine, which TEST_TIME_SCALE's 250 ms is not.
    const test = await startTestCloud({ timeScale: LINGER_TIME_SCALE, onEvent: (message) => statusLines.push(message) });
    try {
      await lingersInShuttingDown(test);
    } finally {
      await test.close();
    }
  }, 60_000);

  const lingersInShuttingDown = async (test: TestCloud): Promise<void> => {
    const { stackId, stackName, clusterId } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');

    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName, ClientRequestToken: `delete-${clusterId}` }));
    const deleting = await describeStack(test, stackName);
    const shuttingDown = await waitFor(
      () => instancesOfCluster(test, clusterId),
      (instances) => instances.length === 8 && instances.every((instance) => instance.State?.Name === 'shutting-down'),
      { what: 'instances shutting down' },
    );
    const deleted = await waitForStackStatus(test, stackId, 'DELETE_COMPLETE');
    // Two simulated seconds after the stack is gone (longer than a service's poll interval), they are still going.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, deleted.DeletionTime!.getTime() + 2_000 * LINGER_TIME_SCALE - Date.now())));
    const afterStackDeleted = await instancesOfCluster(test, clusterId);
    const terminated = await waitFor(
      () => instancesWhere(test, [{ Name: 'tag:swarm-provisioner:cluster-id', Values: [clusterId] }, { Name: 'instance-state-name', Values: ['terminated'] }]),
      (instances) => instances.length === 8,
      { what: 'instances terminated' },
    );

    expect(deleting.StackStatus).toBe('DELETE_IN_PROGRESS');
    expect(shuttingDown.every((instance) => instance.State?.Code === 32)).toBe(true);
    // Still terminating well after the stack is gone: a service must wait for `terminated`, not for DELETE_COMPLETE.
    expect(afterStackDeleted.map((instance) => instance.State?.Name)).toEqual(Array(8).fill('shutting-down'));
    expect(deleted.DeletionTime).toBeInstanceOf(Date);
    expect(deleted.Outputs ?? []).toEqual([]);
    expect(terminated.every((instance) => instance.State?.Code === 48 && instance.PublicIpAddress === undefined)).toBe(true);
    expect(statusLines).toContain(`cloudformation  ${stackName}  DELETE_COMPLETE`);
  };

  it('deletes resources in reverse dependency order, each with its events and the delete token', async () => {
    const { stackId, stackName, clusterId } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');

    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackId, ClientRequestToken: `delete-${clusterId}` }));
    await waitForStackStatus(test, stackId, 'DELETE_COMPLETE');
    const { StackEvents = [] } = await test.cloudFormation.send(new DescribeStackEventsCommand({ StackName: stackId }));
    const { StackResourceSummaries = [] } = await test.cloudFormation.send(new ListStackResourcesCommand({ StackName: stackId }));

    const deletion = StackEvents.filter((event) => event.ClientRequestToken === `delete-${clusterId}`).reverse();
    const sequence = deletion.map((event) => `${event.LogicalResourceId} ${event.ResourceStatus}`);
    expect(sequence[0]).toBe(`${stackName} DELETE_IN_PROGRESS`);
    expect(sequence.at(-1)).toBe(`${stackName} DELETE_COMPLETE`);
    const deletedBefore = (first: string, then: string): boolean =>
      sequence.indexOf(`${first} DELETE_COMPLETE`) < sequence.indexOf(`${then} DELETE_IN_PROGRESS`);
    expect(deletedBefore('NodeAsg', 'ManagerAsg')).toBe(true);
    expect(deletedBefore('ManagerAsg', 'ManagerLaunchTemplate')).toBe(true);
    expect(deletedBefore('PublicSubnet1', 'Vpc')).toBe(true);
    expect(deletedBefore('SwarmWideSecurityGroup', 'Vpc')).toBe(true);
    expect(StackResourceSummaries.length).toBeGreaterThan(0);
    expect(StackResourceSummaries.every((resource) => resource.ResourceStatus === 'DELETE_COMPLETE')).toBe(true);
  });

  it('forgets the stack by name but still answers DELETE_COMPLETE by StackId', async () => {
    const { stackId, stackName } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');

    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
    await waitForStackStatus(test, stackId, 'DELETE_COMPLETE');

    await expect(test.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: `Stack with id ${stackName} does not exist`,
    });
    const byId = await describeStack(test, stackId);
    expect(byId.StackStatus).toBe('DELETE_COMPLETE');
    const { Stacks = [] } = await test.cloudFormation.send(new DescribeStacksCommand({}));
    expect(Stacks.some((stack) => stack.StackId === stackId)).toBe(false);
  });

  it('accepts DeleteStack for a stack that does not exist and a repeated DeleteStack while deleting', async () => {
    const { stackId, stackName } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');

    await expect(test.cloudFormation.send(new DeleteStackCommand({ StackName: 'swarm-never-created' }))).resolves.toBeDefined();
    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
    await waitForStackStatus(test, stackId, 'DELETE_COMPLETE');
    await expect(test.cloudFormation.send(new DeleteStackCommand({ StackName: stackId }))).resolves.toBeDefined();

    const { StackEvents = [] } = await test.cloudFormation.send(new DescribeStackEventsCommand({ StackName: stackId }));
    expect(StackEvents.filter((event) => event.LogicalResourceId === stackName && event.ResourceStatus === 'DELETE_IN_PROGRESS')).toHaveLength(1);
  });

  it('cancels a creation in progress when the stack is deleted, and terminates what it launched', async () => {
    const { stackId, stackName, clusterId } = await createMiniSwarm(test);
    await waitFor(() => instancesOfCluster(test, clusterId), (instances) => instances.length > 0, { what: 'first instances' });

    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
    await waitForStackStatus(test, stackId, 'DELETE_COMPLETE');
    const instances = await waitFor(
      () => instancesOfCluster(test, clusterId),
      (found) => found.every((instance) => instance.State?.Name === 'terminated'),
      { what: 'launched instances terminated' },
    );

    expect(instances.length).toBeGreaterThan(0);
    const { StackEvents = [] } = await test.cloudFormation.send(new DescribeStackEventsCommand({ StackName: stackId }));
    expect(StackEvents.some((event) => event.ResourceStatusReason === 'Resource creation cancelled')).toBe(true);
    expect(StackEvents.some((event) => event.LogicalResourceId === stackName && event.ResourceStatus === 'CREATE_COMPLETE')).toBe(false);
  });
});
