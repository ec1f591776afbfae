/**
 * A template lint against the CloudFormation resource specification as AWS publishes it today, read from
 * @aws-cdk/aws-service-spec (the database the CDK generates its L1 constructs from, built from the CloudFormation
 * registry schemas; it replaced the @aws-cdk/cfnspec JSON, frozen in 2023). It makes the checks CloudFormation's own
 * validation and cfn-lint make that matter here: every resource type exists, every property is known and every
 * required one present, values have the shape the schema gives them, every Ref, Fn::GetAtt attribute, Fn::Sub
 * placeholder and condition resolves. So a misspelt property or a dangling !Ref fails `npm test`, not a stack create
 * on AWS. Returns findings as "where: what" strings; empty means clean.
 */
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, ResourceProperties } from '@aws-cdk/service-spec-types';
import { isRecord, type Json } from './template';

/** The specification, loaded once per test file (reading the compressed database takes a few seconds). */
export interface ResourceSpecification {
  resource(cloudFormationType: string): Resource | undefined;
  typeDefinition(reference: Extract<PropertyType, { type: 'ref' }>['reference']): { name: string; properties: ResourceProperties };
}

let loaded: ResourceSpecification | undefined;

export function loadResourceSpecification(): ResourceSpecification {
  if (loaded) return loaded;
  const database = loadAwsServiceSpecSync();
  return (loaded = {
    resource: (cloudFormationType) => database.lookup('resource', 'cloudFormationType', 'equals', cloudFormationType)[0],
    typeDefinition: (reference) => database.get('typeDefinition', reference),
  });
}

/**
 * CloudFormation's template quotas ("Understand CloudFormation quotas",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html): a template passed inline
 * as TemplateBody (CreateStack, UpdateStack, ValidateTemplate) is at most 51,200 bytes; one passed as a TemplateURL
 * from S3 at most 1 MB (counted here as 1,000,000 bytes, the stricter reading, as cfn-lint does); at most 500
 * resources, 200 parameters and 200 outputs.
 */
export const TEMPLATE_BODY_LIMIT = 51_200;
export const TEMPLATE_SIZE_LIMITS = { TemplateBody: TEMPLATE_BODY_LIMIT, TemplateURL: 1_000_000 } as const;
const QUOTAS = { Resources: 500, Parameters: 200, Outputs: 200 } as const;

/** How the template travels to CloudFormation, which decides its size limit. */
export interface TemplateSize {
  bytes: number;
  sentAs: keyof typeof TEMPLATE_SIZE_LIMITS;
}

const SECTIONS = new Set(['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs']);
const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'Metadata', 'CreationPolicy', 'UpdatePolicy', 'DeletionPolicy', 'UpdateReplacePolicy']);
const PARAMETER_KEYS = new Set(['Type', 'Default', 'Description', 'AllowedValues', 'AllowedPattern', 'ConstraintDescription', 'MinValue', 'MaxValue', 'MinLength', 'MaxLength', 'NoEcho']);
const OUTPUT_KEYS = new Set(['Value', 'Description', 'Export', 'Condition']);
const PSEUDO_PARAMETERS = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);
const PARAMETER_TYPE = /^(String|Number|List<Number>|CommaDelimitedList|AWS::EC2::[A-Za-z]+::[A-Za-z]+(Name|Id)|List<AWS::EC2::[A-Za-z]+::[A-Za-z]+(Name|Id)>|AWS::SSM::Parameter::Name|AWS::SSM::Parameter::Value<.+>)$/;
const CREATION_POLICY_KEYS = new Set(['ResourceSignal', 'AutoScalingCreationPolicy', 'StartFleet']);
/**
 * UpdatePolicy ("UpdatePolicy attribute", CloudFormation User Guide,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html): the policies and,
 * for AutoScalingRollingUpdate, its properties; PauseTime is an ISO 8601 duration of at most one hour (PT1H).
 */
const UPDATE_POLICY_KEYS = new Set(['AutoScalingReplacingUpdate', 'AutoScalingRollingUpdate', 'AutoScalingScheduledAction', 'CodeDeployLambdaAliasUpdate', 'EnableVersionUpgrade', 'UseOnlineResharding']);
const ROLLING_UPDATE_KEYS = new Set(['MaxBatchSize', 'MinActiveInstancesPercent', 'MinInstancesInService', 'MinSuccessfulInstancesPercent', 'PauseTime', 'SuspendProcesses', 'WaitOnResourceSignals']);
const CONDITION_FUNCTIONS = new Set(['Fn::And', 'Fn::Or', 'Fn::Not', 'Fn::Equals', 'Condition']);

export function lintTemplate(template: unknown, spec: ResourceSpecification, size?: TemplateSize): string[] {
  const findings: string[] = [];
  const report = (where: string, what: string) => findings.push(`${where}: ${what}`);
  if (!isRecord(template)) return ['template: not a mapping'];
  if (size && size.bytes > TEMPLATE_SIZE_LIMITS[size.sentAs]) {
    report('template', `${size.bytes} bytes, over the ${TEMPLATE_SIZE_LIMITS[size.sentAs]}-byte limit of a ${size.sentAs}`);
  }
  for (const [section, quota] of Object.entries(QUOTAS)) {
    const count = isRecord(template[section]) ? Object.keys(template[section]).length : 0;
    if (count > quota) report(section, `${count} declared, over the quota of ${quota}`);
  }
  for (const section of Object.keys(template)) if (!SECTIONS.has(section)) report(section, 'unknown template section');

  const parameters = isRecord(template.Parameters) ? template.Parameters : {};
  const resources = isRecord(template.Resources) ? template.Resources : {};
  const conditions = isRecord(template.Conditions) ? template.Conditions : {};
  const mappings = isRecord(template.Mappings) ? template.Mappings : {};
  if (Object.keys(resources).length === 0) report('Resources', 'a template needs at least one resource');

  const context: Context = { spec, parameters, resources, conditions, mappings, report };
  for (const [name, parameter] of Object.entries(parameters)) lintParameter(`Parameters.${name}`, parameter, report);
  for (const [name, condition] of Object.entries(conditions)) lintCondition(`Conditions.${name}`, condition, context);
  for (const [name, resource] of Object.entries(resources)) lintResource(name, resource, context);
  const outputs = isRecord(template.Outputs) ? template.Outputs : {};
  for (const [name, output] of Object.entries(outputs)) {
    const where = `Outputs.${name}`;
    if (!/^[A-Za-z0-9]{1,255}$/.test(name)) report(where, 'output names are alphanumeric');
    if (!isRecord(output) || output.Value === undefined) {
      report(where, 'an output needs a Value');
      continue;
    }
    for (const key of Object.keys(output)) if (!OUTPUT_KEYS.has(key)) report(where, `unknown output key ${key}`);
    if (output.Condition !== undefined && !(String(output.Condition) in conditions)) report(where, `unknown condition ${String(output.Condition)}`);
    lintIntrinsics(`${where}.Value`, output.Value, context, {});
  }
  return findings;
}

interface Context {
  spec: ResourceSpecification;
  parameters: Record<string, Json>;
  resources: Record<string, Json>;
  conditions: Record<string, Json>;
  mappings: Record<string, Json>;
  report: (where: string, what: string) => void;
}

function lintParameter(where: string, parameter: Json, report: Context['report']): void {
  if (!isRecord(parameter)) return report(where, 'a parameter is a mapping');
  for (const key of Object.keys(parameter)) if (!PARAMETER_KEYS.has(key)) report(where, `unknown parameter key ${key}`);
  const type = String(parameter.Type);
  if (!PARAMETER_TYPE.test(type)) report(where, `unknown parameter type ${type}`);
  if (parameter.Default === undefined) return;
  const value = String(parameter.Default);
  const allowed = Array.isArray(parameter.AllowedValues) ? parameter.AllowedValues.map(String) : undefined;
  if (allowed && !allowed.includes(value)) report(where, `default ${value} is not one of AllowedValues`);
  if (typeof parameter.AllowedPattern === 'string' && !new RegExp(parameter.AllowedPattern).test(value)) {
    report(where, `default "${value}" does not match AllowedPattern`);
  }
  if (type === 'Number') {
    const number = Number(value);
    if (Number.isNaN(number)) report(where, `default ${value} is not a number`);
    if (parameter.MinValue !== undefined && number < Number(parameter.MinValue)) report(where, 'default is below MinValue');
    if (parameter.MaxValue !== undefined && number > Number(parameter.MaxValue)) report(where, 'default is above MaxValue');
  }
  // CloudFormation reads YAML 1.1: an unquoted yes/no becomes a boolean and no longer equals the string a caller sends.
  for (const candidate of [parameter.Default, ...(Array.isArray(parameter.AllowedValues) ? parameter.AllowedValues : [])]) {
    if (typeof candidate === 'boolean') report(where, 'quote yes/no/true/false values, YAML 1.1 reads them as booleans');
  }
}

function lintCondition(where: string, condition: Json, context: Context): void {
  if (!isRecord(condition) || Object.keys(condition).length !== 1 || !CONDITION_FUNCTIONS.has(Object.keys(condition)[0] ?? '')) {
    return context.report(where, 'a condition is one of Fn::And, Fn::Or, Fn::Not, Fn::Equals or Condition');
  }
  lintIntrinsics(where, condition, context, {});
}

const DELETION_POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']);

function lintResource(name: string, resource: Json, context: Context): void {
  const where = `Resources.${name}`;
  const { report, spec, resources, conditions } = context;
  if (!/^[A-Za-z0-9]+$/.test(name)) report(where, 'logical ids are alphanumeric');
  if (!isRecord(resource)) return report(where, 'a resource is a mapping');
  for (const key of Object.keys(resource)) if (!RESOURCE_KEYS.has(key)) report(where, `unknown resource attribute ${key}`);
  const type = String(resource.Type);
  // Custom::Name is a custom resource under a name of the author's choosing (AWS::CloudFormation::CustomResource).
  const resourceSpec = spec.resource(type.startsWith('Custom::') ? 'AWS::CloudFormation::CustomResource' : type);
  if (!resourceSpec) return report(where, `unknown resource type ${type}`);
  if (resource.Condition !== undefined && !(String(resource.Condition) in conditions)) report(where, `unknown condition ${String(resource.Condition)}`);
  const dependsOn = resource.DependsOn === undefined ? [] : Array.isArray(resource.DependsOn) ? resource.DependsOn : [resource.DependsOn];
  for (const target of dependsOn) if (!(String(target) in resources)) report(`${where}.DependsOn`, `unknown resource ${String(target)}`);
  for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy']) {
    const value = resource[policy];
    if (value !== undefined && !DELETION_POLICIES.has(String(value))) report(`${where}.${policy}`, `unknown policy ${String(value)}`);
  }
  if (resource.CreationPolicy !== undefined) {
    if (!isRecord(resource.CreationPolicy)) report(`${where}.CreationPolicy`, 'must be a mapping');
    else {
      for (const key of Object.keys(resource.CreationPolicy)) if (!CREATION_POLICY_KEYS.has(key)) report(`${where}.CreationPolicy`, `unknown key ${key}`);
      const timeout = isRecord(resource.CreationPolicy.ResourceSignal) ? resource.CreationPolicy.ResourceSignal.Timeout : undefined;
      if (timeout !== undefined && !/^PT(\d+H)?(\d+M)?(\d+S)?$/.test(String(timeout))) report(`${where}.CreationPolicy`, `timeout ${String(timeout)} is not an ISO 8601 duration`);
      lintIntrinsics(`${where}.CreationPolicy`, resource.CreationPolicy, context, {});
    }
  }
  if (resource.UpdatePolicy !== undefined) lintUpdatePolicy(`${where}.UpdatePolicy`, resource.UpdatePolicy, context);
  if (resource.Metadata !== undefined) lintIntrinsics(`${where}.Metadata`, resource.Metadata, context, {});
  const properties = resource.Properties ?? {};
  if (!isRecord(properties)) return report(`${where}.Properties`, 'must be a mapping');
  // A custom resource takes any properties besides its ServiceToken.
  const known = type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource' ? undefined : resourceSpec.properties;
  if (!known) {
    if (properties.ServiceToken === undefined) report(`${where}.Properties`, 'required property ServiceToken is missing');
    return lintIntrinsics(`${where}.Properties`, properties, context, {});
  }
  lintProperties(`${where}.Properties`, known, properties, context);
}

function lintUpdatePolicy(where: string, policy: Json, context: Context): void {
  if (!isRecord(policy)) return context.report(where, 'must be a mapping');
  for (const key of Object.keys(policy)) if (!UPDATE_POLICY_KEYS.has(key)) context.report(where, `unknown policy ${key}`);
  const rolling = policy.AutoScalingRollingUpdate;
  if (isRecord(rolling)) {
    for (const key of Object.keys(rolling)) if (!ROLLING_UPDATE_KEYS.has(key)) context.report(`${where}.AutoScalingRollingUpdate`, `unknown property ${key}`);
    const pause = rolling.PauseTime;
    if (typeof pause === 'string') {
      const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(pause);
      const seconds = match ? Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0) : Number.NaN;
      if (!(seconds <= 3600)) context.report(`${where}.AutoScalingRollingUpdate.PauseTime`, `${pause} is not an ISO 8601 duration of at most PT1H`);
    }
  }
  lintIntrinsics(where, policy, context, {});
}

function lintProperties(where: string, known: ResourceProperties, values: Record<string, Json>, context: Context): void {
  for (const [name, property] of Object.entries(known)) {
    if (property.required && values[name] === undefined) context.report(where, `required property ${name} is missing`);
  }
  for (const [name, value] of Object.entries(values)) {
    const property = known[name];
    if (!property) {
      context.report(where, `unknown property ${name}`);
      continue;
    }
    lintValue(`${where}.${name}`, property.type, value, context);
  }
}

const an = (noun: string) => `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** Checks a value against the type the schema gives it; an intrinsic function stands for any value. */
function lintValue(where: string, type: PropertyType, value: Json, context: Context): void {
  if (isIntrinsic(value)) {
    const [[name, argument]] = Object.entries(value) as [[string, Json]];
    // Both branches of an Fn::If end up as the value, so each must fit the type (AWS::NoValue removes the property).
    if (name === 'Fn::If' && Array.isArray(argument) && argument.length === 3) {
      if (!(String(argument[0]) in context.conditions)) context.report(where, `unknown condition ${String(argument[0])}`);
      for (const branch of [argument[1], argument[2]] as Json[]) {
        if (!(isRecord(branch) && branch.Ref === 'AWS::NoValue')) lintValue(where, type, branch, context);
      }
      return;
    }
    return lintIntrinsics(where, value, context, {});
  }
  const { report } = context;
  const shape = Array.isArray(value) ? 'a list' : isRecord(value) ? 'a mapping' : undefined;
  switch (type.type) {
    case 'json':
      return lintIntrinsics(where, value, context, {});
    case 'string':
    case 'date-time':
    case 'null':
      if (shape) return report(where, `expected ${an(type.type)}, got ${shape}`);
      if (type.type === 'string' && type.allowedValues && typeof value === 'string' && !type.allowedValues.includes(value)) {
        report(where, `${value} is not one of ${type.allowedValues.join(', ')}`);
      }
      return;
    case 'number':
    case 'integer':
      if (shape) return report(where, `expected ${an(type.type)}, got ${shape}`);
      // CloudFormation takes numbers written as strings, but not words.
      if (typeof value === 'boolean' || (typeof value === 'string' && !NUMBER.test(value)) || (type.type === 'integer' && !Number.isInteger(Number(value)))) {
        return report(where, `expected ${an(type.type)}, got ${JSON.stringify(value)}`);
      }
      if (type.type === 'integer' && type.allowedValues && !type.allowedValues.includes(Number(value))) {
        report(where, `${String(value)} is not one of ${type.allowedValues.join(', ')}`);
      }
      return;
    case 'boolean':
      if (shape) return report(where, `expected a boolean, got ${shape}`);
      if (typeof value !== 'boolean' && !['true', 'false'].includes(String(value))) report(where, `expected a boolean, got ${JSON.stringify(value)}`);
      return;
    case 'tag':
      if (!isRecord(value)) return report(where, 'expected a tag mapping');
      return lintProperties(where, TAG, value, context);
    case 'array':
      if (!Array.isArray(value)) return report(where, `expected a list, got ${shape ?? JSON.stringify(value)}`);
      return value.forEach((item, index) => lintValue(`${where}[${index}]`, type.element, item, context));
    case 'map':
      if (!isRecord(value)) return report(where, `expected a mapping, got ${shape ?? JSON.stringify(value)}`);
      for (const [key, item] of Object.entries(value)) lintValue(`${where}.${key}`, type.element, item, context);
      return;
    case 'ref': {
      const definition = context.spec.typeDefinition(type.reference);
      // A definition without properties is a free-form object in the schema.
      if (Object.keys(definition.properties).length === 0) return lintIntrinsics(where, value, context, {});
      if (!isRecord(value)) return report(where, `expected a ${definition.name} mapping, got ${shape ?? JSON.stringify(value)}`);
      return lintProperties(where, definition.properties, value, context);
    }
    case 'union': {
      // The value must fit one of the alternatives; if none fits, report what the closest one found.
      const attempts = type.types.map((alternative) => {
        const found: [string, string][] = [];
        lintValue(where, alternative, value, { ...context, report: (at, what) => found.push([at, what]) });
        return found;
      });
      const closest = attempts.reduce((best, found) => (found.length < best.length ? found : best));
      for (const [at, what] of closest) context.report(at, what);
      return;
    }
  }
}

// The schema's built-in tag: { Key, Value }, both strings, both required.
const TAG: ResourceProperties = { Key: { type: { type: 'string' }, required: true }, Value: { type: { type: 'string' }, required: true } };

function isIntrinsic(value: Json): value is Record<string, Json> {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0] ?? '').startsWith('Fn::'));
}

/** Walks any value and checks every intrinsic function's targets (Ref, GetAtt, Sub placeholders, conditions, maps). */
function lintIntrinsics(where: string, value: Json, context: Context, subVariables: Record<string, true>): void {
  if (Array.isArray(value)) return value.forEach((item, index) => lintIntrinsics(`${where}[${index}]`, item, context, subVariables));
  if (!isRecord(value)) return;
  const keys = Object.keys(value);
  const [only] = keys;
  if (keys.length === 1 && only !== undefined) {
    const argument = value[only] as Json;
    if (only === 'Ref') return checkRef(where, argument, context, subVariables);
    if (only === 'Condition' && typeof argument === 'string') {
      if (!(argument in context.conditions)) context.report(where, `unknown condition ${argument}`);
      return;
    }
    if (only === 'Fn::GetAtt') return checkGetAtt(where, argument, context);
    if (only === 'Fn::Sub') return checkSub(where, argument, context);
    if (only === 'Fn::If') {
      if (!Array.isArray(argument) || argument.length !== 3) return context.report(where, 'Fn::If takes [condition, then, else]');
      if (!(String(argument[0]) in context.conditions)) context.report(where, `unknown condition ${String(argument[0])}`);
      return [argument[1], argument[2]].forEach((branch) => lintIntrinsics(where, branch as Json, context, subVariables));
    }
    if (only === 'Fn::FindInMap' && Array.isArray(argument) && typeof argument[0] === 'string' && !(argument[0] in context.mappings)) {
      context.report(where, `unknown mapping ${argument[0]}`);
    }
    if (only.startsWith('Fn::') && !KNOWN_FUNCTIONS.has(only)) context.report(where, `unknown function ${only}`);
  }
  for (const [key, item] of Object.entries(value)) lintIntrinsics(`${where}.${key}`, item, context, subVariables);
}

const KNOWN_FUNCTIONS = new Set(['Fn::Base64', 'Fn::Cidr', 'Fn::FindInMap', 'Fn::GetAtt', 'Fn::GetAZs', 'Fn::If', 'Fn::ImportValue', 'Fn::Join', 'Fn::Select', 'Fn::Split', 'Fn::Sub', 'Fn::Transform', 'Fn::And', 'Fn::Equals', 'Fn::Not', 'Fn::Or', 'Fn::Length', 'Fn::ToJsonString', 'Fn::ForEach']);

function checkRef(where: string, target: Json, context: Context, subVariables: Record<string, true>): void {
  if (typeof target !== 'string') return context.report(where, 'Ref takes a name');
  if (!(target in context.parameters) && !(target in context.resources) && !PSEUDO_PARAMETERS.has(target) && !subVariables[target]) {
    context.report(where, `Ref to unknown ${target}`);
  }
}

function checkGetAtt(where: string, argument: Json, context: Context): void {
  const [resourceName, attribute] = typeof argument === 'string' ? argument.split(/\.(.*)/s) : Array.isArray(argument) ? argument : [];
  if (typeof resourceName !== 'string' || typeof attribute !== 'string') return context.report(where, 'Fn::GetAtt takes [resource, attribute]');
  const resource = context.resources[resourceName];
  if (!isRecord(resource)) return context.report(where, `GetAtt of unknown resource ${resourceName}`);
  const type = String(resource.Type);
  // A custom resource answers any attribute its function returns; a nested stack's outputs are Outputs.Name.
  if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') return;
  if (type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) return;
  const attributes = context.spec.resource(type)?.attributes ?? {};
  if (!(attribute in attributes)) context.report(where, `${type} has no attribute ${attribute}`);
}

function checkSub(where: string, argument: Json, context: Context): void {
  const [text, variables] = typeof argument === 'string' ? [argument, {}] : Array.isArray(argument) ? argument : [];
  if (typeof text !== 'string' || !isRecord(variables)) return context.report(where, 'Fn::Sub takes a string or [string, variables]');
  for (const [name, value] of Object.entries(variables)) lintIntrinsics(`${where}.${name}`, value, context, {});
  const local: Record<string, true> = Object.fromEntries(Object.keys(variables).map((name) => [name, true]));
  for (const [, placeholder] of text.matchAll(/\$\{([^}]*)\}/g)) {
    if (placeholder === undefined || placeholder.startsWith('!')) continue;
    if (local[placeholder]) continue;
    if (placeholder.includes('.') && !placeholder.startsWith('AWS::')) checkGetAtt(where, placeholder, context);
    else checkRef(where, placeholder, context, local);
  }
}
