import { validationError } from './errors';
import { ec2Id } from './ids';
import type { TemplateParameter } from './template';

export interface ParameterInput {
  key: string;
  value?: string;
  usePreviousValue?: boolean;
}

/** A parameter as DescribeStacks reports it (NoEcho values masked, SSM parameters with their resolved value). */
export interface StackParameter {
  key: string;
  value: string;
  resolvedValue?: string;
}

export type ParameterValue = string | string[];

export interface ResolvedParameters {
  values: Map<string, ParameterValue>;
  reported: StackParameter[];
}

const isListType = (type: string): boolean => type.startsWith('List<') || type === 'CommaDelimitedList';
const isSsmType = (type: string): boolean => type.startsWith('AWS::SSM::Parameter::Value<');
const isTrue = (value: unknown): boolean => value === true || value === 'true';

/**
 * Checks the caller's parameters against the template the way CloudFormation does before it creates anything:
 * unknown keys first, then missing values, then each parameter's constraints, reporting the first failure.
 */
export const resolveParameters = (
  declared: Record<string, TemplateParameter>,
  given: ParameterInput[],
  resolveSsm: SsmResolver = resolveSsmParameter,
): ResolvedParameters => {
  const unknown = given.map((p) => p.key).filter((key) => !(key in declared));
  if (unknown.length > 0) throw validationError(`Parameters: [${unknown.join(', ')}] do not exist in the template`);

  const givenByKey = new Map(given.map((p) => [p.key, p]));
  const missing = Object.entries(declared)
    .filter(([key, parameter]) => givenByKey.get(key)?.value === undefined && parameter.Default === undefined)
    .map(([key]) => key);
  if (missing.length > 0) throw validationError(`Parameters: [${missing.join(', ')}] must have values`);

  const values = new Map<string, ParameterValue>();
  const reported: StackParameter[] = [];
  for (const [key, parameter] of Object.entries(declared)) {
    const raw = givenByKey.get(key)?.value ?? String(parameter.Default);
    checkConstraints(key, parameter, raw);
    const resolved = isSsmType(parameter.Type) ? resolveSsm(parameter.Type, raw) : undefined;
    const effective = resolved ?? raw;
    values.set(key, isListType(parameter.Type) ? splitList(effective) : effective);
    reported.push({
      key,
      value: isTrue(parameter.NoEcho) ? '****' : raw,
      ...(resolved !== undefined ? { resolvedValue: resolved } : {}),
    });
  }
  return { values, reported };
};

const splitList = (value: string): string[] => (value === '' ? [] : value.split(',').map((item) => item.trim()));

/** Resolves an SSM parameter type (`AWS::SSM::Parameter::Value<…>`) named `name` to its current value. */
export type SsmResolver = (type: string, name: string) => string;

/** No SSM here: an AMI parameter resolves to a plausible image id, anything else to a placeholder. */
export const resolveSsmParameter = (type: string): string =>
  type.includes('AWS::EC2::Image::Id') ? ec2Id('ami') : 'simulated-ssm-value';

const checkConstraints = (key: string, parameter: TemplateParameter, raw: string): void => {
  const fail = (constraint: string): never => {
    const description = parameter.ConstraintDescription;
    throw validationError(
      description ? `Parameter '${key}' failed to satisfy constraint: ${description}` : `Parameter '${key}' ${constraint}`,
    );
  };
  const items = isListType(parameter.Type) ? splitList(raw) : [raw];
  const numeric = parameter.Type === 'Number' || parameter.Type === 'List<Number>';

  for (const item of items) {
    if (numeric && (item.trim() === '' || !Number.isFinite(Number(item)))) fail('must be a number');
    if (parameter.AllowedValues && !parameter.AllowedValues.map(String).includes(item)) {
      fail('must be one of AllowedValues');
    }
    if (parameter.AllowedPattern !== undefined && !matchesWhole(parameter.AllowedPattern, item)) {
      fail(`must match pattern ${parameter.AllowedPattern}`);
    }
    if (numeric && parameter.MinValue !== undefined && Number(item) < Number(parameter.MinValue)) {
      fail(`must be a number not less than ${parameter.MinValue}`);
    }
    if (numeric && parameter.MaxValue !== undefined && Number(item) > Number(parameter.MaxValue)) {
      fail(`must be a number not greater than ${parameter.MaxValue}`);
    }
  }
  if (parameter.MinLength !== undefined && raw.length < Number(parameter.MinLength)) {
    fail(`must contain at least ${parameter.MinLength} characters`);
  }
  if (parameter.MaxLength !== undefined && raw.length > Number(parameter.MaxLength)) {
    fail(`must contain at most ${parameter.MaxLength} characters`);
  }
};

/** CloudFormation patterns must match the whole value, anchored or not (Java `String.matches`). */
const matchesWhole = (pattern: string, value: string): boolean => {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    throw validationError(`Template format error: invalid AllowedPattern ${pattern}`);
  }
};
