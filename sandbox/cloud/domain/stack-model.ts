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
  | 'DELETE_FAILED';

export type ResourceStatus =
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'CREATE_FAILED'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_COMPLETE'
  | 'DELETE_FAILED'
  | 'DELETE_SKIPPED';

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
  operation?: Timeline<StackResourceState>;
  /** A rollback fault claimed when the stack was created. */
  failOnCreate: boolean;
  /** A DeleteStack that arrived during a rollback; it starts once the rollback is complete. */
  queuedDelete?: { token?: string; failing: boolean };
  /** ClientRequestTokens of DeleteStack requests already taken: a repeat is the same request, not a new delete. */
  deleteTokens?: Set<string>;
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
