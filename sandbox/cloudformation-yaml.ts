import { isAlias, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

/**
 * Parses a CloudFormation template written in YAML (or JSON, which is YAML) into plain data, turning the short-form
 * intrinsic tags (`!Ref x`, `!GetAtt a.b`, `!Sub ...`) into the long form CloudFormation itself works on
 * (`{ Ref: 'x' }`, `{ 'Fn::GetAtt': ['a', 'b'] }`, `{ 'Fn::Sub': ... }`), so every consumer sees one shape.
 */
export class CloudFormationTemplateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CloudFormationTemplateError';
  }
}

// Every short form CloudFormation documents, including the ones of the LanguageExtensions transform.
const FUNCTION_TAGS = new Set([
  'And',
  'Base64',
  'Cidr',
  'Equals',
  'FindInMap',
  'ForEach',
  'GetAtt',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Length',
  'Not',
  'Or',
  'Select',
  'Split',
  'Sub',
  'ToJsonString',
  'Transform',
]);

export function parseCloudFormationTemplate(text: string): unknown {
  // CloudFormation reads YAML 1.1 (an unquoted `yes` is a boolean there) and has no merge keys.
  const document = parseDocument(text, { version: '1.1', merge: false, uniqueKeys: true, prettyErrors: false });
  const [firstError] = document.errors;
  if (firstError) {
    throw new CloudFormationTemplateError(`template is not valid YAML: ${firstError.message}`, { cause: firstError });
  }
  return toLongForm(document.contents);
}

function toLongForm(node: unknown): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) {
    // CloudFormation does not accept anchors and aliases everywhere; refusing them keeps local and AWS behaviour one.
    throw new CloudFormationTemplateError(`YAML aliases are not supported in templates (*${node.source})`);
  }
  const value = plainValue(node as Node);
  const tag = (node as Node).tag;
  return tag && tag.startsWith('!') && !tag.startsWith('!!') ? applyShortForm(tag.slice(1), value) : value;
}

function plainValue(node: Node): unknown {
  if (isScalar(node)) {
    // YAML 1.1 reads an unquoted 2010-09-09 as a timestamp; CloudFormation keeps it as the text it was.
    if (node.value instanceof Date) return node.source ?? node.value.toISOString().slice(0, 10);
    // The 1.1 spec also makes y/n booleans, which the parsers CloudFormation tooling uses (SnakeYAML, PyYAML) do not.
    if (typeof node.value === 'boolean' && node.source !== undefined && /^[YyNn]$/.test(node.source)) return node.source;
    return node.value;
  }
  if (isSeq(node)) return node.items.map((item) => toLongForm(item));
  if (isMap(node)) {
    const result: Record<string, unknown> = {};
    for (const pair of node.items) {
      if (!isScalar(pair.key)) throw new CloudFormationTemplateError('mapping keys must be scalars');
      // Keys are names (logical ids, property names): `On:` or `No:` stays the text written, not a boolean.
      const key = typeof pair.key.value === 'string' ? pair.key.value : (pair.key.source ?? String(pair.key.value));
      result[key] = toLongForm(pair.value);
    }
    return result;
  }
  throw new CloudFormationTemplateError('unexpected YAML node');
}

function applyShortForm(name: string, value: unknown): unknown {
  if (name === 'Ref') return { Ref: scalarArgument(name, value) };
  if (name === 'Condition') return { Condition: scalarArgument(name, value) };
  if (!FUNCTION_TAGS.has(name)) throw new CloudFormationTemplateError(`unknown intrinsic function tag !${name}`);
  if (name === 'GetAtt' && typeof value === 'string') return { 'Fn::GetAtt': splitGetAtt(value) };
  return { [`Fn::${name}`]: value };
}

function scalarArgument(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new CloudFormationTemplateError(`!${name} takes a name, got ${JSON.stringify(value)}`);
  return value;
}

// `!GetAtt Resource.Attr.Nested` names the resource before the first dot; the rest is the (possibly dotted) attribute.
function splitGetAtt(value: string): [string, string] {
  const dot = value.indexOf('.');
  if (dot <= 0 || dot === value.length - 1) {
    throw new CloudFormationTemplateError(`!GetAtt needs Resource.Attribute, got "${value}"`);
  }
  return [value.slice(0, dot), value.slice(dot + 1)];
}
