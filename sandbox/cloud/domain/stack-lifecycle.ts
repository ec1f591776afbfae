import { randomUUID } from 'node:crypto';
import { AUTO_SCALING_GROUP, desiredCapacity, launchRequest, launchSignature } from './auto-scaling';
import { CloudError } from './errors';
import type { FaultBook } from './faults';
import type { Fleet } from './fleet';
import { Timeline, type Scheduler } from './scheduler';
import {
  resourcesIn,
  setResourceStatus,
  setStackStatus,
  type ResourceStatus,
  type Stack,
  type StackEventListener,
  type StackResourceState,
  type StackStatus,
  type StatusListener,
} from './stack-model';

/** Simulated milliseconds at time scale 1. A default cluster (3 managers, 5 workers) is created in about 5 s. */
export const PACE = {
  createBase: 3_000,
  createPerInstance: 250,
  createMax: 30_000,
  delete: 3_000,
  /**
   * Instances stay `shutting-down` this long from the moment their group starts deleting: about 5 s past the stack's
   * DELETE_COMPLETE, as on AWS, where EC2 finishes terminating after the stack is gone. Longer than a poll interval,
   * so a service that waits for `terminated` is seen waiting.
   */
  shutdown: 8_000,
  terminatedRetention: 60_000,
  /** How long a DELETE_COMPLETE stack stays readable by id before the sandbox forgets it (AWS: 90 days). */
  deletedStackRetention: 600_000,
  /** How soon after CREATE_COMPLETE a stack with a pending `gone` fault disappears. */
  goneAfterCreate: 1_500,
} as const;

/** Relative effort per resource type; the plan is stretched to the stack's total duration. */
const CREATE_WEIGHT: Record<string, number> = {
  'AWS::EC2::VPC': 3,
  'AWS::EC2::Subnet': 2,
  'AWS::EC2::InternetGateway': 2,
  'AWS::EC2::VPCGatewayAttachment': 2,
  'AWS::EC2::Route': 2,
  'AWS::EC2::SecurityGroup': 2,
  'AWS::IAM::Role': 3,
  'AWS::IAM::InstanceProfile': 4,
  [AUTO_SCALING_GROUP]: 6,
  'AWS::ElasticLoadBalancing::LoadBalancer': 4,
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 5,
  'AWS::DynamoDB::Table': 3,
};
const DELETE_WEIGHT: Record<string, number> = {
  [AUTO_SCALING_GROUP]: 4,
  'AWS::EC2::VPC': 2,
  'AWS::EC2::InternetGateway': 2,
  'AWS::ElasticLoadBalancing::LoadBalancer': 2,
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 2,
};

/**
 * Fixed durations instead of the pace above, for the bench's scripted timeline (every create takes `createMs`, every
 * delete `deleteMs`, whatever the stack's size), in simulated milliseconds like PACE.
 */
export interface ScriptedPace {
  createMs?: number;
  deleteMs?: number;
}

export interface LifecycleContext {
  region: string;
  script?: ScriptedPace;
  scheduler: Scheduler;
  fleet: Fleet;
  faults: FaultBook;
  listener: StatusListener;
  /** Every event the stack logs, as it is logged: where the EventBridge events come from (aws-events.ts). */
  onStackEvent: StackEventListener;
  /** What happens on a node that EC2 and CloudFormation do not show (joins, drains, lifecycle hooks): console lines. */
  onNodeActivity?: NodeActivityListener;
}

/** One step in a node's life that only the node and its lifecycle hook see: `joined the swarm`, `draining: tasks moved`. */
export interface NodeActivity {
  stackName: string;
  groupName: string;
  instanceId: string;
  activity: string;
  time: Date;
  /** Set when the activity is the group putting the instance in Terminating:Wait for this termination lifecycle hook. */
  terminationHook?: string;
}

export type NodeActivityListener = (activity: NodeActivity) => void;

/** A change of the stack's own status: logged, told to the status listener, then to the event listener. */
export const markStack = (context: LifecycleContext, stack: Stack, status: StackStatus, reason: string | undefined): void => {
  context.onStackEvent(stack, setStackStatus(stack, status, reason, context.listener));
};

export const markResource = (
  context: LifecycleContext,
  stack: Stack,
  resource: StackResourceState,
  status: ResourceStatus,
  reason?: string,
  withProperties?: boolean,
): void => {
  context.onStackEvent(stack, setResourceStatus(stack, resource, status, reason, withProperties));
};

interface Slot {
  start: number;
  end: number;
}

/**
 * Start and end of each resource when it waits for `after(resource)` and takes `weight(resource)`, stretched so
 * that the whole plan takes `total`.
 */
const schedule = (
  resources: readonly StackResourceState[],
  after: (resource: StackResourceState) => readonly StackResourceState[],
  weight: (resource: StackResourceState) => number,
  total: number,
): Map<StackResourceState, Slot> => {
  const slots = new Map<StackResourceState, Slot>();
  for (const resource of resources) {
    const start = Math.max(0, ...after(resource).map((other) => slots.get(other)?.end ?? 0));
    slots.set(resource, { start, end: start + weight(resource) });
  }
  const longest = Math.max(1, ...[...slots.values()].map((slot) => slot.end));
  const stretch = total / longest;
  for (const slot of slots.values()) {
    slot.start *= stretch;
    slot.end *= stretch;
  }
  return slots;
};

const instanceCount = (stack: Stack): number =>
  stack.resources.filter((resource) => resource.type === AUTO_SCALING_GROUP).reduce((sum, group) => sum + desiredCapacity(group), 0);

const creationDuration = (stack: Stack, script?: ScriptedPace): number =>
  script?.createMs ??
  Math.min(PACE.createMax, PACE.createBase + PACE.createPerInstance * instanceCount(stack));

/** The resource an injected rollback fails: the manager group if there is one, as on a real signal timeout. */
const rollbackVictim = (stack: Stack): StackResourceState | undefined =>
  stack.resources.find((resource) => resource.logicalId === 'ManagerAsg') ??
  stack.resources.find((resource) => resource.type === AUTO_SCALING_GROUP) ??
  stack.resources.at(-1);

const creationFailureReason = (resource: StackResourceState): string => {
  if (resource.type !== AUTO_SCALING_GROUP) {
    return `Resource handler returned message: "Simulated failure creating ${resource.type}" (RequestToken: ${randomUUID()}, HandlerErrorCode: GeneralServiceException)`;
  }
  if (resource.signalCount !== undefined) {
    return `Received 0 SUCCESS signals out of ${resource.signalCount}. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement`;
  }
  return (
    'You have requested more vCPU capacity than your current vCPU limit of 32 allows for the instance bucket that the ' +
    'specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an ' +
    'adjustment to this limit. Launching EC2 instance failed.'
  );
};

/**
 * Why a resource failed when the simulation itself threw while working on it: an EC2 error during a group's launch
 * reads as the group's scaling activity failure; anything else as a resource handler's internal failure. Either way
 * it is that stack's failure event, never a crash of the process that hosts every other stack.
 */
export const faultReason = (resource: StackResourceState | undefined, error: unknown): string => {
  if (error instanceof CloudError && resource?.type === AUTO_SCALING_GROUP) return `${error.message} Launching EC2 instance failed.`;
  const message = error instanceof Error ? error.message : String(error);
  return `Resource handler returned message: "${message}" (RequestToken: ${randomUUID()}, HandlerErrorCode: InternalFailure)`;
};

export const startCreation = (stack: Stack, context: LifecycleContext): void => {
  planCreation(stack, context, stack.resources, creationDuration(stack, context.script));
};

/**
 * Creates `resources` (the stack's, or what is left of them after a restart) over `total` simulated milliseconds,
 * then completes the stack. A resource already in progress keeps its start; a group that launched keeps its
 * instances.
 */
const planCreation = (stack: Stack, context: LifecycleContext, resources: readonly StackResourceState[], total: number): void => {
  const byId = new Map(stack.resources.map((resource) => [resource.logicalId, resource]));
  const slots = schedule(
    resources,
    (resource) => resource.dependsOn.flatMap((id) => byId.get(id) ?? []),
    (resource) => CREATE_WEIGHT[resource.type] ?? 1,
    total * 0.96,
  );
  const victim = rollbackVictim(stack);
  const timeline = new Timeline<StackResourceState>(context.scheduler, (error, resource) =>
    failCreation(stack, resource ?? victim, context, faultReason(resource, error)),
  );
  for (const [resource, slot] of slots) {
    timeline.at(
      slot.start,
      () => {
        if (resource.status === undefined) markResource(context, stack, resource, 'CREATE_IN_PROGRESS', 'Resource creation Initiated', true);
        if (resource.type === AUTO_SCALING_GROUP && resource.instanceIds.length === 0) launchInstances(stack, resource, context, (slot.end - slot.start) * 0.6);
      },
      resource,
    );
    timeline.at(
      slot.end,
      () => {
        const injected = resource === victim && (stack.failOnCreate || context.faults.take('rollback', [stack]));
        if (injected) {
          // The group's nodes are the ones that did not come up: their console output says why.
          for (const id of resource.instanceIds) {
            const instance = context.fleet.get(id);
            if (instance) instance.bootFailure = true;
          }
          failCreation(stack, resource, context);
        }
        else markResource(context, stack, resource, 'CREATE_COMPLETE');
      },
      resource,
    );
  }
  timeline.at(total, () => {
    stack.outputsVisible = true;
    markStack(context, stack, 'CREATE_COMPLETE', undefined);
    if (context.faults.take('gone', [stack])) context.scheduler.after(PACE.goneAfterCreate, () => vanish(stack, context));
  });
  stack.operation = timeline.start();
};

const launchInstances = (stack: Stack, group: StackResourceState, context: LifecycleContext, boot: number): void => {
  const request = launchRequest(group, {
    region: context.region,
    stackName: stack.name,
    stackId: stack.id,
    stackTags: stack.tags,
    resources: stack.resources,
  });
  recordLaunch(group, context.fleet.launch(request, boot).map((instance) => instance.instanceId));
};

/** The group now runs these instances, launched with its current launch template version. */
export const recordLaunch = (group: StackResourceState, instanceIds: readonly string[]): void => {
  group.instanceIds.push(...instanceIds);
  const signature = launchSignature(group);
  group.launchSignatures ??= {};
  for (const id of instanceIds) group.launchSignatures[id] = signature;
};

/** How long a replacement takes to boot (simulated ms): about what a group's instance takes while the stack creates. */
const REPLACEMENT_BOOT = 1_500;

/**
 * An auto-scaling group replacing one of its instances (it failed a health check): the instance terminates, and one
 * new instance launches in the same zone (the group keeps its zones balanced), so the desired capacity holds. Returns
 * the new instance's id. Only a group of a stack that is not being created, rolled back or deleted does this.
 */
export const replaceInstance = (stack: Stack, group: StackResourceState, instanceId: string, context: LifecycleContext): string => {
  const old = context.fleet.get(instanceId);
  if (!old) throw new RangeError(`no instance ${instanceId}`);
  const request = launchRequest(group, { region: context.region, stackName: stack.name, stackId: stack.id, stackTags: stack.tags, resources: stack.resources });
  const sameZone = request.slots.filter((slot) => slot.availabilityZone === old.availabilityZone);
  context.fleet.terminate([instanceId], 'Service initiated');
  const [replacement] = context.fleet.launch({ ...request, count: 1, slots: sameZone.length > 0 ? sameZone : request.slots }, REPLACEMENT_BOOT);
  if (!replacement) throw new RangeError(`group ${group.physicalId} launched nothing`);
  recordLaunch(group, [replacement.instanceId]);
  return replacement.instanceId;
};

/**
 * A failed resource cancels whatever else is being created, then the stack rolls back (or stops, or deletes).
 * `victim` is undefined only for a stack without resources whose creation faulted.
 */
const failCreation = (
  stack: Stack,
  victim: StackResourceState | undefined,
  context: LifecycleContext,
  reason = victim ? creationFailureReason(victim) : 'Internal Failure',
): void => {
  stack.operation?.cancel();
  if (victim) markResource(context, stack, victim, 'CREATE_FAILED', reason);
  const cancelled = resourcesIn(stack, 'CREATE_IN_PROGRESS');
  for (const resource of cancelled) markResource(context, stack, resource, 'CREATE_FAILED', 'Resource creation cancelled');
  const failed = `The following resource(s) failed to create: [${[...(victim ? [victim] : []), ...cancelled].map((r) => r.logicalId).join(', ')}]. `;

  if (stack.onFailure === 'DO_NOTHING') {
    markStack(context, stack, 'CREATE_FAILED', failed);
    return;
  }
  if (stack.onFailure === 'DELETE') {
    markStack(context, stack, 'DELETE_IN_PROGRESS', `${failed}Delete requested by user.`);
    runDeletion(stack, context, undefined, (failedToDelete) => {
      if (failedToDelete) markStack(context, stack, 'DELETE_FAILED', deletionFailure(failedToDelete));
      else finishDeletion(stack, context);
    });
    return;
  }
  markStack(context, stack, 'ROLLBACK_IN_PROGRESS', `${failed}Rollback requested by user.`);
  runDeletion(stack, context, undefined, (failedToDelete) => finishRollback(stack, context, failedToDelete));
};

/** ROLLBACK_COMPLETE (or ROLLBACK_FAILED naming what would not go), then the DeleteStack that arrived during the rollback, if one did. */
const finishRollback = (stack: Stack, context: LifecycleContext, failedToDelete?: StackResourceState): void => {
  if (failedToDelete) markStack(context, stack, 'ROLLBACK_FAILED', deletionFailure(failedToDelete));
  else markStack(context, stack, 'ROLLBACK_COMPLETE', undefined);
  const queued = stack.queuedDelete;
  if (!queued) return;
  delete stack.queuedDelete;
  if (queued.token !== undefined) stack.operationToken = queued.token;
  else delete stack.operationToken;
  startDeletion(stack, context, queued.failing);
};

/**
 * DeleteStack. A stack still being created has its in-flight resources cancelled first. With `failing` set, the
 * delete-failed fault picks a resource that refuses to go, as a security group with a leftover network interface does.
 */
export const startDeletion = (stack: Stack, context: LifecycleContext, failing: boolean): void => {
  stack.operation?.cancel();
  for (const resource of resourcesIn(stack, 'CREATE_IN_PROGRESS')) {
    markResource(context, stack, resource, 'CREATE_FAILED', 'Resource creation cancelled');
  }
  markStack(context, stack, 'DELETE_IN_PROGRESS', 'User Initiated');
  const victim = failing ? deletionVictim(stack) : undefined;
  runDeletion(stack, context, victim, (failed) => {
    if (failed) {
      markStack(context, stack, 'DELETE_FAILED', deletionFailure(failed));
    } else {
      finishDeletion(stack, context);
    }
  });
};

const deletionFailure = (resource: StackResourceState): string => `The following resource(s) failed to delete: [${resource.logicalId}]. `;

const finishDeletion = (stack: Stack, context: LifecycleContext): void => {
  stack.outputsVisible = false;
  stack.deletionTime = new Date();
  markStack(context, stack, 'DELETE_COMPLETE', undefined);
};

const deletable = (stack: Stack): StackResourceState[] =>
  resourcesIn(
    stack,
    'CREATE_COMPLETE',
    'CREATE_FAILED',
    'DELETE_FAILED',
    'CREATE_IN_PROGRESS',
    'DELETE_IN_PROGRESS',
    'UPDATE_COMPLETE',
    'UPDATE_FAILED',
    'UPDATE_IN_PROGRESS',
  );

const deletionVictim = (stack: Stack): StackResourceState | undefined => {
  const candidates = deletable(stack);
  return (
    candidates.find((resource) => resource.type === 'AWS::EC2::SecurityGroup') ??
    candidates.find((resource) => resource.type === 'AWS::EC2::VPC') ??
    candidates[0]
  );
};

const deletionFailureReason = (resource: StackResourceState): string => {
  const details = `(Service: Ec2, Status Code: 400, Request ID: ${randomUUID()})`;
  if (resource.type === 'AWS::EC2::SecurityGroup') return `resource ${resource.physicalId} has a dependent object ${details}`;
  if (resource.type === 'AWS::EC2::VPC') {
    return `The vpc '${resource.physicalId}' has dependencies and cannot be deleted. ${details}`;
  }
  return `Resource handler returned message: "Simulated failure deleting ${resource.physicalId}" (HandlerErrorCode: GeneralServiceException)`;
};

/**
 * Deletes every resource that exists, dependents before what they depend on, then calls `done` with the resource
 * that failed (if any). Groups terminate their instances as they start deleting.
 */
const runDeletion = (
  stack: Stack,
  context: LifecycleContext,
  victim: StackResourceState | undefined,
  done: (failed?: StackResourceState) => void,
): void => {
  const targets = deletable(stack).reverse();
  const retained = (resource: StackResourceState): boolean =>
    resource.deletionPolicy === 'Retain' && stack.status === 'DELETE_IN_PROGRESS';
  const slots = schedule(
    targets,
    (resource) => targets.filter((other) => other.dependsOn.includes(resource.logicalId)),
    (resource) => (retained(resource) ? 0.1 : (DELETE_WEIGHT[resource.type] ?? 1)),
    deletionDuration(context) * 0.96,
  );
  const failDeletion = (resource: StackResourceState, reason: string): void => {
    markResource(context, stack, resource, 'DELETE_FAILED', reason);
    for (const other of resourcesIn(stack, 'DELETE_IN_PROGRESS')) markResource(context, stack, other, 'DELETE_COMPLETE');
    done(resource);
  };
  const timeline = new Timeline<StackResourceState>(context.scheduler, (error, resource) => {
    const failed = resource ?? targets[0];
    if (failed) failDeletion(failed, faultReason(failed, error));
    else done();
  });
  for (const [resource, slot] of slots) {
    if (retained(resource)) {
      timeline.at(slot.start, () => markResource(context, stack, resource, 'DELETE_SKIPPED'), resource);
      continue;
    }
    timeline.at(
      slot.start,
      () => {
        markResource(context, stack, resource, 'DELETE_IN_PROGRESS');
        context.fleet.terminate(resource.instanceIds, 'User initiated');
      },
      resource,
    );
    timeline.at(
      slot.end,
      () => {
        if (resource !== victim) {
          markResource(context, stack, resource, 'DELETE_COMPLETE');
          return;
        }
        timeline.cancel();
        failDeletion(resource, deletionFailureReason(resource));
      },
      resource,
    );
  }
  timeline.at(deletionDuration(context), () => done());
  stack.operation = timeline.start();
};

const deletionDuration = (context: LifecycleContext): number => context.script?.deleteMs ?? PACE.delete;

/** The `gone` fault: someone deletes the stack behind the service's back, all at once. */
export const vanish = (stack: Stack, context: LifecycleContext): void => {
  if (stack.status === 'DELETE_COMPLETE') return;
  stack.operation?.cancel();
  stack.operationToken = `Console-DeleteStack-${randomUUID()}`;
  markStack(context, stack, 'DELETE_IN_PROGRESS', 'User Initiated');
  for (const resource of deletable(stack)) {
    context.fleet.terminate(resource.instanceIds, 'User initiated');
    markResource(context, stack, resource, 'DELETE_COMPLETE');
  }
  finishDeletion(stack, context);
};

/**
 * After a restart of the process (the stack was read back from the data folder): carries on with the operation the
 * stack was in the middle of, from where it was, as CloudFormation would have while nobody watched. A create plans
 * what is left over the share of the stack's duration that is left; a rollback or a delete deletes what still
 * exists. An injected delete failure in flight is not carried over (the delete then succeeds).
 */
export const resumeOperation = (stack: Stack, context: LifecycleContext): void => {
  if (stack.status === 'CREATE_IN_PROGRESS') {
    const remaining = stack.resources.filter((resource) => resource.status !== 'CREATE_COMPLETE');
    const share = stack.resources.length === 0 ? 1 : remaining.length / stack.resources.length;
    planCreation(stack, context, remaining, Math.max(PACE.createBase * 0.1, creationDuration(stack, context.script) * share));
  } else if (stack.status === 'ROLLBACK_IN_PROGRESS') {
    runDeletion(stack, context, undefined, (failedToDelete) => finishRollback(stack, context, failedToDelete));
  } else if (stack.status === 'DELETE_IN_PROGRESS') {
    runDeletion(stack, context, undefined, () => finishDeletion(stack, context));
  }
};
