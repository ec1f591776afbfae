/**
 * The EventBridge handlers against AWS's own documented examples (test/fixtures/aws-events/, each citing its page),
 * retargeted at one of our stacks and instances: the handlers read exactly the fields AWS sends.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EventBridgeEvent } from 'aws-lambda';
import { autoScalingEventsHandler, type AutoScalingInstanceDetail } from '../../../src/handlers/events/auto-scaling-events';
import { instanceEventsHandler, type InstanceStateDetail } from '../../../src/handlers/events/instance-events';
import { stackEventsHandler, type CloudFormationStatusDetail } from '../../../src/handlers/events/stack-events';
import { openWait } from '../../../src/domain/stack-wait';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeInstances, fakeTokens } from '../../support/fakes';
import { awaitInstances } from '../../../src/use-cases/await-instances';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const fixture = <T>(name: string): T => JSON.parse(readFileSync(resolve(__dirname, '../../fixtures/aws-events', name), 'utf8')) as T;
type StackEvent = EventBridgeEvent<'CloudFormation Stack Status Change' | 'CloudFormation Resource Status Change', CloudFormationStatusDetail>;

/** AWS's example, about our cluster's stack, with the time and status a scenario needs. */
function aboutOurStack(name: string, stackName: string, status: string, time: string): StackEvent {
  const event = fixture<StackEvent>(name);
  const stackId = `arn:aws:cloudformation:us-west-1:111122223333:stack/${stackName}/6a7e8feb-b491-4cf7-a9f1-bf3703467718`;
  return { ...event, time, resources: [stackId], detail: { ...event.detail, 'stack-id': stackId, 'status-details': { ...event.detail['status-details'], status } } };
}

describe('stackEvents', () => {
  it('resumes the waiting create with the Stack Status Change’s status', async () => {
    const cluster = aCluster({ status: 'CREATING', stackWait: { ...openWait('create', 'create', new Date('2017-12-22T18:40:00Z')), round: 1, token: 't1' } });
    await db.store.create(cluster);
    const tokens = fakeTokens();

    await stackEventsHandler({ waits: db.waits, tokens: tokens.tokens, store: db.store, clock: fixedClock(), heartbeatEverySeconds: 60 })(aboutOurStack('cloudformation-stack-status-change.json', cluster.stackName, 'CREATE_COMPLETE', '2017-12-22T18:43:48Z'));

    // The example's status-reason is "": no reason is no reason, not an empty one.
    expect(tokens.answers).toEqual([{ token: 't1', kind: 'success', output: { status: 'CREATE_COMPLETE', progress: 'complete', exhausted: false } }]);
  });

  it('records a Resource Status Change on the cluster’s progress and heartbeats the wait', async () => {
    const cluster = aCluster({ status: 'CREATING', stackWait: { ...openWait('create', 'create', new Date('2017-12-22T18:40:00Z')), round: 1, token: 't1' } });
    await db.store.create(cluster);
    await db.store.openStackResources(cluster.id, 36);
    const tokens = fakeTokens();

    await stackEventsHandler({ waits: db.waits, tokens: tokens.tokens, store: db.store, clock: fixedClock(), heartbeatEverySeconds: 60 })(aboutOurStack('cloudformation-resource-status-change.json', cluster.stackName, 'CREATE_COMPLETE', '2017-12-22T18:43:48Z'));

    expect((await db.store.getWithResources(cluster.id))?.stackResources).toEqual({ 'my-s3-bucket': { status: 'CREATE_COMPLETE', at: '2017-12-22T18:43:48.000Z', order: '2017-12-22T18:43:48.000Z#2' } });
    expect(tokens.answers).toEqual([{ token: 't1', kind: 'heartbeat' }]);
  });

  it('ignores the documented example as it is: `teststack` is not one of ours', async () => {
    const tokens = fakeTokens();
    await stackEventsHandler({ waits: db.waits, tokens: tokens.tokens, store: db.store, clock: fixedClock(), heartbeatEverySeconds: 60 })(fixture<StackEvent>('cloudformation-stack-status-change.json'));
    expect(tokens.answers).toEqual([]);
  });
});

describe('instanceEvents', () => {
  it('resumes the delete when the documented notification says the last instance is terminated', async () => {
    const cluster = aCluster({ status: 'DELETING' });
    await db.store.create(cluster);
    const tokens = fakeTokens();
    await awaitInstances(
      { store: db.store, instances: fakeInstances([{ instanceId: 'i-1234567890abcdef0', state: 'shutting-down' }]).inventory, waits: db.instanceWaits, tokens: tokens.tokens, clock: fixedClock(), maxRounds: 3 },
      { clusterId: cluster.id, taskToken: 't1' },
    );
    const event = fixture<EventBridgeEvent<'EC2 Instance State-change Notification', InstanceStateDetail>>('ec2-instance-state-change.json');

    await instanceEventsHandler({ waits: db.instanceWaits, nodes: db.nodes, tokens: tokens.tokens })(event);
    await instanceEventsHandler({ waits: db.instanceWaits, nodes: db.nodes, tokens: tokens.tokens })({ ...event, detail: { ...event.detail, state: 'terminated' } });

    expect(tokens.answers).toEqual([{ token: 't1', kind: 'success', output: { remaining: 0, total: 1 } }]);
  });
});

describe('autoScalingEvents', () => {
  type GroupEvent = EventBridgeEvent<string, AutoScalingInstanceDetail>;
  // The instanceEvents test above uses the examples' instance id; these use one of their own.
  const INSTANCE = 'i-0a1b2c3d4e5f60718';
  /** AWS's example (whose times and ARNs are placeholders), about a group of our cluster's stack. */
  function aboutOurGroup(name: string, groupName: string, time: string): GroupEvent {
    const event = fixture<GroupEvent>(name);
    return { ...event, time, detail: { ...event.detail, AutoScalingGroupName: groupName, EC2InstanceId: INSTANCE } };
  }

  it('adds the documented launch to a READY cluster’s nodes, in the event’s zone, and takes the documented termination out', async () => {
    const cluster = aCluster({ status: 'READY' });
    await db.store.create(cluster);
    const handler = autoScalingEventsHandler({ store: db.store, nodes: db.nodes, instances: fakeInstances().inventory, timeline: db.timeline, clock: fixedClock() });
    const group = `${cluster.stackName}-workers`;

    await handler(aboutOurGroup('autoscaling-instance-launch-successful.json', group, '2026-11-26T11:59:30Z'));
    const afterLaunch = (await db.store.get(cluster.id))?.nodes;
    await handler(aboutOurGroup('autoscaling-instance-terminate-successful.json', group, '2026-11-26T12:30:00Z'));

    // EC2 does not list the instance (the fake knows none): the node is what the event says.
    expect(afterLaunch).toEqual([{ instanceId: INSTANCE, role: 'worker', availabilityZone: 'us-west-2b', state: 'pending', stateAt: '2026-11-26T11:59:30Z' }]);
    expect((await db.store.get(cluster.id))?.nodes).toEqual([]);
  });

  it('puts the documented terminate lifecycle action on an UPDATING cluster’s timeline as the node draining, once for a redelivered copy', async () => {
    const cluster = aCluster({ status: 'UPDATING' });
    await db.store.create(cluster);
    const handler = autoScalingEventsHandler({ store: db.store, nodes: db.nodes, instances: fakeInstances().inventory, timeline: db.timeline, clock: fixedClock() });
    const event = aboutOurGroup('autoscaling-instance-terminate-lifecycle-action.json', `${cluster.stackName}-workers`, '2026-11-26T12:29:00Z');

    await handler(event);
    await handler(event);

    const { items } = await db.store.listEvents(cluster.id, { limit: 10 });
    expect(items.map((e) => [e.type, e.at, e.details?.['instanceId'], e.details?.['lifecycleHook']])).toEqual([['node.draining', '2026-11-26T12:29:00Z', INSTANCE, 'my-lifecycle-hook']]);
  });

  it('ignores the documented examples as they are: `my-auto-scaling-group` is not one of ours', async () => {
    const described = fakeInstances([], [{ instanceId: INSTANCE }]);
    const handler = autoScalingEventsHandler({ store: db.store, nodes: db.nodes, instances: described.inventory, timeline: db.timeline, clock: fixedClock() });
    const example = fixture<GroupEvent>('autoscaling-instance-launch-successful.json');

    await handler({ ...example, detail: { ...example.detail, EC2InstanceId: 'i-0ffffffffffffffff' } });

    expect(described.state.byIdCalls).toEqual([]);
    expect(await db.instanceWaits.clusterOf('i-0ffffffffffffffff')).toBeUndefined();
  });
});
