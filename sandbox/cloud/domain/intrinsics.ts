import { templateError, templateFormatError } from './errors';
import { ACCOUNT_ID } from './ids';
import { cidrSubnets } from './ipv4';
import type { ParameterValue } from './parameters';
import type { Template } from './template';

/** `Ref: AWS::NoValue` removes the property or list item it stands in. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export interface ResourceReference {
  /** What `Ref` returns: the physical id for most types, a name or an ARN for some. */
  ref: string;
  attribute(name: string): unknown;
}

export interface EvaluationScope {
  region: string;
  stackName: string;
  stackId: string;
  notificationArns: string[];
  parameters: ReadonlyMap<string, ParameterValue>;
  mappings: Template['Mappings'];
  condition(name: string): boolean;
  /** undefined when the template has no such resource (or its Condition is false). */
  resource(logicalId: string): ResourceReference | undefined;
}

export const availabilityZones = (region: string): string[] => ['a', 'b', 'c'].map((zone) => `${region}${zone}`);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const pseudoParameter = (name: string, scope: EvaluationScope): ParameterValue | typeof NO_VALUE | undefined => {
  switch (name) {
    case 'AWS::Region':
      return scope.region;
    case 'AWS::AccountId':
      return ACCOUNT_ID;
    case 'AWS::StackName':
      return scope.stackName;
    case 'AWS::StackId':
      return scope.stackId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::NotificationARNs':
      return scope.notificationArns;
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      return undefined;
  }
};

const asString = (value: unknown, where: string): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw templateError(`every value in ${where} must be a string`);
};

const asList = (value: unknown, where: string): unknown[] => {
  if (Array.isArray(value)) return value;
  throw templateError(`${where} requires a list`);
};

const unresolved = (name: string): never => {
  throw templateFormatError(`Unresolved resource dependencies [${name}] in the Resources block of the template`);
};

/**
 * Evaluates intrinsic functions the way CloudFormation does when it provisions: parameters, pseudo parameters and
 * resources for Ref, fake physical values for GetAtt, conditions for If. `inCondition` enables the `Condition`
 * reference, which elsewhere is an ordinary key (IAM policies have `Condition` blocks).
 */
export const evaluate = (value: unknown, scope: EvaluationScope, inCondition = false): unknown => {
  if (Array.isArray(value)) {
    return value.map((item) => evaluate(item, scope, inCondition)).filter((item) => item !== NO_VALUE);
  }
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  const onlyKey = keys.length === 1 ? keys[0] : undefined;
  if (onlyKey !== undefined) {
    const argument = value[onlyKey];
    const fn = intrinsicFunctions[onlyKey];
    if (fn) return fn(argument, scope, inCondition);
    if (onlyKey === 'Condition' && inCondition) return scope.condition(asString(argument, 'Condition'));
  }
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const evaluated = evaluate(item, scope, inCondition);
    if (evaluated !== NO_VALUE) result[key] = evaluated;
  }
  return result;
};

type IntrinsicFunction = (argument: unknown, scope: EvaluationScope, inCondition: boolean) => unknown;

const ref: IntrinsicFunction = (argument, scope) => {
  const name = asString(argument, 'Ref');
  const pseudo = pseudoParameter(name, scope);
  if (pseudo !== undefined) return pseudo;
  const parameter = scope.parameters.get(name);
  if (parameter !== undefined) return parameter;
  return scope.resource(name)?.ref ?? unresolved(name);
};

const getAtt: IntrinsicFunction = (argument, scope, inCondition) => {
  const evaluated = evaluate(argument, scope, inCondition);
  const [logicalId, ...attributePath] =
    typeof evaluated === 'string' ? evaluated.split('.') : asList(evaluated, 'Fn::GetAtt').map(String);
  if (logicalId === undefined || attributePath.length === 0) throw templateError('Fn::GetAtt needs a resource and an attribute');
  const resource = scope.resource(logicalId) ?? unresolved(logicalId);
  return resource.attribute(attributePath.join('.'));
};

const sub: IntrinsicFunction = (argument, scope, inCondition) => {
  const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
  const source = asString(text, 'Fn::Sub');
  const locals = isRecord(variables) ? variables : {};
  return source.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => {
    if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
    const name = expression.trim();
    if (name in locals) return asString(evaluate(locals[name], scope, inCondition), 'Fn::Sub');
    const [head, ...rest] = name.split('.');
    if (rest.length > 0 && head !== undefined && !name.startsWith('AWS::')) {
      return asString(getAtt([head, rest.join('.')], scope, inCondition), 'Fn::Sub');
    }
    const value = ref(name, scope, inCondition);
    return Array.isArray(value) ? value.join(',') : asString(value, 'Fn::Sub');
  });
};

const join: IntrinsicFunction = (argument, scope, inCondition) => {
  const [delimiter, items] = asList(argument, 'Fn::Join');
  const list = asList(evaluate(items, scope, inCondition), 'Fn::Join');
  return list.map((item) => asString(item, 'Fn::Join')).join(asString(delimiter, 'Fn::Join'));
};

const select: IntrinsicFunction = (argument, scope, inCondition) => {
  const [index, items] = asList(evaluate(argument, scope, inCondition), 'Fn::Select');
  const list = asList(items, 'Fn::Select');
  const position = Number(index);
  if (!Number.isInteger(position) || position < 0 || position >= list.length) {
    throw templateError(`Fn::Select cannot select nonexistent value at index ${String(index)}`);
  }
  return list[position];
};

const split: IntrinsicFunction = (argument, scope, inCondition) => {
  const [delimiter, text] = asList(evaluate(argument, scope, inCondition), 'Fn::Split');
  return asString(text, 'Fn::Split').split(asString(delimiter, 'Fn::Split'));
};

const getAzs: IntrinsicFunction = (argument, scope, inCondition) => {
  const region = asString(evaluate(argument ?? '', scope, inCondition), 'Fn::GetAZs');
  return availabilityZones(region === '' ? scope.region : region);
};

const ifFunction: IntrinsicFunction = (argument, scope, inCondition) => {
  const [condition, whenTrue, whenFalse] = asList(argument, 'Fn::If');
  const chosen = scope.condition(asString(condition, 'Fn::If')) ? whenTrue : whenFalse;
  return evaluate(chosen, scope, inCondition);
};

const equals: IntrinsicFunction = (argument, scope) => {
  const [left, right] = asList(evaluate(argument, scope, true), 'Fn::Equals');
  return JSON.stringify(normalise(left)) === JSON.stringify(normalise(right));
};

/** Fn::Equals compares `3` and `"3"` as equal: CloudFormation sees both as strings. */
const normalise = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(normalise) : typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;

const booleans = (argument: unknown, scope: EvaluationScope, name: string): boolean[] =>
  asList(argument, name).map((item) => {
    const result = evaluate(item, scope, true);
    if (typeof result !== 'boolean') throw templateError(`${name} requires conditions`);
    return result;
  });

const findInMap: IntrinsicFunction = (argument, scope, inCondition) => {
  const [mapName, topKey, secondKey] = asList(evaluate(argument, scope, inCondition), 'Fn::FindInMap').map((item) =>
    asString(item, 'Fn::FindInMap'),
  );
  const value = scope.mappings[mapName ?? '']?.[topKey ?? '']?.[secondKey ?? ''];
  if (value === undefined) throw templateError(`Unable to get mapping for ${mapName}::${topKey}::${secondKey}`);
  return value;
};

const cidr: IntrinsicFunction = (argument, scope, inCondition) => {
  const [block, count, bits] = asList(evaluate(argument, scope, inCondition), 'Fn::Cidr');
  return cidrSubnets(asString(block, 'Fn::Cidr'), Number(count), Number(bits));
};

const intrinsicFunctions: Record<string, IntrinsicFunction> = {
  Ref: ref,
  'Fn::GetAtt': getAtt,
  'Fn::Sub': sub,
  'Fn::Join': join,
  'Fn::Select': select,
  'Fn::Split': split,
  'Fn::GetAZs': getAzs,
  'Fn::If': ifFunction,
  'Fn::Equals': equals,
  'Fn::Not': (argument, scope) => !booleans(argument, scope, 'Fn::Not')[0],
  'Fn::And': (argument, scope) => booleans(argument, scope, 'Fn::And').every(Boolean),
  'Fn::Or': (argument, scope) => booleans(argument, scope, 'Fn::Or').some(Boolean),
  'Fn::FindInMap': findInMap,
  'Fn::Base64': (argument, scope, inCondition) =>
    Buffer.from(asString(evaluate(argument, scope, inCondition), 'Fn::Base64')).toString('base64'),
  'Fn::Cidr': cidr,
  'Fn::ImportValue': (argument, scope, inCondition) =>
    `imported-${asString(evaluate(argument, scope, inCondition), 'Fn::ImportValue')}`,
  'Fn::Length': (argument, scope, inCondition) => asList(evaluate(argument, scope, inCondition), 'Fn::Length').length,
  'Fn::ToJsonString': (argument, scope, inCondition) => JSON.stringify(evaluate(argument, scope, inCondition)),
};

/** Conditions may use each other; each is evaluated once, and a loop is a template error as in CloudFormation. */
export const conditionEvaluator = (
  conditions: Record<string, unknown>,
  scopeWithoutConditions: Omit<EvaluationScope, 'condition'>,
): ((name: string) => boolean) => {
  const results = new Map<string, boolean>();
  const evaluating = new Set<string>();
  const condition = (name: string): boolean => {
    const known = results.get(name);
    if (known !== undefined) return known;
    if (!(name in conditions)) throw templateFormatError(`Unresolved condition dependencies [${name}]`);
    if (evaluating.has(name)) throw templateFormatError(`Circular dependency between conditions: [${name}]`);
    evaluating.add(name);
    const result = evaluate(conditions[name], { ...scopeWithoutConditions, condition }, true);
    evaluating.delete(name);
    if (typeof result !== 'boolean') throw templateError(`Condition ${name} does not evaluate to a boolean`);
    results.set(name, result);
    return result;
  };
  return condition;
};
