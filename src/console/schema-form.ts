/**
 * The create form's fields, read from the served OpenAPI document (components.schemas.ClusterRequest), so the form
 * follows the request schema without a copy of it: an enum (or a choice of constants) is a select, an integer a number
 * with its bounds, a boolean a checkbox, anything else a text field; defaults are the initial values. Pure: no DOM, so
 * it is tested on its own (test/unit/console/schema-form.test.ts).
 */

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  format?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
};

export type FieldKind = 'select' | 'number' | 'checkbox' | 'text';

export interface FormField {
  /** The request property, dotted for a nested one (`webhook.url`): also the field's label and the `field` of a 422. */
  name: string;
  kind: FieldKind;
  required: boolean;
  /** The schema's default, shown as the initial value. */
  default?: string | number | boolean;
  /** select: the allowed values, in the schema's order. */
  options?: (string | number)[];
  min?: number;
  max?: number;
  integer?: boolean;
  /** Shown under the field: the schema's description, its bounds and its default. */
  hint: string;
}

/** Values as the form holds them: strings for text, select and number fields, booleans for checkboxes. */
export type FormValues = Record<string, string | boolean>;

function resolve(document: unknown, schema: JsonSchema): JsonSchema {
  if (!schema.$ref?.startsWith('#/')) return schema;
  let node: unknown = document;
  for (const part of schema.$ref.slice(2).split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
  return (node as JsonSchema | undefined) ?? {};
}

const typesOf = (schema: JsonSchema) => [schema.type ?? []].flat().filter((type) => type !== 'null');

/** The constants of `enum`, or of an anyOf/oneOf made only of `const`s (how zod writes `1 | 3 | 5`). */
function choices(schema: JsonSchema): (string | number)[] | undefined {
  if (schema.enum) return schema.enum.filter((value): value is string | number => typeof value === 'string' || typeof value === 'number');
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0 && alternatives.every((alternative) => 'const' in alternative)) {
    return alternatives.map((alternative) => alternative.const as string | number);
  }
  return undefined;
}

function fieldOf(document: unknown, name: string, raw: JsonSchema, required: boolean): FormField | undefined {
  const schema = resolve(document, raw);
  const notes: string[] = [];
  if (schema.description) notes.push(schema.description);
  const defaultValue = ['string', 'number', 'boolean'].includes(typeof schema.default) ? (schema.default as string | number | boolean) : undefined;
  const options = choices(schema);
  const types = typesOf(schema);
  let field: Omit<FormField, 'hint'>;
  if (options) field = { name, kind: 'select', required, options };
  else if (types.includes('boolean')) field = { name, kind: 'checkbox', required };
  else if (types.includes('integer') || types.includes('number')) {
    const integer = types.includes('integer');
    field = { name, kind: 'number', required, integer, ...(schema.minimum !== undefined && { min: schema.minimum }), ...(schema.maximum !== undefined && { max: schema.maximum }) };
    if (schema.minimum !== undefined && schema.maximum !== undefined) notes.push(`${integer ? 'a whole number ' : ''}from ${schema.minimum} to ${schema.maximum}`);
  } else if (types.includes('string')) {
    field = { name, kind: 'text', required };
    if (schema.format === 'date-time') notes.push('an ISO 8601 time such as 2030-01-01T00:00:00Z');
  } else return undefined;
  if (defaultValue !== undefined) notes.push(`default: ${String(defaultValue)}`);
  else notes.unshift(required ? 'required' : 'optional');
  return { ...field, ...(defaultValue !== undefined && { default: defaultValue }), hint: notes.join('; ') };
}

/**
 * The fields of the create request. Objects are flattened one level (`webhook.url`); arrays and maps (the webhook's
 * event list, `tags`) have no field here: the API's defaults apply, and the CLI or the API take them.
 */
export function formFields(document: unknown): FormField[] {
  const request = resolve(document, { $ref: '#/components/schemas/ClusterRequest' });
  const fields: FormField[] = [];
  const required = new Set(request.required ?? []);
  for (const [name, raw] of Object.entries(request.properties ?? {})) {
    const schema = resolve(document, raw);
    if (typesOf(schema).includes('object') && schema.properties) {
      const nested = new Set(schema.required ?? []);
      for (const [child, childSchema] of Object.entries(schema.properties)) {
        const field = fieldOf(document, `${name}.${child}`, childSchema, false);
        // A nested required field is required only once its object is given: the API says so in a 422.
        if (field) fields.push(nested.has(child) ? { ...field, hint: `${field.hint}; needed with any other ${name} field` } : field);
      }
      continue;
    }
    const field = fieldOf(document, name, raw, required.has(name));
    if (field) fields.push(field);
  }
  return fields;
}

export function initialValues(fields: FormField[]): FormValues {
  return Object.fromEntries(fields.map((field) => [field.name, field.kind === 'checkbox' ? field.default === true : field.default === undefined ? '' : String(field.default)]));
}

/**
 * The request body: empty fields are left out (the API applies its default or refuses a missing required one),
 * numbers are numbers, a select of numbers gives a number, nested names become objects.
 */
export function requestBody(fields: FormField[], values: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (value === undefined || value === '') continue;
    let typed: unknown = value;
    if (field.kind === 'number') typed = Number(value);
    else if (field.kind === 'select' && typeof field.options?.[0] === 'number') typed = Number(value);
    const [head, child] = field.name.split('.', 2) as [string, string | undefined];
    if (child === undefined) body[head] = typed;
    else body[head] = { ...(body[head] as Record<string, unknown> | undefined), [child]: typed };
  }
  return body;
}

/** Whether the served API takes `POST /clusters?dryRun=true` (the console asks for an estimate only then). */
export function offersDryRun(document: unknown): boolean {
  const parameters = (document as { paths?: Record<string, { post?: { parameters?: JsonSchema[] } }> } | undefined)?.paths?.['/clusters']?.post?.parameters ?? [];
  return parameters.some((parameter) => {
    const resolved = resolve(document, parameter) as { name?: string; in?: string };
    return resolved.name === 'dryRun' && resolved.in === 'query';
  });
}
