import { checkCapabilities, requiredCapabilities } from './capabilities';
import { creationOrder, resourceDependencies } from './dependencies';
import { CloudError, stackNotFoundError, validationError } from './errors';
import { FAULT_TAG, parseFaultTag, type FaultBook } from './faults';
import type { Fleet, Tag } from './fleet';
import { isStackArn, stackArn } from './ids';
import { resolveParameters, resolveSsmParameter, type ParameterInput, type SsmResolver } from './parameters';
import { AUTO_SCALING_GROUP } from './auto-scaling';
import { markStack, PACE, replaceInstance, resumeOperation, startCreation, startDeletion, vanish, type LifecycleContext } from './stack-lifecycle';
import {
  isDeleted,
  type OnFailure,
  type Stack,
  type StackEvent,
  type StackEventListener,
  type StackResourceState,
  type StackRevision,
  type StatusListener,
} from './stack-model';
import { continueRollback, failUpdate, resumeUpdate, startUpdate, UPDATABLE, UPDATING } from './stack-update';
import type { NodeActivityListener } from './stack-lifecycle';
import type { ProvisionedResource } from './template-instance';
import { parseTemplateBody, type YamlReader } from './template';
import { instantiateTemplate } from './template-instance';

export interface CreateStackInput {
  stackName?: string;
  templateBody?: string;
  templateUrl?: string;
  parameters: ParameterInput[];
  tags: Tag[];
  capabilities: string[];
  notificationArns: string[];
  roleArn?: string;
  clientRequestToken?: string;
  timeoutInMinutes?: number;
  disableRollback?: boolean;
  onFailure?: string;
}

export interface UpdateStackInput {
  stackName?: string;
  templateBody?: string;
  templateUrl?: string;
  usePreviousTemplate?: boolean;
  parameters: ParameterInput[];
  /** undefined: the stack keeps its tags. */
  tags?: Tag[];
  capabilities: string[];
  clientRequestToken?: string;
}

export interface TemplateSummary {
  description?: string;
  parameters: { key: string; defaultValue?: string; noEcho: boolean; description?: string }[];
  capabilities: string[];
  capabilitiesReason?: string;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export interface StacksOptions {
  region: string;
  scheduler: LifecycleContext['scheduler'];
  fleet: Fleet;
  faults: FaultBook;
  readYaml: YamlReader;
  listener: StatusListener;
  script?: LifecycleContext['script'];
  /** Every event a stack logs, its own status changes and its resources', as it is logged. */
  onStackEvent?: StackEventListener;
  onNodeActivity?: NodeActivityListener;
  /** The current value of an SSM parameter (an AMI's public parameter), resolved again at every create and update. */
  resolveSsm?: SsmResolver;
}

const PAGE_SIZE = 100;
const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]*$/;
const REQUEST_TOKEN = /^[a-zA-Z0-9][-a-zA-Z0-9]*$/;

/** The values the caller gave (defaults for the rest), unmasked: what UsePreviousValue reuses. */
const givenValues = (declared: Record<string, { Default?: unknown }>, given: ParameterInput[]): Record<string, string> =>
  Object.fromEntries(
    Object.entries(declared).map(([key, parameter]) => [key, given.find((p) => p.key === key)?.value ?? String(parameter.Default ?? '')]),
  );

/** The service-side validation message format of AWS APIs. */
const constraintError = (value: string | undefined, member: string, constraint: string): CloudError =>
  validationError(
    `1 validation error detected: Value ${value === undefined ? 'null' : `'${value}'`} at '${member}' failed to satisfy constraint: Member must ${constraint}`,
  );

const checkName = (value: string | undefined, member: string, pattern: RegExp, required: boolean): void => {
  if (value === undefined) {
    if (required) throw constraintError(value, member, 'not be null');
    return;
  }
  if (value.length < 1 || value.length > 128) throw constraintError(value, member, 'have length less than or equal to 128');
  if (!pattern.test(value)) throw constraintError(value, member, `satisfy regular expression pattern: ${pattern.source.slice(1, -1)}`);
};

const encodeToken = (stackId: string, position: number): string =>
  Buffer.from(JSON.stringify({ stackId, position })).toString('base64url');

const decodeToken = (token: string, stackId: string): number => {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { stackId?: unknown; position?: unknown };
    if (decoded.stackId === stackId && typeof decoded.position === 'number') return decoded.position;
  } catch {
    // fall through to the error CloudFormation gives for a token it did not issue
  }
  throw validationError('Invalid NextToken');
};

/** The simulated CloudFormation: stacks by id, their lifecycles and what the read APIs report about them. */
export class Stacks {
  private readonly byId = new Map<string, Stack>();
  private readonly lifecycle: LifecycleContext;

  constructor(private readonly options: StacksOptions) {
    this.lifecycle = {
      region: options.region,
      ...(options.script ? { script: options.script } : {}),
      scheduler: options.scheduler,
      fleet: options.fleet,
      faults: options.faults,
      listener: (stack) => {
        if (isDeleted(stack)) this.forgetLater(stack);
        options.listener(stack);
      },
      onStackEvent: options.onStackEvent ?? (() => undefined),
      ...(options.onNodeActivity ? { onNodeActivity: options.onNodeActivity } : {}),
    };
  }

  /**
   * A deleted stack stays readable by id for a while, then is forgotten, so a long-running sandbox does not keep
   * every stack it ever deleted (CloudFormation keeps them 90 days; the sandbox far less, see PACE).
   */
  private forgetLater(stack: Stack): void {
    this.options.scheduler.after(PACE.deletedStackRetention, () => {
      if (this.byId.get(stack.id) === stack && isDeleted(stack)) this.byId.delete(stack.id);
    });
  }

  /** By id any stack, deleted ones included; by name only a stack that still exists (as on AWS). */
  find(nameOrId: string): Stack | undefined {
    if (isStackArn(nameOrId)) return this.byId.get(nameOrId);
    return [...this.byId.values()].find((stack) => stack.name === nameOrId && !isDeleted(stack));
  }

  require(nameOrId: string): Stack {
    const stack = this.find(nameOrId);
    if (!stack) throw stackNotFoundError(nameOrId);
    return stack;
  }

  all(): Stack[] {
    return [...this.byId.values()];
  }

  live(): Stack[] {
    return [...this.byId.values()].filter((stack) => !isDeleted(stack));
  }

  create(input: CreateStackInput): string {
    checkName(input.stackName, 'stackName', STACK_NAME, true);
    checkName(input.clientRequestToken, 'clientRequestToken', REQUEST_TOKEN, false);
    const stackName = input.stackName ?? '';
    const existing = this.find(stackName);
    if (existing) {
      if (input.clientRequestToken !== undefined && existing.createToken === input.clientRequestToken) return existing.id;
      throw new CloudError('AlreadyExistsException', `Stack [${stackName}] already exists`);
    }
    if (input.templateBody === undefined) {
      throw validationError(
        input.templateUrl === undefined
          ? 'Either Template URL or Template Body must be specified.'
          : 'TemplateURL is not supported by the simulated cloud; pass TemplateBody instead.',
      );
    }
    for (const tag of input.tags) {
      if (tag.key.startsWith('aws:')) throw validationError(`Invalid tag key: ${tag.key}. Tag keys cannot start with aws:`);
    }
    const faultTag = input.tags.find((tag) => tag.key === FAULT_TAG);
    const tagFault = faultTag ? parseFaultTag(faultTag.value) : undefined;
    const onFailure = this.onFailure(input);

    const template = parseTemplateBody(input.templateBody, this.options.readYaml);
    const { values, reported } = resolveParameters(template.Parameters, input.parameters, this.options.resolveSsm ?? resolveSsmParameter);
    checkCapabilities(template.Resources, input.capabilities);
    const id = stackArn(this.options.region, stackName);
    const instance = instantiateTemplate(template, values, {
      region: this.options.region,
      stackName,
      stackId: id,
      notificationArns: input.notificationArns,
    });

    if (tagFault) this.options.faults.add(id, tagFault.fault, tagFault.count);
    const stack: Stack = {
      id,
      name: stackName,
      status: 'CREATE_IN_PROGRESS',
      ...(template.Description !== undefined ? { description: template.Description } : {}),
      creationTime: new Date(),
      parameters: reported,
      tags: input.tags,
      capabilities: input.capabilities,
      ...(input.roleArn !== undefined ? { roleArn: input.roleArn } : {}),
      notificationArns: input.notificationArns,
      ...(input.timeoutInMinutes !== undefined ? { timeoutInMinutes: input.timeoutInMinutes } : {}),
      onFailure,
      outputs: instance.outputs,
      outputsVisible: false,
      resources: instance.resources.map((resource) => ({ ...resource, lastUpdated: new Date(), instanceIds: [] })),
      events: [],
      ...(input.clientRequestToken !== undefined
        ? { createToken: input.clientRequestToken, operationToken: input.clientRequestToken }
        : {}),
      failOnCreate: false,
      templateBody: input.templateBody,
      parameterValues: givenValues(template.Parameters, input.parameters),
    };
    stack.failOnCreate = this.options.faults.take('rollback', [stack]);
    this.byId.set(id, stack);
    markStack(this.lifecycle, stack, 'CREATE_IN_PROGRESS', 'User Initiated');
    startCreation(stack, this.lifecycle);
    return id;
  }

  private onFailure(input: CreateStackInput): OnFailure {
    if (input.onFailure !== undefined && input.disableRollback !== undefined) {
      throw validationError('You cannot specify both DisableRollback and OnFailure.');
    }
    if (input.disableRollback) return 'DO_NOTHING';
    const onFailure = input.onFailure ?? 'ROLLBACK';
    if (onFailure !== 'ROLLBACK' && onFailure !== 'DELETE' && onFailure !== 'DO_NOTHING') {
      throw constraintError(onFailure, 'onFailure', 'satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]');
    }
    return onFailure;
  }

  /** Without a name, every stack that still exists, newest first. */
  describe(nameOrId?: string): Stack[] {
    if (nameOrId !== undefined) return [this.require(nameOrId)];
    return this.live().sort((a, b) => b.creationTime.getTime() - a.creationTime.getTime());
  }

  /** Newest first, a page at a time; the token pins the page boundary so newer events do not shift older pages. */
  events(nameOrId: string, nextToken?: string): Page<StackEvent> {
    const stack = this.require(nameOrId);
    const end = nextToken === undefined ? stack.events.length : decodeToken(nextToken, stack.id);
    const start = Math.max(0, end - PAGE_SIZE);
    const items = stack.events.slice(start, end).reverse();
    return start > 0 ? { items, nextToken: encodeToken(stack.id, start) } : { items };
  }

  resources(query: { stackName?: string; logicalResourceId?: string; physicalResourceId?: string }): {
    stack: Stack;
    resources: StackResourceState[];
  } {
    const stack = query.stackName !== undefined ? this.require(query.stackName) : this.ownerOf(query.physicalResourceId);
    const resources = stack.resources.filter(
      (resource) =>
        resource.status !== undefined &&
        (query.logicalResourceId === undefined || resource.logicalId === query.logicalResourceId) &&
        (query.physicalResourceId === undefined || resource.physicalId === query.physicalResourceId),
    );
    return { stack, resources };
  }

  private ownerOf(physicalResourceId: string | undefined): Stack {
    if (physicalResourceId === undefined) throw validationError('Either StackName or PhysicalResourceId must be specified.');
    const owner = [...this.byId.values()].find((stack) =>
      stack.resources.some((resource) => resource.physicalId === physicalResourceId),
    );
    if (!owner) throw validationError(`Stack for ${physicalResourceId} does not exist`);
    return owner;
  }

  listResources(nameOrId: string, nextToken?: string): { stack: Stack } & Page<StackResourceState> {
    const stack = this.require(nameOrId);
    const started = stack.resources.filter((resource) => resource.status !== undefined);
    const start = nextToken === undefined ? 0 : decodeToken(nextToken, stack.id);
    const items = started.slice(start, start + PAGE_SIZE);
    const next = start + PAGE_SIZE;
    return next < started.length ? { stack, items, nextToken: encodeToken(stack.id, next) } : { stack, items };
  }

  /**
   * Deleting a stack that does not exist succeeds, as on AWS; so does asking again while a delete is running. A
   * delete asked for during a rollback waits for the rollback to finish. A stack that failed to delete can be
   * deleted again, but only by a new request: a ClientRequestToken CloudFormation has seen for this stack marks a
   * retry of that request, which it acknowledges and otherwise ignores, even after that delete failed.
   */
  delete(nameOrId: string, clientRequestToken?: string): void {
    checkName(clientRequestToken, 'clientRequestToken', REQUEST_TOKEN, false);
    const stack = this.find(nameOrId);
    if (!stack || stack.status === 'DELETE_COMPLETE' || stack.status === 'DELETE_IN_PROGRESS' || stack.queuedDelete) return;
    if (UPDATING.has(stack.status)) throw validationError(`Stack [${stack.name}] cannot be deleted while in status ${stack.status}`);
    if (clientRequestToken !== undefined) {
      if (stack.deleteTokens?.has(clientRequestToken)) return;
      (stack.deleteTokens ??= new Set()).add(clientRequestToken);
    }
    const faults = this.options.faults;
    const failing = faults.take('delete-failed-once', [stack]) || faults.take('delete-failed', [stack]);
    if (stack.status === 'ROLLBACK_IN_PROGRESS') {
      stack.queuedDelete = { failing, ...(clientRequestToken !== undefined ? { token: clientRequestToken } : {}) };
      return;
    }
    if (clientRequestToken !== undefined) stack.operationToken = clientRequestToken;
    else delete stack.operationToken;
    startDeletion(stack, this.lifecycle, failing);
  }

  /**
   * UpdateStack: checks the request as CloudFormation does (an updatable status, a template, parameters, capabilities,
   * something to change), plans the changes and starts them. A ClientRequestToken seen before for this stack is a
   * retry of that request: it answers the stack id and starts nothing.
   */
  update(input: UpdateStackInput): string {
    if (input.stackName === undefined) throw constraintError(undefined, 'stackName', 'not be null');
    checkName(input.clientRequestToken, 'clientRequestToken', REQUEST_TOKEN, false);
    const stack = this.require(input.stackName ?? '');
    if (input.clientRequestToken !== undefined && stack.updateTokens?.includes(input.clientRequestToken)) return stack.id;
    if (!UPDATABLE.has(stack.status)) throw validationError(`Stack:${stack.id} is in ${stack.status} state and can not be updated.`);
    if (input.usePreviousTemplate && (input.templateBody !== undefined || input.templateUrl !== undefined)) {
      throw validationError('You cannot specify both usePreviousTemplate and Template Body/Template URL.');
    }
    const templateBody = input.usePreviousTemplate ? stack.templateBody : input.templateBody;
    if (templateBody === undefined) {
      throw validationError(
        input.templateUrl === undefined
          ? 'Either Template URL or Template Body must be specified.'
          : 'TemplateURL is not supported by the simulated cloud; pass TemplateBody instead.',
      );
    }
    for (const tag of input.tags ?? []) {
      if (tag.key.startsWith('aws:')) throw validationError(`Invalid tag key: ${tag.key}. Tag keys cannot start with aws:`);
    }
    const faultTag = input.tags?.find((tag) => tag.key === FAULT_TAG);
    const tagFault = faultTag ? parseFaultTag(faultTag.value) : undefined;

    const template = parseTemplateBody(templateBody, this.options.readYaml);
    const previousValues = stack.parameterValues ?? Object.fromEntries(stack.parameters.map((parameter) => [parameter.key, parameter.value]));
    const inputs = input.parameters.map((parameter): ParameterInput => {
      if (!parameter.usePreviousValue) return parameter;
      if (parameter.value !== undefined) {
        throw validationError(`Invalid input for parameter key ${parameter.key}. Cannot specify usePreviousValue as true and non empty value for a parameter key`);
      }
      const value = previousValues[parameter.key];
      if (value === undefined) {
        throw validationError(`Invalid input for parameter key ${parameter.key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`);
      }
      return { key: parameter.key, value };
    });
    const { values, reported } = resolveParameters(template.Parameters, inputs, this.options.resolveSsm ?? resolveSsmParameter);
    checkCapabilities(template.Resources, input.capabilities);

    const current = new Map(stack.resources.filter((resource) => resource.status !== undefined).map((resource) => [resource.logicalId, resource]));
    const instance = instantiateTemplate(
      template,
      values,
      { region: this.options.region, stackName: stack.name, stackId: stack.id, notificationArns: stack.notificationArns },
      current,
    );
    const targetIds = new Set(instance.resources.map((resource) => resource.logicalId));
    const added = instance.resources.filter((resource) => !current.has(resource.logicalId) || current.get(resource.logicalId)?.type !== resource.type);
    const modified = instance.resources.filter((resource) => {
      const before = current.get(resource.logicalId);
      return before !== undefined && before.type === resource.type && JSON.stringify(before.properties) !== JSON.stringify(resource.properties);
    });
    const removed = stack.resources.filter((resource) => !targetIds.has(resource.logicalId) || added.some((other) => other.logicalId === resource.logicalId));
    const tags = input.tags ?? stack.tags;
    const unchanged =
      added.length === 0 &&
      modified.length === 0 &&
      removed.length === 0 &&
      JSON.stringify(instance.outputs) === JSON.stringify(stack.outputs) &&
      JSON.stringify(reported) === JSON.stringify(stack.parameters) &&
      JSON.stringify(tags) === JSON.stringify(stack.tags) &&
      (template.Description ?? undefined) === stack.description;
    if (unchanged) throw validationError('No updates are to be performed.');

    if (tagFault) this.options.faults.add(stack.id, tagFault.fault, tagFault.count);
    const snapshot = (resource: ProvisionedResource): ProvisionedResource => ({
      logicalId: resource.logicalId,
      type: resource.type,
      physicalId: resource.physicalId,
      attributes: resource.attributes,
      properties: resource.properties,
      dependsOn: resource.dependsOn,
      ...(resource.deletionPolicy !== undefined ? { deletionPolicy: resource.deletionPolicy } : {}),
      ...(resource.signalCount !== undefined ? { signalCount: resource.signalCount } : {}),
      ...(resource.rollingUpdate !== undefined ? { rollingUpdate: resource.rollingUpdate } : {}),
    });
    const previous: StackRevision = {
      templateBody: stack.templateBody ?? templateBody,
      ...(stack.description !== undefined ? { description: stack.description } : {}),
      parameters: stack.parameters,
      parameterValues: previousValues,
      outputs: stack.outputs,
      tags: stack.tags,
      resources: Object.fromEntries(stack.resources.filter((resource) => resource.status !== undefined).map((resource) => [resource.logicalId, snapshot(resource)])),
    };
    const target: StackRevision = {
      templateBody,
      ...(template.Description !== undefined ? { description: template.Description } : {}),
      parameters: reported,
      parameterValues: givenValues(template.Parameters, inputs),
      outputs: instance.outputs,
      tags,
      resources: Object.fromEntries(instance.resources.map((resource) => [resource.logicalId, snapshot(resource)])),
    };
    // The stack's resources during the update: the target's, in its order (kept ones are the same objects, so they
    // keep their instances), then those the update removes, which go in the cleanup.
    const kept = new Map(stack.resources.map((resource) => [resource.logicalId, resource]));
    stack.resources = [
      ...instance.resources.map((resource) =>
        added.includes(resource) ? { ...resource, lastUpdated: new Date(), instanceIds: [] } : (kept.get(resource.logicalId) as StackResourceState),
      ),
      ...removed.map((resource) => (added.some((other) => other.logicalId === resource.logicalId) ? { ...resource, logicalId: resource.logicalId } : resource)),
    ];
    const changedGroups = [...added, ...modified].filter((resource) => resource.type === AUTO_SCALING_GROUP).map((resource) => resource.logicalId);
    const changed = [...added, ...modified].map((resource) => resource.logicalId);
    const victim = (): string | undefined =>
      ['NodeAsg', 'ManagerAsg'].find((id) => changedGroups.includes(id)) ?? changedGroups[0] ?? changed[0];
    const failing = this.options.faults.take('update-fail', [stack]) ? victim() : undefined;
    const rollbackFailing = failing !== undefined && this.options.faults.take('update-rollback-failed', [stack]) ? failing : undefined;
    stack.update = {
      previous,
      target,
      added: added.map((resource) => resource.logicalId),
      modified: modified.map((resource) => resource.logicalId),
      removed: removed.map((resource) => resource.logicalId),
      ...(failing !== undefined ? { failing } : {}),
      ...(rollbackFailing !== undefined ? { rollbackFailing } : {}),
    };
    if (input.clientRequestToken !== undefined) {
      stack.updateTokens = [...(stack.updateTokens ?? []), input.clientRequestToken];
      stack.operationToken = input.clientRequestToken;
    } else {
      delete stack.operationToken;
    }
    startUpdate(stack, this.lifecycle);
    return stack.id;
  }

  /** CancelUpdateStack: only an update still in UPDATE_IN_PROGRESS can be cancelled; it rolls back. */
  cancelUpdate(nameOrId: string, clientRequestToken?: string): void {
    checkName(clientRequestToken, 'clientRequestToken', REQUEST_TOKEN, false);
    const stack = this.require(nameOrId);
    if (stack.status !== 'UPDATE_IN_PROGRESS') throw validationError('CancelUpdateStack cannot be called from current stack status');
    if (clientRequestToken !== undefined) stack.operationToken = clientRequestToken;
    failUpdate(stack, this.lifecycle, undefined, undefined);
  }

  /** ContinueUpdateRollback: a stack in UPDATE_ROLLBACK_FAILED tries its rollback again. */
  continueUpdateRollback(nameOrId: string, clientRequestToken?: string): void {
    checkName(clientRequestToken, 'clientRequestToken', REQUEST_TOKEN, false);
    const stack = this.require(nameOrId);
    if (stack.status !== 'UPDATE_ROLLBACK_FAILED') throw validationError('ContinueUpdateRollback cannot be called from current stack status');
    if (clientRequestToken !== undefined) stack.operationToken = clientRequestToken;
    continueRollback(stack, this.lifecycle);
  }

  /** Takes back stacks read from the data folder (the process restarted) and carries on with what each was doing. */
  restore(stacks: readonly Stack[]): void {
    for (const stack of stacks) this.byId.set(stack.id, stack);
    for (const stack of stacks) {
      if (stack.status.startsWith('UPDATE_') && stack.status.endsWith('_IN_PROGRESS')) resumeUpdate(stack, this.lifecycle);
      else resumeOperation(stack, this.lifecycle);
    }
  }

  /** The `gone` fault on a stack that exists: it disappears now. */
  /**
   * The group that runs `instanceId` replaces it (terminates it, launches another in its zone); the new instance's id.
   * Throws a RangeError when no settled stack's group runs it.
   */
  replaceInstance(instanceId: string): string {
    for (const stack of this.all()) {
      const group = stack.resources.find((resource) => resource.type === AUTO_SCALING_GROUP && resource.instanceIds.includes(instanceId));
      if (!group) continue;
      if (stack.status.endsWith('_IN_PROGRESS') || stack.status.startsWith('DELETE') || stack.status.startsWith('ROLLBACK')) {
        throw new RangeError(`stack ${stack.name} is ${stack.status}: its groups replace no instance now`);
      }
      return replaceInstance(stack, group, instanceId, this.lifecycle);
    }
    throw new RangeError(`no auto-scaling group runs ${instanceId}`);
  }

  vanish(stack: Stack): void {
    vanish(stack, this.lifecycle);
  }

  validate(templateBody: string | undefined): TemplateSummary {
    if (templateBody === undefined) throw validationError('Either Template URL or Template Body must be specified.');
    const template = parseTemplateBody(templateBody, this.options.readYaml);
    const all = new Set(Object.keys(template.Resources));
    creationOrder(resourceDependencies(template.Resources, all, new Set(Object.keys(template.Parameters))));
    const { capability, reason } = requiredCapabilities(template.Resources);
    return {
      ...(template.Description !== undefined ? { description: template.Description } : {}),
      parameters: Object.entries(template.Parameters).map(([key, parameter]) => ({
        key,
        ...(parameter.Default !== undefined ? { defaultValue: String(parameter.Default) } : {}),
        noEcho: parameter.NoEcho === true || parameter.NoEcho === 'true',
        ...(parameter.Description !== undefined ? { description: parameter.Description } : {}),
      })),
      capabilities: capability ? [capability] : [],
      ...(reason !== undefined ? { capabilitiesReason: reason } : {}),
    };
  }
}
