/**
 * The path and query parameters of the routes that read clusters or touch one, checked without a schema library.
 * These routes validate nothing else, and zod was a third of their bundles and of their cold start
 * (docs/performance.md); the schemas in api-schemas.ts stay the contract (the OpenAPI document is built from them),
 * and test/unit/handlers/route-parameters.test.ts holds these checks to the same answers, message for message.
 */
import { CLUSTER_STATUSES, type ClusterStatus } from '../../domain/cluster';
import { DURATION_PATTERN } from '../../domain/duration';
import { DISK_SIZE_GB, DISK_TYPES, IDLE_ACTIONS, INSTANCE_TYPES, WORKER_COUNT, type ClusterParameters, type IdleAction } from '../../domain/parameters';
import { plural } from '../../domain/words';
import type { RequestParser } from './middleware';

type Issue = { path: string[]; code: string; message: string; keys?: string[] };
type Result<T> = { success: true; data: T } | { success: false; error: { issues: Issue[] } };

const ok = <T>(data: T): Result<T> => ({ success: true, data });
const fail = <T>(issues: Issue[]): Result<T> => ({ success: false, error: { issues } });

/** How zod names what it received. */
function received(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : Number.isFinite(value) ? 'number' : 'Infinity';
  return typeof value;
}

const invalidType = (expected: string, value: unknown, path: string[] = []): Issue => ({
  path,
  code: 'invalid_type',
  message: `Invalid input: expected ${expected}, received ${received(value)}`,
});

/** A string matching `pattern`, or `message`. */
function matching(pattern: RegExp, message: string): RequestParser<string> & { check: (value: unknown, path: string[]) => Issue | undefined } {
  const check = (value: unknown, path: string[]): Issue | undefined => {
    if (typeof value !== 'string') return invalidType('string', value, path);
    return pattern.test(value) ? undefined : { path, code: 'invalid_format', message };
  };
  return {
    check,
    safeParse: (value) => {
      const issue = check(value, []);
      return issue ? fail([issue]) : ok(value as string);
    },
  };
}

/** api-schemas.ts `clusterPathSchema.shape.id` (`clusterIdSchema`). */
export const clusterIdParameter = /* @__PURE__ */ matching(/^c-[0-9a-z]{26}$/, 'is not a cluster id');

/**
 * api-schemas.ts `idempotencyKeySchema`: POST /clusters's Idempotency-Key header, a string whenever it is sent (its
 * route answers 400, not 422). A pattern and its message, not a parser: createCluster is the largest bundle.
 */
export const idempotencyKeyRule = { pattern: /^[\x21-\x7e]{1,255}$/, message: 'must be 1-255 visible ASCII characters' };

/** domain/delivery.ts `deliveryIdSchema`. */
const deliveryIdParameter = /* @__PURE__ */ matching(/^dlv_c-[0-9a-z]{26}_v[0-9]{9}_cluster_[a-z_]{1,20}$/, 'is not a delivery id');

function unrecognized(input: Record<string, unknown>, known: readonly string[]): Issue[] {
  const keys = Object.keys(input).filter((key) => !known.includes(key));
  if (keys.length === 0) return [];
  const quoted = keys.map((key) => `"${key}"`).join(', ');
  return [{ path: [], code: 'unrecognized_keys', keys, message: `${plural(keys.length, 'Unrecognized key')}: ${quoted}` }];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `limit` (1-100, default 20, read as `Number()` reads it) and `cursor` (at most 2048 characters) into `into`. */
function readPage(input: Record<string, unknown>, issues: Issue[]): { limit: number; cursor?: string } {
  let limit = 20;
  if (input.limit !== undefined) {
    limit = Number(input.limit);
    if (Number.isNaN(limit) || !Number.isFinite(limit)) issues.push(invalidType('number', limit, ['limit']));
    else if (!Number.isInteger(limit)) issues.push({ path: ['limit'], code: 'invalid_type', message: 'Invalid input: expected int, received number' });
    else if (limit < 1) issues.push({ path: ['limit'], code: 'too_small', message: 'Too small: expected number to be >=1' });
    else if (limit > 100) issues.push({ path: ['limit'], code: 'too_big', message: 'Too big: expected number to be <=100' });
  }
  const cursor = input.cursor;
  if (cursor === undefined) return { limit };
  if (typeof cursor !== 'string') issues.push(invalidType('string', cursor, ['cursor']));
  else if (cursor.length > 2048) issues.push({ path: ['cursor'], code: 'too_big', message: 'Too big: expected string to have <=2048 characters' });
  return { limit, cursor: cursor as string };
}

/** api-schemas.ts `pageQuerySchema`: `limit` and `cursor`, nothing else. */
export const pageQueryParameters: RequestParser<{ limit: number; cursor?: string }> = {
  safeParse: (input) => {
    if (!isRecord(input)) return fail([invalidType('object', input)]);
    const issues: Issue[] = [];
    const page = readPage(input, issues);
    issues.push(...unrecognized(input, ['limit', 'cursor']));
    return issues.length > 0 ? fail(issues) : ok(page);
  },
};

// zod's `z.iso.datetime({ offset: true })` pattern (RFC 3339 with Z or an offset, leap days checked).
const DATETIME_WITH_OFFSET =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|([+-](?:[01]\d|2[0-3]):[0-5]\d)))$/;

type ClusterListQuery = { status?: ClusterStatus; owner?: string; idleSince?: string; limit: number; cursor?: string };

/** api-schemas.ts `listClustersQuerySchema`: GET /clusters. */
export const listClustersQueryParameters: RequestParser<ClusterListQuery> = {
  safeParse: (input) => {
    if (!isRecord(input)) return fail([invalidType('object', input)]);
    const issues: Issue[] = [];
    const { status, owner, idleSince } = input;
    if (status !== undefined && !CLUSTER_STATUSES.includes(status as ClusterStatus)) {
      issues.push({ path: ['status'], code: 'invalid_value', message: `Invalid option: expected one of ${CLUSTER_STATUSES.map((s) => JSON.stringify(s)).join('|')}` });
    }
    if (owner !== undefined) {
      if (typeof owner !== 'string') issues.push(invalidType('string', owner, ['owner']));
      else if (owner.length < 1) issues.push({ path: ['owner'], code: 'too_small', message: 'Too small: expected string to have >=1 characters' });
      else if (owner.length > 512) issues.push({ path: ['owner'], code: 'too_big', message: 'Too big: expected string to have <=512 characters' });
    }
    if (idleSince !== undefined && (typeof idleSince !== 'string' || !DATETIME_WITH_OFFSET.test(idleSince))) {
      issues.push({ path: ['idleSince'], code: 'invalid_format', message: 'must be an ISO 8601 timestamp such as 2026-01-01T00:00:00Z' });
    }
    const page = readPage(input, issues);
    issues.push(...unrecognized(input, ['status', 'owner', 'idleSince', 'limit', 'cursor']));
    if (issues.length > 0) return fail(issues);
    return ok({ ...(status !== undefined && { status: status as ClusterStatus }), ...(owner !== undefined && { owner: owner as string }), ...(idleSince !== undefined && { idleSince: idleSince as string }), ...page });
  },
};

/** api-schemas.ts `nodesQuerySchema`: GET /clusters/{id}/nodes takes no query parameters. */
export const nodesQueryParameters: RequestParser<Record<string, never>> = {
  safeParse: (input) => {
    if (!isRecord(input)) return fail([invalidType('object', input)]);
    const issues = unrecognized(input, []);
    if (issues.length > 0) return fail(issues);
    return ok({});
  },
};

/** POST /clusters/{id}/deliveries/{deliveryId}/redeliver: both ids (other path parameters are ignored, as zod's object does). */
export const redeliveryPathParameters: RequestParser<{ id: string; deliveryId: string }> = {
  safeParse: (input) => {
    if (!isRecord(input)) return fail([invalidType('object', input)]);
    const issues = [clusterIdParameter.check(input.id, ['id']), deliveryIdParameter.check(input.deliveryId, ['deliveryId'])].filter((issue) => issue !== undefined);
    return issues.length > 0 ? fail(issues) : ok({ id: input.id as string, deliveryId: input.deliveryId as string });
  },
};

const oneOf = (values: readonly string[], value: unknown, path: string[]): Issue | undefined =>
  values.includes(value as string) ? undefined : { path, code: 'invalid_value', message: `Invalid option: expected one of ${values.map((v) => JSON.stringify(v)).join('|')}` };

/** A whole number within bounds (zod's `z.number().check(z.int(), z.minimum(), z.maximum())`); no bounds: any whole number. */
function wholeNumber(value: unknown, path: string[], bounds?: { min: number; max: number }): Issue[] {
  if (typeof value !== 'number' || !Number.isFinite(value)) return [invalidType('number', value, path)];
  // zod's int check aborts: a fraction is reported as that alone.
  if (!Number.isInteger(value)) return [{ path, code: 'invalid_type', message: 'Invalid input: expected int, received number' }];
  const issues: Issue[] = [];
  if (bounds && value < bounds.min) issues.push({ path, code: 'too_small', message: `Too small: expected number to be >=${bounds.min}` });
  if (bounds && value > bounds.max) issues.push({ path, code: 'too_big', message: `Too big: expected number to be <=${bounds.max}` });
  return issues;
}

/** PATCH /clusters/{id}'s body (api-schemas.ts `clusterChangesSchema`). */
export type ClusterChangesBody = {
  expiresAt?: string | null;
  idleTimeout?: string | null;
  idleAction?: IdleAction | null;
  managers?: number;
} & Partial<Pick<ClusterParameters, 'workers' | 'managerInstanceType' | 'workerInstanceType' | 'managerDiskSizeGb' | 'workerDiskSizeGb' | 'managerDiskType' | 'workerDiskType'>>;

const CHANGE_FIELDS = ['expiresAt', 'idleTimeout', 'idleAction', 'managers', 'workers', 'managerInstanceType', 'workerInstanceType', 'managerDiskSizeGb', 'workerDiskSizeGb', 'managerDiskType', 'workerDiskType'] as const;

/**
 * api-schemas.ts `clusterChangesSchema`, checked without zod: the PATCH route starts the update workflow too, and the
 * schema library was what took its bundle over the 300 KB budget (docs/performance.md). The bounds and lists are the
 * create request's own (domain/parameters.ts); test/unit/handlers/route-parameters.test.ts holds the two to the same
 * answers.
 */
export const clusterChangesParameters: RequestParser<ClusterChangesBody> = {
  safeParse: (input) => {
    if (!isRecord(input)) return fail([invalidType('object', input)]);
    const issues: Issue[] = [];
    const nullable = (field: string, check: (value: unknown) => Issue[]) => {
      if (input[field] !== undefined && input[field] !== null) issues.push(...check(input[field]));
    };
    const present = (field: string, check: (value: unknown) => Issue[]) => {
      if (input[field] !== undefined) issues.push(...check(input[field]));
    };
    const string = (path: string[], pattern: RegExp, message: string) => (value: unknown) =>
      typeof value !== 'string' ? [invalidType('string', value, path)] : pattern.test(value) ? [] : [{ path, code: 'invalid_format', message }];
    const listed = (values: readonly string[], path: string[]) => (value: unknown) => [oneOf(values, value, path)].filter((issue) => issue !== undefined);
    nullable('expiresAt', string(['expiresAt'], DATETIME_WITH_OFFSET, 'Invalid ISO datetime'));
    nullable('idleTimeout', string(['idleTimeout'], DURATION_PATTERN, 'must be an ISO 8601 duration such as PT30M or P1D'));
    nullable('idleAction', listed(IDLE_ACTIONS, ['idleAction']));
    present('managers', (value) => wholeNumber(value, ['managers']));
    present('workers', (value) => wholeNumber(value, ['workers'], WORKER_COUNT));
    present('managerInstanceType', listed(INSTANCE_TYPES, ['managerInstanceType']));
    present('workerInstanceType', listed(INSTANCE_TYPES, ['workerInstanceType']));
    present('managerDiskSizeGb', (value) => wholeNumber(value, ['managerDiskSizeGb'], DISK_SIZE_GB));
    present('workerDiskSizeGb', (value) => wholeNumber(value, ['workerDiskSizeGb'], DISK_SIZE_GB));
    present('managerDiskType', listed(DISK_TYPES, ['managerDiskType']));
    present('workerDiskType', listed(DISK_TYPES, ['workerDiskType']));
    issues.push(...unrecognized(input, CHANGE_FIELDS));
    // The schema's refinement sees the known fields only (an unknown one is not one to change).
    if (!CHANGE_FIELDS.some((field) => input[field] !== undefined)) issues.push({ path: [], code: 'custom', message: 'name at least one field to change' });
    if (issues.length > 0) return fail(issues);
    return ok(Object.fromEntries(CHANGE_FIELDS.filter((field) => input[field] !== undefined).map((field) => [field, input[field]])) as ClusterChangesBody);
  },
};
