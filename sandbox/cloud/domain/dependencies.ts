import { templateFormatError, validationError } from './errors';
import { dependsOnList, type TemplateResource } from './template';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Names a value points at through Ref, Fn::GetAtt and Fn::Sub: the implicit dependencies CloudFormation infers. */
export const referencedNames = (value: unknown, found = new Set<string>()): Set<string> => {
  if (Array.isArray(value)) {
    for (const item of value) referencedNames(item, found);
    return found;
  }
  if (!isRecord(value)) return found;
  for (const [key, argument] of Object.entries(value)) {
    if (key === 'Ref' && typeof argument === 'string') found.add(argument);
    else if (key === 'Fn::GetAtt') addGetAttTarget(argument, found);
    else if (key === 'Fn::Sub') addSubReferences(argument, found);
    referencedNames(argument, found);
  }
  return found;
};

const addGetAttTarget = (argument: unknown, found: Set<string>): void => {
  const target = typeof argument === 'string' ? argument.split('.')[0] : Array.isArray(argument) ? argument[0] : undefined;
  if (typeof target === 'string') found.add(target);
};

const addSubReferences = (argument: unknown, found: Set<string>): void => {
  const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
  if (typeof text !== 'string') return;
  const locals = isRecord(variables) ? variables : {};
  for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
    const name = (match[1] ?? '').trim();
    if (name in locals || name.startsWith('AWS::')) continue;
    found.add(name.split('.')[0] ?? name);
  }
};

/**
 * The resources each active resource waits for. A reference to a resource that does not exist is the template
 * error CloudFormation reports; one to a resource skipped by its Condition is dropped, as CloudFormation does for
 * references inside the false branch of an Fn::If.
 */
export const resourceDependencies = (
  resources: Record<string, TemplateResource>,
  active: ReadonlySet<string>,
  knownNames: ReadonlySet<string>,
): Map<string, string[]> => {
  const graph = new Map<string, string[]>();
  for (const logicalId of active) {
    const resource = resources[logicalId];
    if (!resource) continue;
    for (const name of dependsOnList(resource)) {
      if (!(name in resources)) {
        throw templateFormatError(`Unresolved resource dependencies [${name}] in the Resources block of the template`);
      }
    }
    const implicit = [...referencedNames(resource.Properties ?? {})].filter((name) => {
      if (name in resources) return true;
      if (knownNames.has(name) || name.startsWith('AWS::')) return false;
      throw templateFormatError(`Unresolved resource dependencies [${name}] in the Resources block of the template`);
    });
    const dependencies = new Set([...dependsOnList(resource), ...implicit]);
    graph.set(
      logicalId,
      [...dependencies].filter((name) => name !== logicalId && active.has(name)),
    );
  }
  return graph;
};

/** Kahn's algorithm, keeping template order among resources that are ready together. */
export const creationOrder = (graph: ReadonlyMap<string, string[]>): string[] => {
  const remaining = new Map([...graph].map(([id, dependencies]) => [id, new Set(dependencies)]));
  const order: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(([, dependencies]) => dependencies.size === 0).map(([id]) => id);
    if (ready.length === 0) {
      throw validationError(`Circular dependency between resources: [${[...remaining.keys()].join(', ')}]`);
    }
    for (const id of ready) {
      order.push(id);
      remaining.delete(id);
    }
    for (const dependencies of remaining.values()) for (const id of ready) dependencies.delete(id);
  }
  return order;
};
