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
}

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

const asText = (value: unknown): string => (Array.isArray(value) ? value.join(',') : String(value));

/**
 * Resolves a template for one stack up front: conditions, the dependency order, a physical id per resource and the
 * outputs. Doing it before the first event means a broken reference fails CreateStack instead of half a stack.
 */
export const instantiateTemplate = (
  template: Template,
  parameters: ReadonlyMap<string, ParameterValue>,
  stack: StackIdentity & { notificationArns: string[] },
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
    const physical = provisionResource(declared.Type, logicalId, properties, stack);
    const signalCount = Number(evaluate(declared.CreationPolicy?.ResourceSignal?.Count ?? 0, scope));
    provisioned.set(logicalId, {
      ...physical,
      logicalId,
      type: declared.Type,
      properties,
      dependsOn: graph.get(logicalId) ?? [],
      ...(declared.DeletionPolicy !== undefined ? { deletionPolicy: declared.DeletionPolicy } : {}),
      ...(signalCount > 0 ? { signalCount } : {}),
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
