import { CloudError } from '../domain/errors';
import type { Stack, StackEvent, StackResourceState, StackStatus } from '../domain/stack-model';
import type { CreateStackInput, UpdateStackInput } from '../domain/stacks';
import type { QueryForm } from './query-form';
import { queryProtocol, type QueryAction } from './query-protocol';
import { members, type XmlObject } from './xml';

export const CLOUDFORMATION_VERSION = '2010-05-15';
const NAMESPACE = `http://cloudformation.amazonaws.com/doc/${CLOUDFORMATION_VERSION}/`;

type Action = QueryAction;

const NOT_CHECKED = { StackDriftStatus: 'NOT_CHECKED' };
const RESOURCE_NOT_CHECKED = { StackResourceDriftStatus: 'NOT_CHECKED' };

const stackXml = (stack: Stack): XmlObject => ({
  StackId: stack.id,
  StackName: stack.name,
  Description: stack.description,
  Parameters: members(
    stack.parameters.map((parameter) => ({
      ParameterKey: parameter.key,
      ParameterValue: parameter.value,
      ResolvedValue: parameter.resolvedValue,
    })),
  ),
  CreationTime: stack.creationTime,
  DeletionTime: stack.deletionTime,
  LastUpdatedTime: stack.lastUpdatedTime,
  RollbackConfiguration: {},
  StackStatus: stack.status,
  StackStatusReason: stack.statusReason,
  DisableRollback: stack.onFailure === 'DO_NOTHING',
  NotificationARNs: members(stack.notificationArns),
  TimeoutInMinutes: stack.timeoutInMinutes,
  Capabilities: members(stack.capabilities),
  Outputs: stack.outputsVisible
    ? members(
        stack.outputs.map((output) => ({
          OutputKey: output.key,
          OutputValue: output.value,
          Description: output.description,
          ExportName: output.exportName,
        })),
      )
    : undefined,
  RoleARN: stack.roleArn,
  Tags: members(stack.tags.map((tag) => ({ Key: tag.key, Value: tag.value }))),
  EnableTerminationProtection: false,
  DriftInformation: NOT_CHECKED,
});

const eventXml = (event: StackEvent): XmlObject => ({
  StackId: event.stackId,
  EventId: event.eventId,
  StackName: event.stackName,
  LogicalResourceId: event.logicalResourceId,
  PhysicalResourceId: event.physicalResourceId,
  ResourceType: event.resourceType,
  Timestamp: event.timestamp,
  ResourceStatus: event.resourceStatus,
  ResourceStatusReason: event.resourceStatusReason,
  ResourceProperties: event.resourceProperties,
  ClientRequestToken: event.clientRequestToken,
});

const resourceXml = (stack: Stack, resource: StackResourceState): XmlObject => ({
  StackName: stack.name,
  StackId: stack.id,
  LogicalResourceId: resource.logicalId,
  PhysicalResourceId: resource.physicalId,
  ResourceType: resource.type,
  Timestamp: resource.lastUpdated,
  ResourceStatus: resource.status,
  ResourceStatusReason: resource.statusReason,
  DriftInformation: RESOURCE_NOT_CHECKED,
});

const resourceSummaryXml = (resource: StackResourceState): XmlObject => ({
  LogicalResourceId: resource.logicalId,
  PhysicalResourceId: resource.physicalId,
  ResourceType: resource.type,
  LastUpdatedTimestamp: resource.lastUpdated,
  ResourceStatus: resource.status,
  ResourceStatusReason: resource.statusReason,
  DriftInformation: RESOURCE_NOT_CHECKED,
});

const required = (form: QueryForm, name: string, member: string): string => {
  const value = form.get(name);
  if (value === undefined) {
    throw new CloudError(
      'ValidationError',
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
};

const createStackInput = (form: QueryForm): CreateStackInput => {
  const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
    value === undefined ? {} : ({ [key]: value } as Record<K, V>);
  return {
    ...optional('stackName', form.get('StackName')),
    ...optional('templateBody', form.get('TemplateBody')),
    ...optional('templateUrl', form.get('TemplateURL')),
    parameters: form.structures('Parameters.member', ['ParameterKey', 'ParameterValue', 'UsePreviousValue'] as const).map((p) => ({
      key: p.ParameterKey ?? '',
      ...optional('value', p.ParameterValue),
      ...optional('usePreviousValue', p.UsePreviousValue === undefined ? undefined : p.UsePreviousValue === 'true'),
    })),
    tags: form.structures('Tags.member', ['Key', 'Value'] as const).map((tag) => ({ key: tag.Key ?? '', value: tag.Value ?? '' })),
    capabilities: form.list('Capabilities.member'),
    notificationArns: form.list('NotificationARNs.member'),
    ...optional('roleArn', form.get('RoleARN')),
    ...optional('clientRequestToken', form.get('ClientRequestToken')),
    ...optional('timeoutInMinutes', form.number('TimeoutInMinutes')),
    ...optional('disableRollback', form.boolean('DisableRollback')),
    ...optional('onFailure', form.get('OnFailure')),
  };
};

/** UpdateStack's form: like CreateStack's, plus UsePreviousTemplate; Tags absent means the stack keeps its tags. */
const updateStackInput = (form: QueryForm): UpdateStackInput => {
  const create = createStackInput(form);
  const tagged = form.structures('Tags.member', ['Key', 'Value'] as const).length > 0;
  return {
    ...(create.stackName !== undefined ? { stackName: create.stackName } : {}),
    ...(create.templateBody !== undefined ? { templateBody: create.templateBody } : {}),
    ...(create.templateUrl !== undefined ? { templateUrl: create.templateUrl } : {}),
    ...(form.boolean('UsePreviousTemplate') !== undefined ? { usePreviousTemplate: form.boolean('UsePreviousTemplate') === true } : {}),
    parameters: create.parameters,
    ...(tagged ? { tags: create.tags } : {}),
    capabilities: create.capabilities,
    ...(create.clientRequestToken !== undefined ? { clientRequestToken: create.clientRequestToken } : {}),
  };
};

const actions: Record<string, Action> = {
  CreateStack: (form, cloud) => ({ StackId: cloud.stacks.create(createStackInput(form)) }),

  UpdateStack: (form, cloud) => ({ StackId: cloud.stacks.update(updateStackInput(form)) }),

  CancelUpdateStack: (form, cloud) => {
    cloud.stacks.cancelUpdate(required(form, 'StackName', 'stackName'), form.get('ClientRequestToken'));
    return undefined;
  },

  ContinueUpdateRollback: (form, cloud) => {
    cloud.stacks.continueUpdateRollback(required(form, 'StackName', 'stackName'), form.get('ClientRequestToken'));
    return {};
  },

  DescribeStacks: (form, cloud) => ({ Stacks: members(cloud.stacks.describe(form.get('StackName')).map(stackXml)) }),

  ListStacks: (form, cloud) => {
    const wanted = new Set(form.list('StackStatusFilter.member') as StackStatus[]);
    const stacks = cloud.stacks.all().filter((stack) => wanted.size === 0 || wanted.has(stack.status));
    return {
      StackSummaries: members(
        stacks.map((stack) => ({
          StackId: stack.id,
          StackName: stack.name,
          TemplateDescription: stack.description,
          CreationTime: stack.creationTime,
          LastUpdatedTime: stack.lastUpdatedTime,
          DeletionTime: stack.deletionTime,
          StackStatus: stack.status,
          StackStatusReason: stack.statusReason,
          DriftInformation: NOT_CHECKED,
        })),
      ),
    };
  },

  DescribeStackEvents: (form, cloud) => {
    const page = cloud.stacks.events(required(form, 'StackName', 'stackName'), form.get('NextToken'));
    return { StackEvents: members(page.items.map(eventXml)), NextToken: page.nextToken };
  },

  DescribeStackResources: (form, cloud) => {
    const query = {
      ...(form.get('StackName') !== undefined ? { stackName: form.get('StackName') } : {}),
      ...(form.get('LogicalResourceId') !== undefined ? { logicalResourceId: form.get('LogicalResourceId') } : {}),
      ...(form.get('PhysicalResourceId') !== undefined ? { physicalResourceId: form.get('PhysicalResourceId') } : {}),
    };
    const { stack, resources } = cloud.stacks.resources(query);
    return { StackResources: members(resources.map((resource) => resourceXml(stack, resource))) };
  },

  ListStackResources: (form, cloud) => {
    const page = cloud.stacks.listResources(required(form, 'StackName', 'stackName'), form.get('NextToken'));
    return { StackResourceSummaries: members(page.items.map(resourceSummaryXml)), NextToken: page.nextToken };
  },

  DeleteStack: (form, cloud) => {
    cloud.stacks.delete(required(form, 'StackName', 'stackName'), form.get('ClientRequestToken'));
    return undefined;
  },

  ValidateTemplate: (form, cloud) => {
    const summary = cloud.stacks.validate(form.get('TemplateBody'));
    return {
      Parameters: members(
        summary.parameters.map((parameter) => ({
          ParameterKey: parameter.key,
          DefaultValue: parameter.defaultValue,
          NoEcho: parameter.noEcho,
          Description: parameter.description,
        })),
      ),
      Description: summary.description,
      Capabilities: members(summary.capabilities),
      CapabilitiesReason: summary.capabilitiesReason,
      DeclaredTransforms: members([]),
    };
  },
};

/** Every CloudFormation action names its stack in `StackName`, by name or id; a throttle fault keys on it. */
export const stackNamedIn = (form: QueryForm): string | undefined => form.get('StackName');

const protocol = queryProtocol(CLOUDFORMATION_VERSION, NAMESPACE, actions);
export const cloudFormationResponse = protocol.response;
export const cloudFormationError = protocol.error;

/** What CloudFormation answers when a caller exceeds its API rate. */
export const cloudFormationThrottled = (): CloudError => new CloudError('Throttling', 'Rate exceeded');
