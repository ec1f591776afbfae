/**
 * UpdateStack on the simulated cloud, through the real SDK clients, with the real Swarm template (its UpdatePolicy,
 * lifecycle hook and Mappings). Where the rules come from:
 *   - stack statuses of an update and its rollback: "Stack status codes",
 *     https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html
 *     (UPDATE_IN_PROGRESS → UPDATE_COMPLETE_CLEANUP_IN_PROGRESS → UPDATE_COMPLETE; UPDATE_ROLLBACK_IN_PROGRESS →
 *     UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS → UPDATE_ROLLBACK_COMPLETE, or UPDATE_ROLLBACK_FAILED);
 *   - UpdateStack errors (ValidationError): "No updates are to be performed." when nothing changes
 *     (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStack.html and the CLI's
 *     `aws cloudformation deploy --no-fail-on-empty-changeset` it exists for); "Stack:<stack id> is in
 *     UPDATE_IN_PROGRESS state and can not be updated." for a stack that is busy (as AWS answers it, e.g.
 *     https://github.com/remind101/empire/issues/932);
 *   - the rolling update: UpdatePolicy AutoScalingRollingUpdate (MaxBatchSize, MinInstancesInService,
 *     WaitOnResourceSignals, PauseTime), https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html;
 *     a failed update names its resources: "The following resource(s) failed to update: [NodeAsg]. ";
 *   - termination lifecycle hooks: the instance waits (Terminating:Wait) until the hook completes, then terminates,
 *     https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html; Auto Scaling sends
 *     `EC2 Instance-terminate Lifecycle Action` when it moves an instance to Terminating:Wait, shaped as the example of
 *     https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-event-reference.html
 *     (test/fixtures/aws-events/autoscaling-instance-terminate-lifecycle-action.json);
 *   - Swarm quorum: a majority of managers (2 of 3) must stay up, https://docs.docker.com/engine/swarm/admin_guide/.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelUpdateStackCommand,
  ContinueUpdateRollbackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  UpdateStackCommand,
  ValidateTemplateCommand,
  CreateStackCommand,
  type Parameter,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import type { EventBridgeEvent } from 'aws-lambda';
import type { AwsEvent } from '../../sandbox/cloud';
import {
  aClusterId,
  describeStack,
  instancesWhere,
  startTestCloud,
  waitFor,
  waitForStackStatus,
  type TestCloud,
} from './fixtures/simulated-cloud-harness';

const TEMPLATE = readFileSync(join(__dirname, '../../templates/swarm.yaml'), 'utf8');
const BOUNDARY = 'arn:aws:iam::000000000000:policy/swarm-node-boundary';
/** Updates roll whole swarms: a generous deadline for every wait (a hung update still fails the test). */
const UPDATE_DEADLINE = 20_000;

type Entry =
  | { kind: 'console'; instanceId: string; activity: string; line: string }
  | { kind: 'aws'; event: AwsEvent };

let test: TestCloud;
let log: Entry[];

beforeEach(async () => {
  log = [];
  test = await startTestCloud({
    onEvent: (line, details) => {
      if (details['service'] === 'autoscaling') {
        log.push({ kind: 'console', instanceId: String(details['instanceId']), activity: String(details['activity']), line });
      }
    },
    onAwsEvent: (event) => log.push({ kind: 'aws', event }),
  });
});
afterEach(async () => {
  await test.close();
});

type InstanceDetail = { 'instance-id': string; state: string };
type StackDetail = { 'stack-id': string; 'status-details': { status: string; 'status-reason': string }; 'client-request-token': string };
const isInstanceState = (event: AwsEvent): event is EventBridgeEvent<string, InstanceDetail> => event['detail-type'] === 'EC2 Instance State-change Notification';
const isStackStatus = (event: AwsEvent): event is EventBridgeEvent<string, StackDetail> => event['detail-type'] === 'CloudFormation Stack Status Change';

/** The index in the log of an instance's first EC2 state event in `state` (-1 if none). */
const stateAt = (instanceId: string, state: string): number =>
  log.findIndex((entry) => entry.kind === 'aws' && isInstanceState(entry.event) && entry.event.detail['instance-id'] === instanceId && entry.event.detail.state === state);
type LifecycleDetail = { EC2InstanceId: string; LifecycleHookName: string; LifecycleTransition: string; AutoScalingGroupName: string };
const isTerminateLifecycleAction = (event: AwsEvent): event is EventBridgeEvent<string, LifecycleDetail> => event['detail-type'] === 'EC2 Instance-terminate Lifecycle Action';
/** The index in the log of Auto Scaling's terminate lifecycle action for an instance (-1 if none). */
const lifecycleActionAt = (instanceId: string): number =>
  log.findIndex((entry) => entry.kind === 'aws' && isTerminateLifecycleAction(entry.event) && entry.event.detail.EC2InstanceId === instanceId);
const activityAt = (instanceId: string, activity: string): number =>
  log.findIndex((entry) => entry.kind === 'console' && entry.instanceId === instanceId && entry.activity.startsWith(activity));
const stackStatuses = (stackId: string): string[] =>
  log.flatMap((entry) => (entry.kind === 'aws' && isStackStatus(entry.event) && entry.event.detail['stack-id'] === stackId ? [entry.event.detail['status-details'].status] : []));

const createSwarm = async (parameters: Record<string, string> = {}, tags: Record<string, string> = {}): Promise<{ stackId: string; clusterId: string }> => {
  const { clusterId, stackName } = aClusterId();
  const { Capabilities } = await test.cloudFormation.send(new ValidateTemplateCommand({ TemplateBody: TEMPLATE }));
  const { StackId } = await test.cloudFormation.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: TEMPLATE,
      Capabilities,
      Parameters: Object.entries({ ClusterId: clusterId, PermissionsBoundaryArn: BOUNDARY, ...parameters }).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
      Tags: Object.entries({ 'swarm-provisioner:cluster-id': clusterId, ...tags }).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  await waitForStackStatus(test, StackId ?? '', 'CREATE_COMPLETE');
  return { stackId: StackId ?? '', clusterId };
};

/** An update as the service sends it: the stack's template again, every parameter kept except `changes`. */
const updateInput = async (stackId: string, changes: Record<string, string>, token?: string) => {
  const stack = await describeStack(test, stackId);
  const Parameters: Parameter[] = (stack.Parameters ?? []).map(({ ParameterKey }) =>
    ParameterKey !== undefined && ParameterKey in changes
      ? { ParameterKey, ParameterValue: changes[ParameterKey] }
      : { ParameterKey, UsePreviousValue: true },
  );
  return { StackName: stackId, UsePreviousTemplate: true, Parameters, Capabilities: stack.Capabilities, ...(token ? { ClientRequestToken: token } : {}) };
};
const update = async (stackId: string, changes: Record<string, string>, token?: string) =>
  test.cloudFormation.send(new UpdateStackCommand(await updateInput(stackId, changes, token)));

const running = async (clusterId: string, role: 'manager' | 'worker') =>
  instancesWhere(test, [
    { Name: 'tag:swarm-provisioner:cluster-id', Values: [clusterId] },
    { Name: 'tag:swarm-provisioner:role', Values: [role] },
    { Name: 'instance-state-name', Values: ['pending', 'running'] },
  ]);

const perZone = (instances: { Placement?: { AvailabilityZone?: string } }[]): number[] => {
  const counts = new Map<string, number>([['us-east-1a', 0], ['us-east-1b', 0], ['us-east-1c', 0]]);
  for (const instance of instances) {
    const zone = instance.Placement?.AvailabilityZone ?? '?';
    counts.set(zone, (counts.get(zone) ?? 0) + 1);
  }
  return [...counts.values()].sort((a, b) => b - a);
};

const allEvents = async (stackId: string): Promise<StackEvent[]> => {
  const { StackEvents } = await test.cloudFormation.send(new DescribeStackEventsCommand({ StackName: stackId }));
  return StackEvents ?? [];
};

describe('simulated cloud: UpdateStack scales a swarm', () => {
  it('scales 3+5 in to 3+2 over three zones, each leaving worker drained before EC2 shuts it down, then back out', async () => {
    const { stackId, clusterId } = await createSwarm();
    const managersBefore = (await running(clusterId, 'manager')).map((instance) => instance.InstanceId).sort();
    const workersBefore = (await running(clusterId, 'worker')).map((instance) => instance.InstanceId ?? '');

    await update(stackId, { ClusterSize: '2' }, 'scale-in-1');
    const scaledIn = await waitForStackStatus(test, stackId, 'UPDATE_COMPLETE', UPDATE_DEADLINE);
    const workersIn = await running(clusterId, 'worker');
    const gone = workersBefore.filter((id) => !workersIn.some((instance) => instance.InstanceId === id));

    expect(scaledIn.Parameters?.find((parameter) => parameter.ParameterKey === 'ClusterSize')?.ParameterValue).toBe('2');
    expect(workersIn).toHaveLength(2);
    expect(perZone(workersIn)).toEqual([1, 1, 0]);
    expect(gone).toHaveLength(3);
    for (const id of gone) {
      // The termination hook: wait, drain, leave, complete the hook; EC2's shutting-down only after all of it.
      expect(activityAt(id, 'Terminating:Wait')).toBeGreaterThanOrEqual(0);
      expect(activityAt(id, 'draining: tasks moved')).toBeGreaterThan(activityAt(id, 'Terminating:Wait'));
      expect(activityAt(id, 'left the swarm')).toBeGreaterThan(activityAt(id, 'draining: tasks moved'));
      expect(activityAt(id, 'lifecycle action swarm-leave: CONTINUE')).toBeGreaterThan(activityAt(id, 'left the swarm'));
      expect(stateAt(id, 'shutting-down')).toBeGreaterThan(activityAt(id, 'lifecycle action swarm-leave: CONTINUE'));
      // Auto Scaling's event for the wait, before the drain, so the service can show the drain as it starts.
      expect(lifecycleActionAt(id)).toBeGreaterThanOrEqual(0);
      expect(lifecycleActionAt(id)).toBeLessThan(activityAt(id, 'draining: tasks moved'));
    }
    const [action] = log.flatMap((entry) => (entry.kind === 'aws' && isTerminateLifecycleAction(entry.event) && entry.event.detail.EC2InstanceId === gone[0] ? [entry.event] : []));
    const example = JSON.parse(readFileSync(join(__dirname, '../fixtures/aws-events/autoscaling-instance-terminate-lifecycle-action.json'), 'utf8')) as EventBridgeEvent<string, Record<string, unknown>>;
    const { NotificationMetadata: _onlyWithMetadata, ...documentedDetail } = example.detail;
    expect(Object.keys(action!)).toEqual(Object.keys(example));
    expect(Object.keys(action!.detail)).toEqual(Object.keys(documentedDetail));
    expect(action).toMatchObject({
      source: 'aws.autoscaling',
      resources: [expect.stringMatching(/^arn:aws:autoscaling:us-east-1:\d{12}:autoScalingGroup:[0-9a-f-]{36}:autoScalingGroupName\/swarm-c-[0-9a-z]{26}-/)],
      detail: { EC2InstanceId: gone[0], LifecycleHookName: 'swarm-leave', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' },
    });
    expect((await running(clusterId, 'manager')).map((instance) => instance.InstanceId).sort()).toEqual(managersBefore);
    expect(stackStatuses(stackId)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE']);
    // The update's events carry its token, in DescribeStackEvents and in the EventBridge events.
    const updateEvents = (await allEvents(stackId)).filter((event) => event.ResourceStatus?.startsWith('UPDATE'));
    expect(updateEvents.every((event) => event.ClientRequestToken === 'scale-in-1')).toBe(true);
    expect(updateEvents.map((event) => `${event.LogicalResourceId} ${event.ResourceStatus}`)).toEqual(
      expect.arrayContaining(['NodeAsg UPDATE_IN_PROGRESS', 'NodeAsg UPDATE_COMPLETE']),
    );

    await update(stackId, { ClusterSize: '5' });
    await waitForStackStatus(test, stackId, 'UPDATE_COMPLETE', UPDATE_DEADLINE);
    const workersOut = await running(clusterId, 'worker');
    const added = workersOut.filter((instance) => !workersIn.some((kept) => kept.InstanceId === instance.InstanceId));

    expect(workersOut).toHaveLength(5);
    expect(perZone(workersOut)).toEqual([2, 2, 1]);
    expect(added).toHaveLength(3);
    const activity = (await (await fetch(`${test.cloud.endpoint}/_simulator/instances/${added[0]?.InstanceId}/activity`)).json()) as { activity: { activity: string }[] };
    expect(activity.activity.map((entry) => entry.activity)).toEqual(['joined the swarm as worker: signalled SUCCESS']);
    const signals = (await allEvents(stackId)).filter((event) => event.ResourceStatusReason?.startsWith('Received SUCCESS signal with UniqueId'));
    for (const instance of added) expect(signals.map((event) => event.ResourceStatusReason)).toContain(`Received SUCCESS signal with UniqueId ${instance.InstanceId}`);
  });
});

describe('simulated cloud: UpdateStack rolls a swarm onto a new launch template', () => {
  it('replaces every node on an instance-type change, managers one at a time, a majority of managers always running', async () => {
    const { stackId, clusterId } = await createSwarm();
    const before = [...(await running(clusterId, 'manager')), ...(await running(clusterId, 'worker'))].map((instance) => instance.InstanceId ?? '');
    const managerIds = new Set((await running(clusterId, 'manager')).map((instance) => instance.InstanceId ?? ''));
    const start = log.length;

    await update(stackId, { ManagerInstanceType: 'm6i.large', InstanceType: 'm6i.large' });
    await waitForStackStatus(test, stackId, 'UPDATE_COMPLETE', UPDATE_DEADLINE);
    const managers = await running(clusterId, 'manager');
    const workers = await running(clusterId, 'worker');

    expect(managers).toHaveLength(3);
    expect(workers).toHaveLength(5);
    expect([...managers, ...workers].every((instance) => instance.InstanceType === 'm6i.large')).toBe(true);
    expect([...managers, ...workers].some((instance) => before.includes(instance.InstanceId ?? ''))).toBe(false);
    expect(perZone(managers)).toEqual([1, 1, 1]);
    for (const id of before) expect(stateAt(id, 'shutting-down')).toBeGreaterThan(activityAt(id, 'draining: tasks moved'));

    // Replay the manager group's life from the events: in service = running and not yet told to leave.
    for (const manager of managers) managerIds.add(manager.InstanceId ?? '');
    const state = new Map<string, string>([...managerIds].map((id) => [id, before.includes(id) ? 'in-service' : 'absent']));
    let fewestInService = 3;
    let mostLeaving = 0;
    let mostPending = 0;
    for (const entry of log.slice(start)) {
      if (entry.kind === 'console' && managerIds.has(entry.instanceId) && entry.activity.startsWith('Terminating:Wait')) state.set(entry.instanceId, 'leaving');
      if (entry.kind === 'console' && managerIds.has(entry.instanceId) && entry.activity.startsWith('joined the swarm')) state.set(entry.instanceId, 'in-service');
      if (entry.kind === 'aws' && isInstanceState(entry.event) && managerIds.has(entry.event.detail['instance-id'])) {
        const id = entry.event.detail['instance-id'];
        if (entry.event.detail.state === 'pending') state.set(id, 'pending');
        if (entry.event.detail.state === 'shutting-down') state.set(id, 'gone');
      }
      const values = [...state.values()];
      fewestInService = Math.min(fewestInService, values.filter((value) => value === 'in-service').length);
      mostLeaving = Math.max(mostLeaving, values.filter((value) => value === 'leaving').length);
      mostPending = Math.max(mostPending, values.filter((value) => value === 'pending').length);
    }
    expect(fewestInService).toBeGreaterThanOrEqual(3); // MinInstancesInService = ManagerSize, so ≥ 2 (the majority) too
    expect(mostLeaving).toBe(1);
    expect(mostPending).toBe(1);
    const reasons = (await allEvents(stackId)).filter((event) => event.LogicalResourceId === 'ManagerAsg').map((event) => event.ResourceStatusReason ?? '');
    expect(reasons).toContain(
      'Rolling update initiated. Terminating 3 obsolete instance(s) in batches of 1, while keeping at least 3 instance(s) in service. Waiting on resource signals with a timeout of PT15M when new instances are added to the autoscaling group.',
    );
    expect(reasons).toContain('Temporarily setting autoscaling group MinSize and DesiredCapacity to 4.');
  });

  it('answers "No updates are to be performed." for the same template and parameters, and rolls every node once AWS publishes a new AMI', async () => {
    const { stackId, clusterId } = await createSwarm({ ClusterSize: '1' });
    const amiBefore = (await running(clusterId, 'worker'))[0]?.ImageId;

    await expect(update(stackId, {})).rejects.toMatchObject({ name: 'ValidationError', message: 'No updates are to be performed.' });
    const image = test.cloud.publishSsmParameter('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
    await update(stackId, {});
    const updated = await waitForStackStatus(test, stackId, 'UPDATE_COMPLETE', UPDATE_DEADLINE);
    const nodes = [...(await running(clusterId, 'manager')), ...(await running(clusterId, 'worker'))];

    expect(image).not.toBe(amiBefore);
    expect(updated.Parameters?.find((parameter) => parameter.ParameterKey === 'ImageId')?.ResolvedValue).toBe(image);
    expect(nodes).toHaveLength(4);
    expect(nodes.every((instance) => instance.ImageId === image)).toBe(true);
  });
});

describe('simulated cloud: UpdateStack refusals', () => {
  it('refuses an update and a delete while UPDATE_IN_PROGRESS with AWS messages, and takes a retried token as the same request', async () => {
    const { stackId } = await createSwarm({ ClusterSize: '1' });

    const { StackId } = await update(stackId, { InstanceType: 't3.medium' }, 'resize-1');
    const retried = await update(stackId, { InstanceType: 't3.medium' }, 'resize-1');
    const busy = update(stackId, { InstanceType: 't3.large' }, 'resize-2');
    const deleting = test.cloudFormation.send(new DeleteStackCommand({ StackName: stackId }));

    expect(retried.StackId).toBe(StackId);
    await expect(busy).rejects.toMatchObject({ name: 'ValidationError', message: `Stack:${stackId} is in UPDATE_IN_PROGRESS state and can not be updated.` });
    // AWS refuses a delete during an update ("Stack cannot be deleted while in status UPDATE_IN_PROGRESS",
    // https://github.com/aws/aws-toolkit-azure-devops/issues/317, where the name in brackets is elided).
    await expect(deleting).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/^Stack \[swarm-c-[0-9a-z]+\] cannot be deleted while in status UPDATE_IN_PROGRESS$/) });
    await waitForStackStatus(test, stackId, 'UPDATE_COMPLETE', UPDATE_DEADLINE);
    await expect(test.cloudFormation.send(new CancelUpdateStackCommand({ StackName: stackId }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'CancelUpdateStack cannot be called from current stack status',
    });
  });

  it('refuses an update of a stack that rolled back on create (ROLLBACK_COMPLETE cannot be updated)', async () => {
    const { clusterId, stackName } = aClusterId();
    test.cloud.injectFault(stackName, 'rollback');
    const { StackId } = await test.cloudFormation.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: TEMPLATE,
        Capabilities: ['CAPABILITY_IAM'],
        Parameters: [
          { ParameterKey: 'ClusterId', ParameterValue: clusterId },
          { ParameterKey: 'PermissionsBoundaryArn', ParameterValue: BOUNDARY },
        ],
      }),
    );
    await waitForStackStatus(test, StackId ?? '', 'ROLLBACK_COMPLETE');

    await expect(update(StackId ?? '', { ClusterSize: '2' })).rejects.toMatchObject({
      name: 'ValidationError',
      message: `Stack:${StackId} is in ROLLBACK_COMPLETE state and can not be updated.`,
    });
  });
});

describe('simulated cloud: a failed update rolls back', () => {
  it('rolls back to the previous parameters and instances when a new worker signals FAILURE (tag swarm-sim:fault=update-fail), naming NodeAsg', async () => {
    const { stackId, clusterId } = await createSwarm({ ClusterSize: '3' }, { 'swarm-sim:fault': 'update-fail' });
    const before = (await running(clusterId, 'worker')).map((instance) => instance.InstanceId).sort();

    await update(stackId, { InstanceType: 'm6i.large' }, 'resize-fails');
    const rolledBack = await waitForStackStatus(test, stackId, 'UPDATE_ROLLBACK_COMPLETE', UPDATE_DEADLINE);
    const workers = await running(clusterId, 'worker');
    const events = await allEvents(stackId);

    expect(rolledBack.Parameters?.find((parameter) => parameter.ParameterKey === 'InstanceType')?.ParameterValue).toBe('t3.small');
    expect(workers.map((instance) => instance.InstanceId).sort()).toEqual(before);
    expect(workers.every((instance) => instance.InstanceType === 't3.small')).toBe(true);
    expect(stackStatuses(stackId).slice(2)).toEqual([
      'UPDATE_IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE',
    ]);
    expect(events.find((event) => event.ResourceStatus === 'UPDATE_ROLLBACK_IN_PROGRESS')?.ResourceStatusReason).toBe(
      'The following resource(s) failed to update: [NodeAsg]. ',
    );
    expect(events.find((event) => event.LogicalResourceId === 'NodeAsg' && event.ResourceStatus === 'UPDATE_FAILED')?.ResourceStatusReason).toBe(
      'Received 1 FAILURE signal(s) out of 3. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement',
    );
    // The new worker that failed to join leaves through the hook without a drain; its batch-mates drain first.
    const failedSignal = events.find((event) => event.ResourceStatusReason?.startsWith('Received FAILURE signal with UniqueId'));
    const failedId = failedSignal?.ResourceStatusReason?.split(' ').at(-1) ?? '';
    expect(activityAt(failedId, 'draining')).toBe(-1);
    expect(activityAt(failedId, 'not in the swarm: nothing to drain')).toBeGreaterThanOrEqual(0);
    expect(stateAt(failedId, 'shutting-down')).toBeGreaterThan(activityAt(failedId, 'not in the swarm: nothing to drain'));
  });

  it('stops in UPDATE_ROLLBACK_FAILED under update-rollback-failed, and ContinueUpdateRollback finishes the rollback', async () => {
    const { stackId, clusterId } = await createSwarm({ ClusterSize: '2' });
    test.cloud.injectFault(stackId, 'update-fail');
    test.cloud.injectFault(stackId, 'update-rollback-failed');

    await update(stackId, { ClusterSize: '4', InstanceType: 't3.medium' });
    const failed = await waitForStackStatus(test, stackId, 'UPDATE_ROLLBACK_FAILED', UPDATE_DEADLINE);
    await test.cloudFormation.send(new ContinueUpdateRollbackCommand({ StackName: stackId }));
    await waitForStackStatus(test, stackId, 'UPDATE_ROLLBACK_COMPLETE', UPDATE_DEADLINE);
    const workers = await running(clusterId, 'worker');

    expect(failed.StackStatusReason).toBe('The following resource(s) failed to update: [NodeAsg]. ');
    expect(workers).toHaveLength(2);
    expect(workers.every((instance) => instance.InstanceType === 't3.small')).toBe(true);
  });

  it('rolls back on CancelUpdateStack with the resources cancelled', async () => {
    const { stackId, clusterId } = await createSwarm({ ClusterSize: '2' });

    await update(stackId, { InstanceType: 't3.medium' });
    await waitForStackStatus(test, stackId, 'UPDATE_IN_PROGRESS');
    await test.cloudFormation.send(new CancelUpdateStackCommand({ StackName: stackId }));
    await waitForStackStatus(test, stackId, 'UPDATE_ROLLBACK_COMPLETE', UPDATE_DEADLINE);
    const workers = await running(clusterId, 'worker');

    expect(workers).toHaveLength(2);
    expect(workers.every((instance) => instance.InstanceType === 't3.small')).toBe(true);
    expect(stackStatuses(stackId)).toContain('UPDATE_ROLLBACK_IN_PROGRESS');
  });
});

describe('simulated cloud: a restart during an update', () => {
  it('carries on with a rolling update after the process restarts on the same data folder', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sim-cloud-update-'));
    await test.close();
    try {
      // Prepare: a swarm in the middle of its instance-type change (the first manager replaced, at least).
      test = await startTestCloud({ dataDir, timeScale: 0.2 });
      const { stackId, clusterId } = await createSwarm({ ClusterSize: '2' });
      await update(stackId, { ManagerInstanceType: 'm6i.large', InstanceType: 'm6i.large' });
      await waitFor(
        async () => (await allEvents(stackId)).filter((event) => event.ResourceStatusReason?.startsWith('Successfully terminated instance(s)')),
        (events) => events.length >= 1,
        { timeoutMs: UPDATE_DEADLINE, what: 'a first batch replaced' },
      );
      await new Promise((resolve) => setTimeout(resolve, 300)); // the data folder is written within 250 ms

      // Act
      await test.close();
      test = await startTestCloud({ dataDir, timeScale: 0.2 });

      // Assess
      expect((await describeStack(test, stackId)).StackStatus).toBe('UPDATE_IN_PROGRESS');
      await waitForStackStatus(test, stackId, 'UPDATE_COMPLETE', 40_000);
      const nodes = [...(await running(clusterId, 'manager')), ...(await running(clusterId, 'worker'))];
      expect(nodes).toHaveLength(5);
      expect(nodes.every((instance) => instance.InstanceType === 'm6i.large')).toBe(true);
    } finally {
      // afterEach closes `test`: hand it a cloud without the folder, which goes now.
      await test.close();
      test = await startTestCloud();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
