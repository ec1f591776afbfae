/**
 * The EventBridge events CloudFormation and EC2 send to the default bus, built from what the simulation records, in
 * the shapes AWS documents (test/fixtures/aws-events/ keeps an example of each, with its page):
 *   - `CloudFormation Stack Status Change` for every change of a stack's own status,
 *   - `CloudFormation Resource Status Change` for every resource event DescribeStackEvents lists,
 *   - `EC2 Instance State-change Notification` for every instance state change,
 *   - `EC2 Instance Launch Successful` / `EC2 Instance Terminate Successful` for every instance a group launches or
 *     terminates, and `EC2 Instance-terminate Lifecycle Action` when a group puts one in Terminating:Wait.
 * `AwsEventStream` hands them to the listener as they happen, in order, unless an `events-*` fault aimed at the stack
 * drops, delays or duplicates them (see faults.ts and the README).
 */
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import type { FaultBook, StackHandle } from './faults';
import type { Instance, InstanceStateName } from './fleet';
import { ACCOUNT_ID } from './ids';
import type { Scheduler } from './scheduler';
import { isStackStatusEvent, type Stack, type StackEvent } from './stack-model';

export type AwsEvent = EventBridgeEvent<string, unknown>;
export type AwsEventListener = (event: AwsEvent) => void;

export const STACK_STATUS_CHANGE = 'CloudFormation Stack Status Change';
export const RESOURCE_STATUS_CHANGE = 'CloudFormation Resource Status Change';
export const INSTANCE_STATE_CHANGE = 'EC2 Instance State-change Notification';
export const INSTANCE_LAUNCH_SUCCESSFUL = 'EC2 Instance Launch Successful';
export const INSTANCE_TERMINATE_SUCCESSFUL = 'EC2 Instance Terminate Successful';
export const INSTANCE_TERMINATE_LIFECYCLE_ACTION = 'EC2 Instance-terminate Lifecycle Action';

interface StatusDetails {
  status: string;
  'status-reason': string;
}

export interface StackStatusDetail {
  'stack-id': string;
  'status-details': StatusDetails;
  'client-request-token': string;
}

export interface ResourceStatusDetail {
  'stack-id': string;
  'logical-resource-id': string;
  'physical-resource-id': string;
  'status-details': StatusDetails;
  'resource-type': string;
  'client-request-token': string;
}

export interface InstanceStateDetail {
  'instance-id': string;
  state: InstanceStateName;
}

/** Auto Scaling's `detail` for a successful launch or termination, keys in the documented order. */
export interface AutoScalingInstanceDetail {
  StatusCode: string;
  Description: string;
  AutoScalingGroupName: string;
  ActivityId: string;
  Details: { 'Availability Zone': string; 'Subnet ID': string };
  RequestId: string;
  StatusMessage: string;
  EndTime: string;
  EC2InstanceId: string;
  StartTime: string;
  Cause: string;
}

/** EventBridge's `time`: UTC to the second, as in every documented example ("2017-12-22T18:43:48Z"). */
const eventTime = (date: Date): string => date.toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * The metadata every event on a bus carries, in the documented order
 * (https://docs.aws.amazon.com/eventbridge/latest/ref/events-structure.html); `id` is a version 4 UUID.
 */
const envelope = <T extends string, D>(
  source: string,
  detailType: T,
  region: string,
  time: Date,
  resources: string[],
  detail: D,
): EventBridgeEvent<T, D> => ({
  version: '0',
  id: randomUUID(),
  'detail-type': detailType,
  source,
  account: ACCOUNT_ID,
  time: eventTime(time),
  region,
  resources,
  detail,
});

const statusDetails = (event: StackEvent): StatusDetails => ({
  status: event.resourceStatus,
  // CloudFormation sends "" where there is no reason and no token (the documented examples).
  'status-reason': event.resourceStatusReason ?? '',
});

export const stackStatusChange = (region: string, event: StackEvent): EventBridgeEvent<typeof STACK_STATUS_CHANGE, StackStatusDetail> =>
  envelope('aws.cloudformation', STACK_STATUS_CHANGE, region, event.timestamp, [event.stackId], {
    'stack-id': event.stackId,
    'status-details': statusDetails(event),
    'client-request-token': event.clientRequestToken ?? '',
  });

export const resourceStatusChange = (
  region: string,
  event: StackEvent,
): EventBridgeEvent<typeof RESOURCE_STATUS_CHANGE, ResourceStatusDetail> =>
  envelope('aws.cloudformation', RESOURCE_STATUS_CHANGE, region, event.timestamp, [event.stackId], {
    'stack-id': event.stackId,
    'logical-resource-id': event.logicalResourceId,
    'physical-resource-id': event.physicalResourceId,
    'status-details': statusDetails(event),
    'resource-type': event.resourceType,
    'client-request-token': event.clientRequestToken ?? '',
  });

export const instanceArn = (region: string, instanceId: string): string => `arn:aws:ec2:${region}:${ACCOUNT_ID}:instance/${instanceId}`;

export const instanceStateChange = (
  region: string,
  instance: Instance,
  time = new Date(),
): EventBridgeEvent<typeof INSTANCE_STATE_CHANGE, InstanceStateDetail> =>
  envelope('aws.ec2', INSTANCE_STATE_CHANGE, region, time, [instanceArn(region, instance.instanceId)], {
    'instance-id': instance.instanceId,
    state: instance.state,
  });

/** The group's ARN as Auto Scaling writes it; the UUID is the group's, made up here from nothing better. */
const groupArn = (region: string, groupName: string): string =>
  `arn:aws:autoscaling:${region}:${ACCOUNT_ID}:autoScalingGroup:${randomUUID()}:autoScalingGroupName/${groupName}`;

/**
 * `EC2 Instance Launch Successful` / `EC2 Instance Terminate Successful`, shaped as the examples of
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-event-reference.html
 * (test/fixtures/aws-events/autoscaling-*.json); `resources` are the group's ARN and the instance's.
 */
export const autoScalingInstanceChange = (
  region: string,
  instance: Instance,
  groupName: string,
  detailType: typeof INSTANCE_LAUNCH_SUCCESSFUL | typeof INSTANCE_TERMINATE_SUCCESSFUL,
  time = new Date(),
): EventBridgeEvent<typeof detailType, AutoScalingInstanceDetail> => {
  const launch = detailType === INSTANCE_LAUNCH_SUCCESSFUL;
  const at = eventTime(time);
  return envelope('aws.autoscaling', detailType, region, time, [groupArn(region, groupName), instanceArn(region, instance.instanceId)], {
    StatusCode: 'InProgress',
    Description: launch ? `Launching a new EC2 instance: ${instance.instanceId}` : `Terminating EC2 instance: ${instance.instanceId}`,
    AutoScalingGroupName: groupName,
    ActivityId: randomUUID(),
    Details: { 'Availability Zone': instance.availabilityZone, 'Subnet ID': instance.subnetId ?? '' },
    RequestId: randomUUID(),
    StatusMessage: '',
    EndTime: at,
    EC2InstanceId: instance.instanceId,
    StartTime: at,
    Cause: launch
      ? `At ${at} an instance was started in response to a difference between desired and actual capacity.`
      : `At ${at} an instance was taken out of service in response to a user request or a failed health check.`,
  });
};

/** Auto Scaling's `detail` for an instance put in a wait state by a lifecycle hook, keys in the documented order. */
export interface LifecycleActionDetail {
  LifecycleActionToken: string;
  AutoScalingGroupName: string;
  LifecycleHookName: string;
  EC2InstanceId: string;
  LifecycleTransition: string;
}

/**
 * `EC2 Instance-terminate Lifecycle Action`, shaped as the example of the same page
 * (test/fixtures/aws-events/autoscaling-instance-terminate-lifecycle-action.json): `resources` is the group's ARN
 * alone. The example's `NotificationMetadata` is there only for a hook that has some; the template's have none.
 */
export const terminateLifecycleAction = (
  region: string,
  instanceId: string,
  groupName: string,
  hookName: string,
  time = new Date(),
): EventBridgeEvent<typeof INSTANCE_TERMINATE_LIFECYCLE_ACTION, LifecycleActionDetail> =>
  envelope('aws.autoscaling', INSTANCE_TERMINATE_LIFECYCLE_ACTION, region, time, [groupArn(region, groupName)], {
    LifecycleActionToken: randomUUID(),
    AutoScalingGroupName: groupName,
    LifecycleHookName: hookName,
    EC2InstanceId: instanceId,
    LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
  });

/** The group that launched an instance, from the tag Auto Scaling puts on its instances. */
const groupOfInstance = (instance: Instance): string | undefined => instance.tags.find((tag) => tag.key === 'aws:autoscaling:groupName')?.value;

/** A stack status no operation moves on from by itself: *_COMPLETE or *_FAILED (ROLLBACK_COMPLETE included). */
const isFinalStatus = (status: string): boolean => !status.endsWith('_IN_PROGRESS');

/** The stack an instance was launched for, from the tags CloudFormation puts on its group's instances. */
const stackOfInstance = (instance: Instance): StackHandle | undefined => {
  const id = instance.tags.find((tag) => tag.key === 'aws:cloudformation:stack-id')?.value;
  const name = instance.tags.find((tag) => tag.key === 'aws:cloudformation:stack-name')?.value;
  return id !== undefined && name !== undefined ? { id, name } : undefined;
};

/**
 * With `events-duplicate`, the copy of an event that has had no successor after this long (simulated ms) is sent on
 * its own, so the last event of an operation is duplicated too.
 */
export const DUPLICATE_STRAGGLER = 1_000;

export interface AwsEventStreamOptions {
  region: string;
  scheduler: Scheduler;
  faults: FaultBook;
  listener: AwsEventListener;
  /** A throw from the listener: reported, never let into the simulation step that caused the event. */
  onListenerError: (error: unknown) => void;
}

interface HeldCopy {
  event: AwsEvent;
  cancel: () => void;
}

/**
 * Turns what the simulation records into EventBridge events and hands them to the listener, synchronously and in
 * the order they happen, so that when the listener hears of a status the read APIs already show it. The `events-*`
 * faults of the stack an event belongs to (its instances' included) apply on the way:
 *   - `events-drop-final`: the stack's next final status event is not sent (the status itself is real);
 *   - `events-delay`: every event is sent that many simulated ms later (all of them, so in order among themselves);
 *   - `events-duplicate`: every event is sent twice, the copy right after the stack's next event (out of order), or
 *     on its own after DUPLICATE_STRAGGLER when none comes. A copy keeps the event's `id`, as a redelivery does.
 */
export class AwsEventStream {
  private readonly heldCopies = new Map<string, HeldCopy>();

  constructor(private readonly options: AwsEventStreamOptions) {}

  /** Any event a stack logs: its own status change or one of its resources'. */
  stackEventLogged(stack: Stack, event: StackEvent): void {
    const handle = { id: stack.id, name: stack.name };
    if (isStackStatusEvent(stack, event)) {
      if (isFinalStatus(event.resourceStatus) && this.options.faults.take('events-drop-final', [handle])) return;
      this.publish(handle, stackStatusChange(this.options.region, event));
    } else {
      this.publish(handle, resourceStatusChange(this.options.region, event));
    }
  }

  /**
   * EC2's state change, and for an instance of an auto-scaling group Auto Scaling's own event once the launch (the
   * instance is `pending`) or the termination (`terminated`) is done.
   */
  instanceStateChanged(instance: Instance): void {
    const stack = stackOfInstance(instance);
    this.publish(stack, instanceStateChange(this.options.region, instance));
    const group = groupOfInstance(instance);
    if (group === undefined) return;
    if (instance.state === 'pending') this.publish(stack, autoScalingInstanceChange(this.options.region, instance, group, INSTANCE_LAUNCH_SUCCESSFUL));
    if (instance.state === 'terminated') this.publish(stack, autoScalingInstanceChange(this.options.region, instance, group, INSTANCE_TERMINATE_SUCCESSFUL));
  }

  /** A group put one of its instances in Terminating:Wait for a termination lifecycle hook. */
  terminationHookStarted(instance: Instance, groupName: string, hookName: string): void {
    this.publish(stackOfInstance(instance), terminateLifecycleAction(this.options.region, instance.instanceId, groupName, hookName));
  }

  private publish(stack: StackHandle | undefined, event: AwsEvent): void {
    if (!stack) {
      this.send(event, undefined);
      return;
    }
    const { faults, scheduler } = this.options;
    const delay = faults.eventDelay(stack);
    this.send(event, delay);
    const held = this.heldCopies.get(stack.id);
    if (held) {
      this.heldCopies.delete(stack.id);
      held.cancel();
      this.send(held.event, delay);
    }
    if (!faults.has('events-duplicate', stack)) return;
    // A copy, so that a listener that changes what it was given does not change the redelivery.
    const copy = structuredClone(event);
    const cancel = scheduler.after(DUPLICATE_STRAGGLER, () => {
      if (this.heldCopies.get(stack.id)?.event !== copy) return;
      this.heldCopies.delete(stack.id);
      this.send(copy, delay);
    });
    this.heldCopies.set(stack.id, { event: copy, cancel });
  }

  private send(event: AwsEvent, delay: number | undefined): void {
    if (delay === undefined) this.deliver(event);
    else this.options.scheduler.after(delay, () => this.deliver(event));
  }

  private deliver(event: AwsEvent): void {
    try {
      this.options.listener(event);
    } catch (error) {
      this.options.onListenerError(error);
    }
  }
}
