import { templateFormatError } from './errors';

export interface TemplateParameter {
  Type: string;
  Default?: unknown;
  AllowedValues?: unknown[];
  AllowedPattern?: string;
  MinLength?: number | string;
  MaxLength?: number | string;
  MinValue?: number | string;
  MaxValue?: number | string;
  Description?: string;
  NoEcho?: boolean | string;
  ConstraintDescription?: string;
}

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  CreationPolicy?: { ResourceSignal?: { Count?: number | string; Timeout?: string } };
  UpdatePolicy?: { AutoScalingRollingUpdate?: Record<string, unknown> };
}

export interface TemplateOutput {
  Value: unknown;
  Description?: unknown;
  Condition?: string;
  Export?: { Name: unknown };
}

export interface Template {
  Description?: string;
  Parameters: Record<string, TemplateParameter>;
  Mappings: Record<string, Record<string, Record<string, unknown>>>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, TemplateResource>;
  Outputs: Record<string, TemplateOutput>;
}

/** Turns YAML (with CloudFormation short-form tags) into plain data; supplied by the composition root. */
export type YamlReader = (text: string) => unknown;

/** The largest TemplateBody CloudFormation accepts inline. */
const MAX_TEMPLATE_BODY = 51_200;

const PARAMETER_TYPES = new Set(['String', 'Number', 'List<Number>', 'CommaDelimitedList']);
const isKnownParameterType = (type: string): boolean =>
  PARAMETER_TYPES.has(type) ||
  /^(List<)?AWS::[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+>?$/.test(type) ||
  type.startsWith('AWS::SSM::Parameter::');

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Remembers the last few template bodies it read. A service creates every stack from the same template, and reading
 * a 900-line YAML document is the simulated cloud's costliest step per CreateStack; each caller gets its own copy, so
 * nothing a stack does to its template leaks into the next one.
 */
export const rememberingReader = (readYaml: YamlReader, capacity = 8): YamlReader => {
  const remembered = new Map<string, unknown>();
  return (body) => {
    let document = remembered.get(body);
    if (document === undefined) {
      document = readYaml(body);
      if (remembered.size >= capacity) remembered.delete(remembered.keys().next().value as string);
      remembered.set(body, document);
    }
    return structuredClone(document);
  };
};

export const parseTemplateBody = (body: string, readYaml: YamlReader): Template => {
  if (body.length > MAX_TEMPLATE_BODY) {
    throw templateFormatError(`TemplateBody must be no longer than ${MAX_TEMPLATE_BODY} bytes`);
  }
  const trimmed = body.trimStart();
  let document: unknown;
  if (trimmed.startsWith('{')) {
    try {
      document = JSON.parse(body);
    } catch {
      throw templateFormatError('JSON not well-formed.');
    }
  } else {
    try {
      document = readYaml(body);
    } catch (error) {
      const detail = error instanceof Error ? ` (${error.message.split('\n')[0]})` : '';
      throw templateFormatError(`YAML not well-formed.${detail}`);
    }
  }
  return checkTemplate(document);
};

const checkTemplate = (document: unknown): Template => {
  if (!isRecord(document)) throw templateFormatError('template is not a JSON or YAML object');
  const resources = document['Resources'];
  if (!isRecord(resources) || Object.keys(resources).length === 0) {
    throw templateFormatError('At least one Resources member must be defined.');
  }
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isRecord(resource) || typeof resource['Type'] !== 'string') {
      throw templateFormatError(`[/Resources/${logicalId}] Every Resources object must contain a Type member.`);
    }
  }
  const parameters = isRecord(document['Parameters']) ? document['Parameters'] : {};
  for (const [name, parameter] of Object.entries(parameters)) {
    if (!isRecord(parameter) || typeof parameter['Type'] !== 'string') {
      throw templateFormatError(`[/Parameters/${name}] Every Parameters object must contain a Type member.`);
    }
    if (!isKnownParameterType(parameter['Type'])) {
      throw templateFormatError(`Unrecognized parameter type: ${parameter['Type']}`);
    }
  }
  const description = document['Description'];
  return {
    ...(typeof description === 'string' ? { Description: description } : {}),
    Parameters: parameters as Template['Parameters'],
    Mappings: (isRecord(document['Mappings']) ? document['Mappings'] : {}) as Template['Mappings'],
    Conditions: isRecord(document['Conditions']) ? document['Conditions'] : {},
    Resources: resources as Template['Resources'],
    Outputs: (isRecord(document['Outputs']) ? document['Outputs'] : {}) as Template['Outputs'],
  };
};

export const dependsOnList = (resource: TemplateResource): string[] => {
  const dependsOn = resource.DependsOn;
  if (dependsOn === undefined) return [];
  return Array.isArray(dependsOn) ? dependsOn.map(String) : [String(dependsOn)];
};
