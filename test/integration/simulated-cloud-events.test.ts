/**
 * The EventBridge events the simulated cloud sends through `onAwsEvent`, compared with what AWS documents:
 *   - shapes: the examples kept in test/fixtures/aws-events (README there cites each page);
 *   - metadata every event on a bus carries, `version` "0" and a version 4 UUID `id` included
 *     (https://docs.aws.amazon.com/eventbridge/latest/ref/events-structure.html);
 *   - EC2 states: launch → pending → running, terminate → shutting-down → terminated
 *     (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-instance-state-changes.html);
 *   - CloudFormation events "are guaranteed to be delivered, so they may be delivered out of order"
 *     (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/eventbridge-integration.html): the events-*
 *     faults let the sandbox show a consumer lost, late and repeated events.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteStackCommand, DescribeStackEventsCommand, DescribeStacksCommand, type StackEvent } from '@aws-sdk/client-cloudformation';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { EventBridgeEvent } from 'aws-lambda';
import { parseCloudFormationTemplate } from '../../sandbox/cloudformation-yaml';
import type { AwsEvent } from '../../sandbox/cloud';
import { clusterIdOfAutoScalingGroup } from '../../src/domain/nodes';
import { CloudSimulation } from '../../sandbox/cloud/domain/cloud';
import { rememberingReader } from '../../sandbox/cloud/domain/template';
import {
  MINI_SWARM_TEMPLATE,
  TEST_TIME_SCALE,
  aClusterId,
  createMiniSwarm,
  describeStack,
  instancesOfCluster,
  instancesWhere,
  startTestCloud,
  waitFor,
  waitForStackStatus,
  type TestCloud,
} from './fixtures/simulated-cloud-harness';

type StatusDetail = { 'stack-id': string; 'status-details': { status: string; 'status-reason': string }; 'client-request-token': string };
type ResourceDetail = StatusDetail & { 'logical-resource-id': string; 'physical-resource-id': string; 'resource-type': string };
type InstanceDetail = { 'instance-id': string; state: string };

const STACK_STATUS = 'CloudFormation Stack Status Change';
const RESOURCE_STATUS = 'CloudFormation Resource Status Change';
const INSTANCE_STATE = 'EC2 Instance State-change Notification';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** EventBridge writes `time` to the second, as every documented example does. */
const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const fixture = (name: string): AwsEvent =>
  JSON.parse(readFileSync(join(__dirname, '../fixtures/aws-events', `${name}.json`), 'utf8')) as AwsEvent;

/** Keys and value types, recursively: what must agree between AWS's example and what the sandbox sends. */
type Shape = string | Shape[] | { [key: string]: Shape };
const shapeOf = (value: unknown): Shape => {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (value === null) return 'null';
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key, shapeOf(inner)]));
  }
  return typeof value;
};

const isStackStatus = (event: AwsEvent): event is EventBridgeEvent<typeof STACK_STATUS, StatusDetail> => event['detail-type'] === STACK_STATUS;
const isResourceStatus = (event: AwsEvent): event is EventBridgeEvent<typeof RESOURCE_STATUS, ResourceDetail> =>
  event['detail-type'] === RESOURCE_STATUS;
const isInstanceState = (event: AwsEvent): event is EventBridgeEvent<typeof INSTANCE_STATE, InstanceDetail> =>
  event['detail-type'] === INSTANCE_STATE;
type GroupDetail = { AutoScalingGroupName: string; EC2InstanceId: string; Details: { 'Availability Zone': string; 'Subnet ID': string } };
const isGroupChange = (event: AwsEvent): event is EventBridgeEvent<string, GroupDetail> => event.source === 'aws.autoscaling';
/** Auto Scaling's launches and terminations of these instances, as `<detail-type> <instance id>`. */
const groupChanges = (events: readonly AwsEvent[], instanceIds: readonly string[]): string[] =>
  events.flatMap((event) => (isGroupChange(event) && instanceIds.includes(event.detail.EC2InstanceId) ? [`${event['detail-type']} ${event.detail.EC2InstanceId}`] : []));

const ofStack = (events: readonly AwsEvent[], stackId: string): AwsEvent[] =>
  events.filter((event) => (isStackStatus(event) || isResourceStatus(event)) && event.detail['stack-id'] === stackId);
const stackStatuses = (events: readonly AwsEvent[], stackId: string): string[] =>
  ofStack(events, stackId).flatMap((event) => (isStackStatus(event) ? [event.detail['status-details'].status] : []));
const instanceStates = (events: readonly AwsEvent[], instanceIds: readonly string[]): Map<string, string[]> =>
  new Map(
    instanceIds.map((id) => [
      id,
      events.flatMap((event) => (isInstanceState(event) && event.detail['instance-id'] === id ? [event.detail.state] : [])),
    ]),
  );

/** What DescribeStackEvents lists, oldest first, as (resource, status) pairs the events must follow. */
const describedEvents = async (test: TestCloud, stackId: string): Promise<StackEvent[]> => {
  const { StackEvents = [] } = await test.cloudFormation.send(new DescribeStackEventsCommand({ StackName: stackId }));
  return [...StackEvents].reverse();
};
const asStep = (event: AwsEvent): string => {
  if (isStackStatus(event)) return `stack ${event.detail['status-details'].status}`;
  if (isResourceStatus(event)) return `${event.detail['logical-resource-id']} ${event.detail['status-details'].status}`;
  return `other ${event['detail-type']}`;
};
const describedStep = (event: StackEvent): string =>
  event.ResourceType === 'AWS::CloudFormation::Stack' ? `stack ${event.ResourceStatus}` : `${event.LogicalResourceId} ${event.ResourceStatus}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('simulated cloud: EventBridge events', () => {
  let test: TestCloud;
  const events: AwsEvent[] = [];
  /** What DescribeStacks / DescribeInstances answered, asked the moment a final event arrived. */
  const seenOnArrival: { event: AwsEvent; described: Promise<string | undefined> }[] = [];

  beforeAll(async () => {
    test = await startTestCloud({
      onAwsEvent: (event) => {
        events.push(event);
        if (isStackStatus(event) && event.detail['status-details'].status === 'DELETE_COMPLETE') {
          const described = test.cloudFormation
            .send(new DescribeStacksCommand({ StackName: event.detail['stack-id'] }))
            .then(({ Stacks }) => Stacks?.[0]?.StackStatus);
          seenOnArrival.push({ event, described });
        }
        if (isInstanceState(event) && event.detail.state === 'terminated') {
          const described = test.ec2
            .send(new DescribeInstancesCommand({ InstanceIds: [event.detail['instance-id']] }))
            .then(({ Reservations }) => Reservations?.[0]?.Instances?.[0]?.State?.Name);
          seenOnArrival.push({ event, described });
        }
      },
    });
  });
  afterAll(() => test.close());

  it('sends a create as CREATE_IN_PROGRESS … CREATE_COMPLETE, one resource event per DescribeStackEvents entry, in that order', async () => {
    const started = Date.now();
    const { stackId, clusterId } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    const described = await describedEvents(test, stackId);
    const instances = await instancesOfCluster(test, clusterId);
    const ids = instances.map((instance) => instance.InstanceId ?? '');
    await waitFor(
      async () => instanceStates(events, ids),
      (states) => [...states.values()].every((seen) => seen.includes('running')),
      { what: 'a running event for every instance' },
    );

    const sent = ofStack(events, stackId);
    expect(stackStatuses(events, stackId)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
    expect(sent[0]).toMatchObject({ detail: { 'status-details': { status: 'CREATE_IN_PROGRESS', 'status-reason': 'User Initiated' } } });
    expect(sent.at(-1)).toMatchObject({ 'detail-type': STACK_STATUS, detail: { 'status-details': { status: 'CREATE_COMPLETE' } } });
    // One event per entry DescribeStackEvents lists, in the order it lists them (oldest first).
    expect(sent.map(asStep)).toEqual(described.map(describedStep));
    const resourceEvents = sent.filter(isResourceStatus);
    const describedResources = described.filter((entry) => entry.ResourceType !== 'AWS::CloudFormation::Stack');
    resourceEvents.forEach((event, index) => {
      const entry = describedResources[index];
      expect(event.detail).toEqual({
        'stack-id': stackId,
        'logical-resource-id': entry?.LogicalResourceId,
        'physical-resource-id': entry?.PhysicalResourceId,
        'status-details': { status: entry?.ResourceStatus, 'status-reason': entry?.ResourceStatusReason ?? '' },
        'resource-type': entry?.ResourceType,
        'client-request-token': `create-${clusterId}`,
      });
      expect(event.time).toBe(entry?.Timestamp?.toISOString().replace(/\.\d+Z$/, 'Z'));
      expect(event.resources).toEqual([stackId]);
    });
    for (const event of sent) {
      expect(event).toMatchObject({ version: '0', source: 'aws.cloudformation', account: '000000000000', region: 'us-east-1' });
      expect(event.id).toMatch(UUID_V4);
      expect(event.time).toMatch(EVENT_TIME);
      expect(Date.parse(event.time)).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
      expect(Date.parse(event.time)).toBeLessThanOrEqual(Date.now());
    }
    expect(new Set(sent.map((event) => event.id)).size).toBe(sent.length);

    expect(ids).toHaveLength(8);
    for (const [id, states] of instanceStates(events, ids)) {
      expect(states).toEqual(['pending', 'running']);
      const event = events.find((candidate) => isInstanceState(candidate) && candidate.detail['instance-id'] === id);
      expect(event).toMatchObject({ source: 'aws.ec2', account: '000000000000', region: 'us-east-1', resources: [`arn:aws:ec2:us-east-1:000000000000:instance/${id}`] });
    }
  });

  it('sends events of the shapes AWS documents (keys and value types, recursively)', async () => {
    const { stackId } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    const stackEvent = events.find((event) => isStackStatus(event) && event.detail['stack-id'] === stackId);
    const resourceEvent = events.find((event) => isResourceStatus(event) && event.detail['stack-id'] === stackId);
    const instanceEvent = events.find(isInstanceState);

    expect(shapeOf(stackEvent)).toEqual(shapeOf(fixture('cloudformation-stack-status-change')));
    expect(shapeOf(resourceEvent)).toEqual(shapeOf(fixture('cloudformation-resource-status-change')));
    // The EC2 page's example leaves out `version`, which the metadata page says every event on a bus carries.
    expect(shapeOf(instanceEvent)).toEqual({ version: 'string', ...(shapeOf(fixture('ec2-instance-state-change')) as object) });
    // Key order too, as the examples write them (EventBridge delivers JSON; a reader may print it).
    expect(Object.keys(stackEvent ?? {})).toEqual(Object.keys(fixture('cloudformation-stack-status-change')));
    expect(Object.keys(resourceEvent?.detail ?? {})).toEqual(Object.keys(fixture('cloudformation-resource-status-change').detail as object));
  });

  it('sends Auto Scaling’s launch for each instance a group launches, after its pending, shaped as AWS documents it', async () => {
    const { stackId, stackName, clusterId } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    const instances = await instancesWhere(test, [{ Name: 'tag:aws:cloudformation:stack-id', Values: [stackId] }]);
    const ids = instances.map((instance) => instance.InstanceId ?? '');
    const launches = events.filter((event): event is EventBridgeEvent<string, GroupDetail> => isGroupChange(event) && ids.includes(event.detail.EC2InstanceId));

    expect(groupChanges(events, ids).sort()).toEqual(ids.map((id) => `EC2 Instance Launch Successful ${id}`).sort());
    for (const instance of instances) {
      const launch = launches.find((event) => event.detail.EC2InstanceId === instance.InstanceId)!;
      const group = instance.Tags?.find((tag) => tag.Key === 'aws:autoscaling:groupName')?.Value;
      // A group named by the template (<stack name>-managers) or by CloudFormation (<stack name>-<logical id>-<suffix>):
      // either starts with the stack's name, which the autoScalingEvents rule and the function read the cluster from.
      expect(group?.startsWith(`${stackName}-`)).toBe(true);
      expect(clusterIdOfAutoScalingGroup(group ?? '')).toBe(clusterId);
      expect(launch.detail).toMatchObject({ AutoScalingGroupName: group, Details: { 'Availability Zone': instance.Placement?.AvailabilityZone, 'Subnet ID': instance.SubnetId } });
      expect(launch.resources).toEqual([expect.stringMatching(/^arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:.+:autoScalingGroupName\//), `arn:aws:ec2:us-east-1:000000000000:instance/${instance.InstanceId}`]);
      const pendingAt = events.findIndex((event) => isInstanceState(event) && event.detail['instance-id'] === instance.InstanceId && event.detail.state === 'pending');
      expect(events.indexOf(launch)).toBeGreaterThan(pendingAt);
    }
    // Keys, value types and key order of the documented example (whose times and ARNs are placeholders).
    const example = fixture('autoscaling-instance-launch-successful');
    expect(shapeOf(launches[0])).toEqual(shapeOf(example));
    expect(Object.keys(launches[0]!.detail)).toEqual(Object.keys(example.detail as object));
    expect(launches[0]!.detail).toMatchObject({ StatusCode: 'InProgress', Description: `Launching a new EC2 instance: ${launches[0]!.detail.EC2InstanceId}`, StatusMessage: '' });
  });

  it('replaces an instance on request: the old one terminates, one launches in its zone, and Auto Scaling says both', async () => {
    const { stackId, stackName } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    const [victim] = await instancesWhere(test, [{ Name: 'tag:aws:cloudformation:stack-id', Values: [stackId] }]);
    const victimId = victim!.InstanceId!;

    const response = await fetch(`${test.cloud.endpoint}/_simulator/instances/${victimId}/replace`, { method: 'POST' });
    const { replacement } = (await response.json()) as { replacement: string };
    const [terminated, launched] = await waitFor(
      async () => instancesWhere(test, [{ Name: 'instance-id', Values: [victimId, replacement] }]).then((found) => [found.find((i) => i.InstanceId === victimId), found.find((i) => i.InstanceId === replacement)]),
      ([old, fresh]) => old?.State?.Name === 'terminated' && fresh?.State?.Name === 'running',
      { what: 'the old instance terminated and its replacement running' },
    );
    const terminateEvent = await waitFor(
      async () => events.find((event) => isGroupChange(event) && event['detail-type'] === 'EC2 Instance Terminate Successful' && event.detail.EC2InstanceId === victimId),
      (event) => event !== undefined,
      { what: 'the Terminate Successful event' },
    );

    expect(response.status).toBe(202);
    expect(launched?.Placement?.AvailabilityZone).toBe(terminated?.Placement?.AvailabilityZone);
    expect(launched?.Tags).toEqual(expect.arrayContaining([{ Key: 'aws:cloudformation:stack-name', Value: stackName }]));
    expect(groupChanges(events, [victimId, replacement])).toEqual([`EC2 Instance Launch Successful ${victimId}`, `EC2 Instance Launch Successful ${replacement}`, `EC2 Instance Terminate Successful ${victimId}`]);
    expect([...instanceStates(events, [victimId]).values()]).toEqual([['pending', 'running', 'shutting-down', 'terminated']]);
    const example = fixture('autoscaling-instance-terminate-successful');
    expect(shapeOf(terminateEvent)).toEqual(shapeOf(example));
    expect(Object.keys(terminateEvent!.detail as object)).toEqual(Object.keys(example.detail as object));
    // An instance no group runs, or not an instance id at all: refused.
    expect((await fetch(`${test.cloud.endpoint}/_simulator/instances/i-0000000000000000f/replace`, { method: 'POST' })).status).toBe(409);
    expect((await fetch(`${test.cloud.endpoint}/_simulator/instances/nope/replace`, { method: 'POST' })).status).toBe(404);
  });

  it('sends a delete as DELETE_IN_PROGRESS … DELETE_COMPLETE and each instance shutting-down then terminated, when the read APIs show it', async () => {
    const { stackId, stackName, clusterId } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    const ids = (await instancesOfCluster(test, clusterId)).map((instance) => instance.InstanceId ?? '');
    const createdUpTo = ofStack(events, stackId).length;

    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName, ClientRequestToken: `delete-${clusterId}` }));
    await waitForStackStatus(test, stackId, 'DELETE_COMPLETE');
    const terminated = await waitFor(
      () => instancesOfCluster(test, clusterId),
      (instances) => instances.length === 8 && instances.every((instance) => instance.State?.Name === 'terminated'),
      { what: 'instances terminated' },
    );
    await waitFor(
      async () => instanceStates(events, ids),
      (states) => [...states.values()].every((seen) => seen.includes('terminated')),
      { what: 'a terminated event for every instance' },
    );
    const described = await describedEvents(test, stackId);

    const deleting = ofStack(events, stackId).slice(createdUpTo);
    expect(stackStatuses(deleting, stackId)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    expect(deleting[0]).toMatchObject({ detail: { 'status-details': { status: 'DELETE_IN_PROGRESS', 'status-reason': 'User Initiated' } } });
    expect(deleting.at(-1)).toMatchObject({ 'detail-type': STACK_STATUS, detail: { 'status-details': { status: 'DELETE_COMPLETE' } } });
    expect(deleting.every((event) => (event.detail as StatusDetail)['client-request-token'] === `delete-${clusterId}`)).toBe(true);
    expect(ofStack(events, stackId).map(asStep)).toEqual(described.map(describedStep));
    expect(terminated.map((instance) => instance.InstanceId).sort()).toEqual([...ids].sort());
    for (const states of instanceStates(events, ids).values()) expect(states).toEqual(['pending', 'running', 'shutting-down', 'terminated']);

    // Asked the moment each final event arrived, the read APIs already agreed with it.
    const mine = seenOnArrival.filter(({ event }) =>
      isStackStatus(event) ? event.detail['stack-id'] === stackId : ids.includes((event.detail as InstanceDetail)['instance-id']),
    );
    expect(mine).toHaveLength(1 + ids.length);
    for (const { event, described: answer } of mine) {
      expect(await answer).toBe(isStackStatus(event) ? 'DELETE_COMPLETE' : 'terminated');
    }
  });
});

describe('simulated cloud: a listener that throws', () => {
  it('is reported and never fails the stack whose change it was told of', async () => {
    const lines: string[] = [];
    const local = await startTestCloud({
      onEvent: (message) => lines.push(message),
      onAwsEvent: () => {
        throw new Error('bus unavailable');
      },
    });
    try {
      const { stackId } = await createMiniSwarm(local);
      const created = await waitForStackStatus(local, stackId, 'CREATE_COMPLETE');

      expect(created.StackStatus).toBe('CREATE_COMPLETE');
      expect(lines).toContainEqual(expect.stringMatching(/simulator +internal error +bus unavailable/));
    } finally {
      await local.close();
    }
  });
});

describe('simulated cloud: events are sent when the simulation already shows them', () => {
  it('finds every event true of the stack, its resource or its instance at the moment it is heard, through a rollback and a delete', async () => {
    const mismatches: string[] = [];
    const heard: AwsEvent[] = [];
    const simulation: CloudSimulation = new CloudSimulation({
      region: 'us-east-1',
      timeScale: TEST_TIME_SCALE,
      readYaml: rememberingReader(parseCloudFormationTemplate),
      onStackStatus: () => undefined,
      onFaultArmed: () => undefined,
      onAwsEvent: (event) => {
        heard.push(event);
        if (isStackStatus(event)) {
          const stack = simulation.stacks.find(event.detail['stack-id']);
          if (stack?.status !== event.detail['status-details'].status) mismatches.push(`${asStep(event)} while the stack is ${stack?.status}`);
        } else if (isResourceStatus(event)) {
          const stack = simulation.stacks.find(event.detail['stack-id']);
          const resource = stack?.resources.find((candidate) => candidate.logicalId === event.detail['logical-resource-id']);
          if (resource?.status !== event.detail['status-details'].status) mismatches.push(`${asStep(event)} while it is ${resource?.status}`);
        } else if (isInstanceState(event)) {
          const instance = simulation.fleet.get(event.detail['instance-id']);
          if (instance?.state !== event.detail.state) mismatches.push(`${event.detail['instance-id']} ${event.detail.state} while it is ${instance?.state}`);
          if (event.detail.state === 'terminated' && instance?.publicIpAddress !== undefined) mismatches.push('terminated with a public address');
        }
      },
    });
    try {
      const create = (stackName: string) =>
        simulation.stacks.create({
          stackName,
          templateBody: MINI_SWARM_TEMPLATE,
          parameters: [{ key: 'ClusterId', value: aClusterId().clusterId }],
          tags: [],
          capabilities: ['CAPABILITY_IAM'],
          notificationArns: [],
        });
      const kept = create('swarm-kept');
      simulation.injectFault('swarm-failing', 'rollback');
      const failing = create('swarm-failing');
      const settle = (id: string, status: string) =>
        waitFor(async () => simulation.stacks.require(id).status, (current) => current === status, { what: `${id} ${status}` });
      await Promise.all([settle(kept, 'CREATE_COMPLETE'), settle(failing, 'ROLLBACK_COMPLETE')]);
      simulation.stacks.delete(kept);
      simulation.stacks.delete(failing);
      await Promise.all([settle(kept, 'DELETE_COMPLETE'), settle(failing, 'DELETE_COMPLETE')]);
      await waitFor(
        async () => simulation.fleet.list(),
        (instances) => instances.every((instance) => instance.state === 'terminated'),
        { what: 'every instance terminated' },
      );
      await sleep(50);

      const instanceIds = [...new Set(heard.filter(isInstanceState).map((event) => event.detail['instance-id']))];

      expect(mismatches).toEqual([]);
      expect(stackStatuses(heard, kept)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
      expect(stackStatuses(heard, failing)).toEqual(['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
      // 8 for the kept stack, 3 managers for the one that rolled back (its workers never launched).
      expect(instanceIds).toHaveLength(11);
      for (const states of instanceStates(heard, instanceIds).values()) expect(states).toEqual(['pending', 'running', 'shutting-down', 'terminated']);
    } finally {
      simulation.close();
    }
  });
});

describe('simulated cloud: event faults', () => {
  let test: TestCloud;
  const events: AwsEvent[] = [];
  beforeAll(async () => {
    test = await startTestCloud({ onAwsEvent: (event) => events.push(event) });
  });
  afterAll(() => test.close());

  it('events-drop-final (tag) leaves out the next final status event while DescribeStacks shows the status; the fault fires once', async () => {
    const { stackId, stackName, clusterId } = await createMiniSwarm(test, { Tags: [{ Key: 'swarm-sim:fault', Value: 'events-drop-final' }] });
    const created = await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    const described = await describedEvents(test, stackId);
    await sleep(100);
    const afterCreate = ofStack(events, stackId);

    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName, ClientRequestToken: `delete-${clusterId}` }));
    await waitForStackStatus(test, stackId, 'DELETE_COMPLETE');
    await waitFor(async () => stackStatuses(events, stackId), (statuses) => statuses.includes('DELETE_COMPLETE'), { what: 'DELETE_COMPLETE event' });

    expect(created.StackStatus).toBe('CREATE_COMPLETE');
    expect(stackStatuses(afterCreate, stackId)).toEqual(['CREATE_IN_PROGRESS']);
    // Only the stack's final event is missing: every resource event is still sent.
    expect(afterCreate.map(asStep)).toEqual(described.map(describedStep).filter((step) => step !== 'stack CREATE_COMPLETE'));
    expect(stackStatuses(events, stackId)).toEqual(['CREATE_IN_PROGRESS', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
  });

  it('events-drop-final armed over POST /_simulator/faults drops ROLLBACK_COMPLETE, not ROLLBACK_IN_PROGRESS', async () => {
    const { clusterId, stackName } = aClusterId();
    const armed = await fetch(`${test.cloud.endpoint}/_simulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ stack: stackName, fault: 'events-drop-final' }),
    });
    test.cloud.injectFault(stackName, 'rollback');
    const { stackId } = await createMiniSwarm(test, { StackName: stackName, ClientRequestToken: `create-${clusterId}` });
    await waitForStackStatus(test, stackId, 'ROLLBACK_COMPLETE');
    await sleep(100);

    expect(armed.status).toBe(202);
    expect((await describeStack(test, stackId)).StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(stackStatuses(events, stackId)).toEqual(['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS']);
  });

  it('events-delay:<ms> holds every event of the stack back that many simulated ms, in order; timeScale sets the pace', async () => {
    // Its own clouds: the delay is measured against the moment the simulation records the change (onEvent).
    const measure = async (timeScale: number): Promise<{ delays: number[]; inOrder: boolean }> => {
      const recorded = new Map<string, number>();
      const delays: number[] = [];
      const order: string[] = [];
      const local = await startTestCloud({
        timeScale,
        onEvent: (_message, details) => {
          if (details['service'] === 'cloudformation') recorded.set(`${String(details['stackId'])} ${String(details['status'])}`, performance.now());
        },
        onAwsEvent: (event) => {
          if (!isStackStatus(event)) return;
          const key = `${event.detail['stack-id']} ${event.detail['status-details'].status}`;
          order.push(event.detail['status-details'].status);
          const at = recorded.get(key);
          if (at !== undefined) delays.push(performance.now() - at);
        },
      });
      try {
        const { stackId } = await createMiniSwarm(local, {
          Tags: [{ Key: 'swarm-sim:fault', Value: 'events-delay:2000' }],
        });
        await waitForStackStatus(local, stackId, 'CREATE_COMPLETE');
        await waitFor(async () => order, (seen) => seen.includes('CREATE_COMPLETE'), { what: 'the delayed CREATE_COMPLETE' });
        return { delays, inOrder: order.join() === 'CREATE_IN_PROGRESS,CREATE_COMPLETE' };
      } finally {
        await local.close();
      }
    };

    const fast = await measure(0.02);
    const slow = await measure(0.1);

    expect(fast.inOrder && slow.inOrder).toBe(true);
    expect(fast.delays).toHaveLength(2);
    expect(slow.delays).toHaveLength(2);
    // 2000 simulated ms: 40 ms at 0.02, 200 ms at 0.1 (timers fire no earlier; the upper bound leaves room for load).
    for (const delay of fast.delays) expect(delay).toBeGreaterThanOrEqual(39);
    for (const delay of slow.delays) expect(delay).toBeGreaterThanOrEqual(199);
    expect(Math.min(...slow.delays)).toBeGreaterThan(Math.max(...fast.delays));
    for (const delay of fast.delays) expect(delay).toBeLessThan(1_000);
  }, 30_000);

  it('events-delay armed over HTTP takes its milliseconds as "ms"', async () => {
    const armed = await fetch(`${test.cloud.endpoint}/_simulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ stack: 'swarm-nobody', fault: 'events-delay', ms: 1500 }),
    });
    const rejected = await fetch(`${test.cloud.endpoint}/_simulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ stack: 'swarm-nobody', fault: 'events-delay', ms: -3 }),
    });

    expect(armed.status).toBe(202);
    expect(await armed.json()).toEqual({ stack: 'swarm-nobody', fault: 'events-delay', ms: 1500 });
    expect(rejected.status).toBe(400);
    expect(await rejected.text()).toContain('events-drop-final, events-delay, events-duplicate');
  });

  it('events-duplicate sends every event of the stack twice with the same id, the copy after the next event', async () => {
    const { stackId } = await createMiniSwarm(test, { Tags: [{ Key: 'swarm-sim:fault', Value: 'events-duplicate' }] });
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    const described = await describedEvents(test, stackId);
    const ids = (await instancesWhere(test, [{ Name: 'tag:aws:cloudformation:stack-id', Values: [stackId] }])).map((instance) => instance.InstanceId ?? '');
    const isMine = (event: AwsEvent): boolean =>
      ofStack([event], stackId).length === 1 ||
      (isInstanceState(event) && ids.includes(event.detail['instance-id'])) ||
      (isGroupChange(event) && ids.includes(event.detail.EC2InstanceId));
    // The last event's copy comes on its own, DUPLICATE_STRAGGLER (1000 simulated ms) later.
    const delivered = await waitFor(
      async () => events.filter(isMine),
      (mine) => mine.length === 2 * new Set(mine.map((event) => event.id)).size && mine.filter(isStackStatus).length === 4,
      { what: 'every event of the stack twice' },
    );

    const firsts = delivered.filter((event, index) => delivered.findIndex((other) => other.id === event.id) === index);
    expect(ofStack(firsts, stackId).map(asStep)).toEqual(described.map(describedStep));
    expect(firsts.filter(isInstanceState)).toHaveLength(16);
    expect(firsts.filter(isGroupChange)).toHaveLength(8);
    firsts.forEach((event, index) => {
      const copyAt = delivered.findLastIndex((other) => other.id === event.id);
      expect(delivered[copyAt]).toEqual(event);
      const next = firsts[index + 1];
      // Out of order: the copy comes after the event that followed the original.
      if (next) expect(copyAt).toBeGreaterThan(delivered.indexOf(next));
    });
  });

  it('rejects a malformed events-delay tag as CloudFormation rejects a bad tag value', async () => {
    await expect(
      createMiniSwarm(test, { Tags: [{ Key: 'swarm-sim:fault', Value: 'events-delay:soon' }] }),
    ).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining('events-delay: :milliseconds') });
  });
});
