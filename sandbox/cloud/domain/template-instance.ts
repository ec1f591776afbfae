import { creationOrder, resourceDependencies } from './dependencies';
import { templateError } from './errors';
import { conditionEvaluator, evaluate, type EvaluationScope } from './intrinsics';
import type { ParameterValue } from './parameters';
import { provisionResource, resourceAttribute, type PhysicalResource, type StackIdentity } from './physical-resources';
import type { Template } from './template';

export interface ProvisionedResource extends PhysicalResource {
  logicalId: string;
  type: string;
  /** Properties with every intrinsic function resolved. */
  properties: Record<string, unknown>;
  dependsOn: string[];
  deletionPolicy?: string;
  /** How many success signals the resource waits for (its CreationPolicy). */
  signalCount?: number;
  /** A group's UpdatePolicy AutoScalingRollingUpdate, resolved. */
  rollingUpdate?: RollingUpdatePolicy;
}

/** https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html */
export interface RollingUpdatePolicy {
  maxBatchSize: number;
  minInstancesInService: number;
  pauseTime: string;
  waitOnResourceSignals: boolean;
}

const rollingUpdatePolicy = (declared: Record<string, unknown> | undefined, scope: EvaluationScope): RollingUpdatePolicy | undefined => {
  if (!declared) return undefined;
  const resolved = evaluate(declared, scope) as Record<string, unknown>;
  const number = (value: unknown, fallback: number): number => (Number.isFinite(Number(value)) && value !== undefined ? Math.floor(Number(value)) : fallback);
  return {
    maxBatchSize: Math.max(1, number(resolved['MaxBatchSize'], 1)),
    minInstancesInService: Math.max(0, number(resolved['MinInstancesInService'], 0)),
    pauseTime: typeof resolved['PauseTime'] === 'string' ? resolved['PauseTime'] : 'PT0S',
    waitOnResourceSignals: resolved['WaitOnResourceSignals'] === true || resolved['WaitOnResourceSignals'] === 'true',
  };
};

export interface StackOutput {
  key: string;
  value: string;
  description?: string;
  exportName?: string;
}

export interface TemplateInstance {
  /** Active resources in an order where every resource follows the ones it depends on. */
  resources: ProvisionedResource[];
  outputs: StackOutput[];
}

/**
 * An update keeps a resource's physical id when its type stays (no property of the simulated types needs a
 * replacement); a launch template whose data changes gets a new version, as AWS::EC2::LaunchTemplate does.
 */
const keepPhysical = (
  previous: ProvisionedResource | undefined,
  type: string,
  properties: Record<string, unknown>,
): PhysicalResource | undefined => {
  if (!previous || previous.type !== type) return undefined;
  if (type !== 'AWS::EC2::LaunchTemplate' || JSON.stringify(previous.properties) === JSON.stringify(properties)) {
    return { physicalId: previous.physicalId, attributes: previous.attributes };
  }
  const version = String(Number(previous.attributes['LatestVersionNumber'] ?? 1) + 1);
  return { physicalId: previous.physicalId, attributes: { ...previous.attributes, LatestVersionNumber: version, DefaultVersionNumber: version } };
};

const asText = (value: unknown): string => (Array.isArray(value) ? value.join(',') : String(value));

/**
 * Resolves a template for one stack up front: conditions, the dependency order, a physical id per resource and the
 * outputs. Doing it before the first event means a broken reference fails CreateStack instead of half a stack.
 */
export const instantiateTemplate = (
  template: Template,
  parameters: ReadonlyMap<string, ParameterValue>,
  stack: StackIdentity & { notificationArns: string[] },
  previous?: ReadonlyMap<string, ProvisionedResource>,
): TemplateInstance => {
  const provisioned = new Map<string, ProvisionedResource>();
  const base: Omit<EvaluationScope, 'condition'> = {
    ...stack,
    parameters,
    mappings: template.Mappings,
    resource: (logicalId) => {
      const resource = provisioned.get(logicalId);
      return resource && { ref: resource.physicalId, attribute: (name) => resourceAttribute(resource, name) };
    },
  };
  const scope: EvaluationScope = { ...base, condition: conditionEvaluator(template.Conditions, { ...base, resource: () => undefined }) };

  const active = new Set(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Condition === undefined || scope.condition(resource.Condition))
      .map(([logicalId]) => logicalId),
  );
  const graph = resourceDependencies(template.Resources, active, new Set(parameters.keys()));
  for (const logicalId of creationOrder(graph)) {
    const declared = template.Resources[logicalId];
    if (!declared) continue;
    const properties = evaluate(declared.Properties ?? {}, scope) as Record<string, unknown>;
    const physical = keepPhysical(previous?.get(logicalId), declared.Type, properties) ?? provisionResource(declared.Type, logicalId, properties, stack);
    const signalCount = Number(evaluate(declared.CreationPolicy?.ResourceSignal?.Count ?? 0, scope));
    const rollingUpdate = rollingUpdatePolicy(declared.UpdatePolicy?.AutoScalingRollingUpdate, scope);
    provisioned.set(logicalId, {
      ...physical,
      logicalId,
      type: declared.Type,
      properties,
      dependsOn: graph.get(logicalId) ?? [],
      ...(declared.DeletionPolicy !== undefined ? { deletionPolicy: declared.DeletionPolicy } : {}),
      ...(signalCount > 0 ? { signalCount } : {}),
      ...(rollingUpdate ? { rollingUpdate } : {}),
    });
  }

  const outputs: StackOutput[] = [];
  for (const [key, output] of Object.entries(template.Outputs)) {
    if (output.Condition !== undefined && !scope.condition(output.Condition)) continue;
    if (output.Value === undefined) throw templateError(`Output ${key} is malformed. Every Outputs member must contain a Value`);
    const description = output.Description === undefined ? undefined : asText(evaluate(output.Description, scope));
    const exportName = output.Export === undefined ? undefined : asText(evaluate(output.Export.Name, scope));
    outputs.push({
      key,
      value: asText(evaluate(output.Value, scope)),
      ...(description !== undefined ? { description } : {}),
      ...(exportName !== undefined ? { exportName } : {}),
    });
  }
  return { resources: [...provisioned.values()], outputs };
};
