/**
 * EventBridge event patterns: whether an event matches, by the rules of "Content filtering in Amazon EventBridge
 * event patterns" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html)
 * and "Creating event patterns" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html):
 *
 * - every field named in the pattern must match (AND); the values listed for a field are alternatives (OR);
 * - a nested object in the pattern matches the nested object in the event, field by field;
 * - an array in the event matches when any of its elements matches (objects in arrays too);
 * - leaves: exact values (strings, numbers compared as numbers, booleans, null), `prefix`, `suffix` (both also with
 *   `equals-ignore-case`), `equals-ignore-case`, `wildcard`, `anything-but` (a value, a list, or prefix / suffix /
 *   equals-ignore-case / wildcard), `numeric`, `exists`, `cidr`; `$or` lists alternative sub-patterns.
 *
 * A malformed pattern is refused (EventPatternError), as PutRule refuses it with InvalidEventPatternException.
 */
export type EventPattern = { [field: string]: EventPattern | PatternLeaf[] | EventPattern[] };
type PatternLeaf = string | number | boolean | null | Record<string, unknown>;

export class EventPatternError extends Error {
  override readonly name = 'EventPatternError';
}

const MISSING = Symbol('missing');
type Value = unknown | typeof MISSING;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Throws EventPatternError when the pattern is not one EventBridge would accept. */
export function checkPattern(pattern: unknown, path = ''): asserts pattern is EventPattern {
  if (!isObject(pattern)) throw new EventPatternError(`event pattern${path ? ` at ${path}` : ''} must be an object`);
  for (const [key, value] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2) throw new EventPatternError(`$or at ${at} needs a list of at least two patterns`);
      value.forEach((alternative, index) => checkPattern(alternative, `${at}[${index}]`));
    } else if (Array.isArray(value)) {
      value.forEach((leaf) => checkLeaf(leaf, at));
    } else if (isObject(value)) {
      checkPattern(value, at);
    } else {
      throw new EventPatternError(`${at}: a field's values must be given as a list, e.g. [${JSON.stringify(value)}]`);
    }
  }
}

const STRING_OR_IGNORE_CASE = (operand: unknown) => typeof operand === 'string' || (isObject(operand) && typeof operand['equals-ignore-case'] === 'string');
const STRINGS = (operand: unknown) => typeof operand === 'string' || (Array.isArray(operand) && operand.every((item) => typeof item === 'string'));

const OPERATORS: Record<string, (operand: unknown) => boolean> = {
  prefix: STRING_OR_IGNORE_CASE,
  suffix: STRING_OR_IGNORE_CASE,
  'equals-ignore-case': (operand) => typeof operand === 'string',
  wildcard: (operand) => typeof operand === 'string',
  exists: (operand) => typeof operand === 'boolean',
  cidr: (operand) => typeof operand === 'string' && parseCidr(operand) !== undefined,
  numeric: (operand) => Array.isArray(operand) && parseNumeric(operand) !== undefined,
  'anything-but': (operand) => {
    if (typeof operand === 'string' || typeof operand === 'number') return true;
    if (Array.isArray(operand)) return operand.every((item) => typeof item === 'string') || operand.every((item) => typeof item === 'number');
    if (!isObject(operand) || Object.keys(operand).length !== 1) return false;
    const [[name, inner]] = Object.entries(operand) as [[string, unknown]];
    if (name === 'prefix' || name === 'suffix') return typeof inner === 'string';
    if (name === 'equals-ignore-case' || name === 'wildcard') return STRINGS(inner);
    return false;
  },
};

function checkLeaf(leaf: unknown, at: string): void {
  if (leaf === null || ['string', 'number', 'boolean'].includes(typeof leaf)) return;
  if (!isObject(leaf) || Object.keys(leaf).length !== 1) throw new EventPatternError(`${at}: ${JSON.stringify(leaf)} is not a value or a single comparison`);
  const [[operator, operand]] = Object.entries(leaf) as [[string, unknown]];
  const valid = Object.hasOwn(OPERATORS, operator) ? OPERATORS[operator] : undefined;
  if (!valid) throw new EventPatternError(`${at}: unknown comparison "${operator}"`);
  if (!valid(operand)) throw new EventPatternError(`${at}: malformed "${operator}": ${JSON.stringify(operand)}`);
}

/** Whether the event matches the pattern (checked with checkPattern first). */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

function matchObject(pattern: EventPattern, value: Value): boolean {
  // Objects inside arrays are flattened, as EventBridge does: any element may match the nested pattern.
  if (Array.isArray(value)) return value.some((element) => matchObject(pattern, element));
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(expected as EventPattern[]).some((alternative) => matchObject(alternative, value))) return false;
      continue;
    }
    // A field under a missing or non-object parent is missing too (only `exists: false` can match it).
    const field: Value = isObject(value) && Object.hasOwn(value, key) ? value[key] : MISSING;
    const matched = Array.isArray(expected) ? matchLeaves(expected as PatternLeaf[], field) : matchObject(expected, isObject(field) || Array.isArray(field) ? field : MISSING);
    if (!matched) return false;
  }
  return true;
}

function matchLeaves(leaves: PatternLeaf[], field: Value): boolean {
  const values: unknown[] = field === MISSING ? [] : Array.isArray(field) ? field : [field];
  return leaves.some((leaf) => {
    if (isObject(leaf) && 'exists' in leaf) return leaf.exists === (field !== MISSING && !isObject(field));
    return values.some((value) => matchLeaf(leaf, value));
  });
}

function equalsValue(expected: unknown, value: unknown): boolean {
  if (typeof expected === 'number' && typeof value === 'number') return expected === value;
  return expected === value;
}

const lower = (text: string) => text.toLowerCase();

function matchLeaf(leaf: PatternLeaf, value: unknown): boolean {
  if (!isObject(leaf)) return equalsValue(leaf, value);
  const [[operator, operand]] = Object.entries(leaf) as [[string, unknown]];
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && affix(operand, value, (text, part) => text.startsWith(part));
    case 'suffix':
      return typeof value === 'string' && affix(operand, value, (text, part) => text.endsWith(part));
    case 'equals-ignore-case':
      return typeof value === 'string' && lower(value) === lower(operand as string);
    case 'wildcard':
      return typeof value === 'string' && wildcard(operand as string).test(value);
    case 'numeric':
      return typeof value === 'number' && parseNumeric(operand as unknown[])!.every(([compare, bound]) => compare(value, bound));
    case 'cidr':
      return typeof value === 'string' && inCidr(operand as string, value);
    case 'anything-but':
      return !excluded(operand, value);
    default:
      return false;
  }
}

function affix(operand: unknown, value: string, test: (text: string, part: string) => boolean): boolean {
  if (typeof operand === 'string') return test(value, operand);
  return test(lower(value), lower((operand as { 'equals-ignore-case': string })['equals-ignore-case']));
}

/** What `anything-but` excludes: the value itself, any of a list, or what an inner comparison matches. */
function excluded(operand: unknown, value: unknown): boolean {
  if (Array.isArray(operand)) return operand.some((item) => equalsValue(item, value));
  if (!isObject(operand)) return equalsValue(operand, value);
  const [[name, inner]] = Object.entries(operand) as [[string, unknown]];
  if (typeof value !== 'string') return false;
  const list = Array.isArray(inner) ? (inner as string[]) : [inner as string];
  switch (name) {
    case 'prefix':
      return value.startsWith(inner as string);
    case 'suffix':
      return value.endsWith(inner as string);
    case 'equals-ignore-case':
      return list.some((item) => lower(item) === lower(value));
    default:
      return list.some((item) => wildcard(item).test(value));
  }
}

/** `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash. */
function wildcard(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index]!;
    if (char === '\\' && (pattern[index + 1] === '*' || pattern[index + 1] === '\\')) {
      source += `\\${pattern[index + 1]}`;
      index += 1;
    } else if (char === '*') {
      source += '.*';
    } else {
      source += char.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
}

type Comparison = [(value: number, bound: number) => boolean, number];
const COMPARE: Record<string, (value: number, bound: number) => boolean> = {
  '<': (value, bound) => value < bound,
  '<=': (value, bound) => value <= bound,
  '=': (value, bound) => value === bound,
  '>=': (value, bound) => value >= bound,
  '>': (value, bound) => value > bound,
};

/** `[">", 0, "<=", 5]` → pairs of comparison and bound; undefined when malformed. */
function parseNumeric(operand: unknown[]): Comparison[] | undefined {
  if (operand.length === 0 || operand.length % 2 !== 0) return undefined;
  const comparisons: Comparison[] = [];
  for (let index = 0; index < operand.length; index += 2) {
    const compare = COMPARE[operand[index] as string];
    const bound = operand[index + 1];
    if (!compare || typeof bound !== 'number') return undefined;
    comparisons.push([compare, bound]);
  }
  return comparisons;
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.reduce((total, part) => total * 256 + Number(part), 0);
}

function parseCidr(cidr: string): { base: number; size: number } | undefined {
  const [address, bits] = cidr.split('/');
  const base = address === undefined ? undefined : ipv4(address);
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), size };
}

function inCidr(cidr: string, value: string): boolean {
  const range = parseCidr(cidr);
  const address = ipv4(value);
  return range !== undefined && address !== undefined && address >= range.base && address < range.base + range.size;
}
