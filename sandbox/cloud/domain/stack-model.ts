import { randomUUID } from 'node:crypto';
import type { Tag } from './fleet';
import type { StackParameter } from './parameters';
import type { Timeline } from './scheduler';
import type { ProvisionedResource, StackOutput } from './template-instance';

export type StackStatus =
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'CREATE_FAILED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_COMPLETE'
  | 'ROLLBACK_FAILED'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_COMPLETE'
  | 'DELETE_FAILED'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_ROLLBACK_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE'
  | 'UPDATE_ROLLBACK_FAILED';

export type ResourceStatus =
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'CREATE_FAILED'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_COMPLETE'
  | 'DELETE_FAILED'
  | 'DELETE_SKIPPED'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_FAILED';

export const STACK_RESOURCE_TYPE = 'AWS::CloudFormation::Stack';

export interface StackEvent {
  eventId: string;
  stackId: string;
  stackName: string;
  logicalResourceId: string;
  physicalResourceId: string;
  resourceType: string;
  timestamp: Date;
  resourceStatus: string;
  resourceStatusReason?: string;
  resourceProperties?: string;
  clientRequestToken?: string;
}

export interface StackResourceState extends ProvisionedResource {
  /** undefined until CloudFormation starts on the resource. */
  status?: ResourceStatus;
  statusReason?: string;
  lastUpdated: Date;
  instanceIds: string[];
  /**
   * A group's launch signature (launch template and version, subnets) per instance it launched: an instance whose
   * signature differs from the group's is obsolete, and a rolling update replaces it.
   */
  launchSignatures?: Record<string, string>;
  /** A group's instances in its termination lifecycle hook (draining, leaving): no longer counted in service. */
  leaving?: string[];
  /** A group's instances that signalled FAILURE: not in the swarm, so their retirement drains nothing. */
  neverJoined?: string[];
}

export type OnFailure = 'ROLLBACK' | 'DELETE' | 'DO_NOTHING';

export interface Stack {
  id: string;
  name: string;
  status: StackStatus;
  statusReason?: string;
  description?: string;
  creationTime: Date;
  deletionTime?: Date;
  lastUpdatedTime?: Date;
  parameters: StackParameter[];
  tags: Tag[];
  capabilities: string[];
  roleArn?: string;
  notificationArns: string[];
  timeoutInMinutes?: number;
  onFailure: OnFailure;
  outputs: StackOutput[];
  /** CloudFormation shows outputs once the stack is complete, not while it is being built or rolled back. */
  outputsVisible: boolean;
  /** In creation order. */
  resources: StackResourceState[];
  /** Oldest first. */
  events: StackEvent[];
  createToken?: string;
  /** The token of the operation now running or last run: its events carry it. */
  operationToken?: string;
  /** What runs now (a create's or delete's Timeline, an update's run): cancelled when something else takes over. */
  operation?: Pick<Timeline<StackResourceState>, 'cancel'>;
  /** The template body of the last create or update that completed or is running (UsePreviousTemplate). */
  templateBody?: string;
  /** The parameter values as given (NoEcho ones unmasked), for UsePreviousValue. */
  parameterValues?: Record<string, string>;
  /** ClientRequestTokens of UpdateStack requests already taken: a repeat is the same request. */
  updateTokens?: string[];
  /** The update in flight (or its rollback), with what it started from and what it goes to. */
  update?: StackUpdate;
  /** A rollback fault claimed when the stack was created. */
  failOnCreate: boolean;
  /** A DeleteStack that arrived during a rollback; it starts once the rollback is complete. */
  queuedDelete?: { token?: string; failing: boolean };
  /** ClientRequestTokens of DeleteStack requests already taken: a repeat is the same request, not a new delete. */
  deleteTokens?: Set<string>;
}

/** One side of an update: what the stack is made of before it, or after it. */
export interface StackRevision {
  templateBody: string;
  description?: string;
  parameters: StackParameter[];
  parameterValues: Record<string, string>;
  outputs: StackOutput[];
  tags: Tag[];
  /** Per logical id, the resource as resolved for this revision (properties, attributes, update policy). */
  resources: Record<string, ProvisionedResource>;
}

export interface StackUpdate {
  previous: StackRevision;
  target: StackRevision;
  /** Logical ids the update adds, changes and removes, in creation order. */
  added: string[];
  modified: string[];
  removed: string[];
  /** The resource an `update-fail` fault fails (its first new instance signals FAILURE), if one was armed. */
  failing?: string;
  /** The resource whose rollback an `update-rollback-failed` fault fails, if one was armed. */
  rollbackFailing?: string;
}

export type StatusListener = (stack: Stack) => void;

/** Hears every event a stack logs (its own status changes and its resources'), as it is logged. */
export type StackEventListener = (stack: Stack, event: StackEvent) => void;

/** Whether the event is a change of the stack's own status (the others are its resources'). */
export const isStackStatusEvent = (stack: Stack, event: StackEvent): boolean =>
  event.resourceType === STACK_RESOURCE_TYPE && event.physicalResourceId === stack.id;

/** Records a change of the stack's own status, with the event CloudFormation logs for it, and returns that event. */
export const setStackStatus = (stack: Stack, status: StackStatus, reason: string | undefined, listener: StatusListener): StackEvent => {
  stack.status = status;
  if (reason === undefined) delete stack.statusReason;
  else stack.statusReason = reason;
  if (status !== 'CREATE_IN_PROGRESS' && status !== 'CREATE_COMPLETE') stack.lastUpdatedTime = new Date();
  const event: StackEvent = {
    eventId: randomUUID(),
    stackId: stack.id,
    stackName: stack.name,
    logicalResourceId: stack.name,
    physicalResourceId: stack.id,
    resourceType: STACK_RESOURCE_TYPE,
    timestamp: new Date(),
    resourceStatus: status,
    ...(reason !== undefined ? { resourceStatusReason: reason } : {}),
    ...(stack.operationToken !== undefined ? { clientRequestToken: stack.operationToken } : {}),
  };
  stack.events.push(event);
  listener(stack);
  return event;
};

export const setResourceStatus = (
  stack: Stack,
  resource: StackResourceState,
  status: ResourceStatus,
  reason?: string,
  withProperties = false,
): StackEvent => {
  const timestamp = new Date();
  resource.status = status;
  resource.lastUpdated = timestamp;
  if (reason === undefined) delete resource.statusReason;
  else resource.statusReason = reason;
  const event: StackEvent = {
    eventId: `${resource.logicalId}-${status}-${timestamp.toISOString()}`,
    stackId: stack.id,
    stackName: stack.name,
    logicalResourceId: resource.logicalId,
    physicalResourceId: resource.physicalId,
    resourceType: resource.type,
    timestamp,
    resourceStatus: status,
    ...(reason !== undefined ? { resourceStatusReason: reason } : {}),
    ...(withProperties ? { resourceProperties: JSON.stringify(resource.properties) } : {}),
    ...(stack.operationToken !== undefined ? { clientRequestToken: stack.operationToken } : {}),
  };
  stack.events.push(event);
  return event;
};

export const isDeleted = (stack: Stack): boolean => stack.status === 'DELETE_COMPLETE';

export const resourcesIn = (stack: Stack, ...statuses: (ResourceStatus | undefined)[]): StackResourceState[] =>
  stack.resources.filter((resource) => statuses.includes(resource.status));
