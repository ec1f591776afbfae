/**
 * The EventBridge rules serverless.yml deploys, read from the file as written: every function's
 * `events: - eventBridge: { pattern }`, with the Framework's variables (`${self:...}`, `${sls:stage}`, `${opt:...}`,
 * `${aws:region}`, `${param:...}`) and CloudFormation's `!Ref` / `!GetAtt` resolved to local values, so the sandbox
 * routes events by the same patterns that deploy.
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { parseCloudFormationTemplate } from '../cloudformation-yaml';
import type { EventPattern } from './pattern';

export class ServerlessRulesError extends Error {
  override readonly name = 'ServerlessRulesError';
}

/** A resource of serverless.yml's `resources`, as written (variables resolved). */
export interface ServerlessResource {
  Type?: string;
  Properties?: Record<string, unknown>;
}

/** The local value of `!Ref logicalId` (attribute undefined) or `!GetAtt logicalId.attribute`; undefined if unknown. */
export type ResourceResolver = (logicalId: string, attribute: string | undefined, resource: ServerlessResource | undefined) => string | undefined;

export interface ServerlessRulesOptions {
  /** Default: serverless.yml at the repository root. */
  path?: string;
  stage: string;
  region: string;
  resolveResource: ResourceResolver;
}

export interface ServerlessEventRule {
  /** The function's key under `functions:` (e.g. executionEnded). */
  functionName: string;
  /** `<function>-rule-<n>`, one per eventBridge event of the function. */
  ruleName: string;
  pattern: EventPattern;
}

const DEFAULT_PATH = resolvePath(__dirname, '..', '..', 'serverless.yml');
const VARIABLE = /\$\{([^{}]+)\}/;

type Document = Record<string, unknown>;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function eventRulesFromServerless(options: ServerlessRulesOptions): ServerlessEventRule[] {
  const document = parseCloudFormationTemplate(readFileSync(options.path ?? DEFAULT_PATH, 'utf8')) as Document;
  const variables = new VariableResolver(document, options);
  const resources = resourcesOf(document);
  const resolve = (value: unknown, where: string): unknown => resolveValue(value, where, variables, (logicalId, attribute) => {
    const resource = resources[logicalId] === undefined ? undefined : (variables.resolveDeep(resources[logicalId], `resources.${logicalId}`) as ServerlessResource);
    const local = options.resolveResource(logicalId, attribute, resource);
    if (local === undefined) throw new ServerlessRulesError(`${where}: no local value for ${attribute ? `!GetAtt ${logicalId}.${attribute}` : `!Ref ${logicalId}`}`);
    return local;
  });

  const rules: ServerlessEventRule[] = [];
  for (const [functionName, definition] of Object.entries((document.functions ?? {}) as Record<string, unknown>)) {
    const events = isObject(definition) && Array.isArray(definition.events) ? definition.events : [];
    let count = 0;
    for (const event of events) {
      if (!isObject(event) || !isObject(event.eventBridge)) continue;
      const bridge = event.eventBridge;
      // A schedule written as an eventBridge event is a schedule, not a pattern rule.
      if (bridge.pattern === undefined) continue;
      const where = `functions.${functionName}.events[eventBridge]`;
      for (const unsupported of ['eventBus', 'input', 'inputPath', 'inputTransformer']) {
        if (bridge[unsupported] !== undefined) throw new ServerlessRulesError(`${where}: "${unsupported}" is not supported by the local event bus`);
      }
      count += 1;
      rules.push({ functionName, ruleName: `${functionName}-rule-${count}`, pattern: resolve(bridge.pattern, where) as EventPattern });
    }
  }
  return rules;
}

function resourcesOf(document: Document): Record<string, unknown> {
  const sections = Array.isArray(document.resources) ? document.resources : [document.resources];
  const resources: Record<string, unknown> = {};
  // Entries that are `${file(...)}` includes are other generated resources; a rule referring to one needs the resolver.
  for (const section of sections) if (isObject(section) && isObject(section.Resources)) Object.assign(resources, section.Resources);
  return resources;
}

function resolveValue(value: unknown, where: string, variables: VariableResolver, intrinsic: (logicalId: string, attribute?: string) => string): unknown {
  if (typeof value === 'string') return variables.resolveString(value, where);
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, where, variables, intrinsic));
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'Ref') return intrinsic(variables.resolveString(String(value.Ref), where));
  if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
    const [logicalId, attribute] = value['Fn::GetAtt'] as [string, string];
    return intrinsic(logicalId, attribute);
  }
  if (keys.length === 1 && keys[0]!.startsWith('Fn::')) throw new ServerlessRulesError(`${where}: ${keys[0]} is not supported in a local event pattern`);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveValue(item, where, variables, intrinsic)]));
}

/** The Framework's `${source:address, fallback}` variables, resolved for the local stage. */
class VariableResolver {
  constructor(
    private readonly document: Document,
    private readonly options: Pick<ServerlessRulesOptions, 'stage' | 'region'>,
  ) {}

  /** A resource as far as it resolves locally: a value with a variable that cannot (`${file(...)}`) stays as written. */
  resolveDeep(value: unknown, where: string): unknown {
    if (typeof value === 'string') {
      try {
        return this.resolveString(value, where);
      } catch (error) {
        if (error instanceof ServerlessRulesError) return value;
        throw error;
      }
    }
    if (Array.isArray(value)) return value.map((item) => this.resolveDeep(item, where));
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.resolveDeep(item, where)]));
    return value;
  }

  /** Innermost variables first, until none is left; a value that is exactly one variable keeps its type. */
  resolveString(text: string, where: string, depth = 0): string {
    if (depth > 20) throw new ServerlessRulesError(`${where}: variables nest too deep in "${text}"`);
    const match = VARIABLE.exec(text);
    if (!match) return text;
    const value = this.variable(match[1]!, where, depth);
    return this.resolveString(text.slice(0, match.index) + value + text.slice(match.index + match[0].length), where, depth + 1);
  }

  private variable(expression: string, where: string, depth: number): string {
    const [first, ...fallbacks] = expression.split(',').map((part) => part.trim());
    for (const candidate of [first!, ...fallbacks]) {
      const quoted = /^(['"])(.*)\1$/.exec(candidate);
      if (quoted) return quoted[2]!;
      const value = this.source(candidate, where, depth);
      if (value !== undefined) return value;
    }
    throw new ServerlessRulesError(`${where}: cannot resolve \${${expression}} locally`);
  }

  private source(reference: string, where: string, depth: number): string | undefined {
    const colon = reference.indexOf(':');
    const [kind, address] = colon < 0 ? ['', reference] : [reference.slice(0, colon), reference.slice(colon + 1)];
    switch (kind) {
      case 'sls':
        return address === 'stage' ? this.options.stage : undefined;
      case 'opt':
        return address === 'stage' ? this.options.stage : address === 'region' ? this.options.region : undefined;
      case 'aws':
        return address === 'region' ? this.options.region : undefined;
      case 'self': {
        const value = address.split('.').reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), this.document);
        return typeof value === 'string' || typeof value === 'number' ? this.resolveString(String(value), where, depth + 1) : undefined;
      }
      case 'param': {
        const params = (this.document.params as { default?: Record<string, unknown> } | undefined)?.default ?? {};
        const value = params[address];
        return typeof value === 'string' || typeof value === 'number' ? this.resolveString(String(value), where, depth + 1) : undefined;
      }
      default:
        return undefined;
    }
  }
}
