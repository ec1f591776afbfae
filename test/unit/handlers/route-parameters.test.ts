/**
 * The light checks of the read routes (src/handlers/http/route-parameters.ts) answer exactly as the zod schemas that
 * define the contract (api-schemas.ts, the very objects the OpenAPI document is built from): the same data, or the
 * same `errors` of the 400 problem, message for message, over inputs chosen to hit every rule.
 */
import {
  clusterChangesSchema,
  clusterPathSchema,
  createClusterHeadersSchema,
  listClustersQuerySchema,
  nodesQuerySchema,
  pageQuerySchema,
  redeliveryPathSchema,
} from '../../../src/handlers/http/api-schemas';
import { fieldErrors, type RequestParser } from '../../../src/handlers/http/middleware';
import {
  clusterChangesParameters,
  clusterIdParameter,
  idempotencyKeyRule,
  listClustersQueryParameters,
  nodesQueryParameters,
  pageQueryParameters,
  redeliveryPathParameters,
} from '../../../src/handlers/http/route-parameters';

const answer = (parser: RequestParser<unknown>, input: unknown) => {
  const result = parser.safeParse(input);
  return result.success ? { data: result.data } : { errors: fieldErrors(result.error) };
};

const ID = `c-${'0123456789abcdefghijklmnop'}`;
const DELIVERY = `dlv_${ID}_v000000003_cluster_ready`;

describe('route parameters without a schema library', () => {
  it.each([
    {},
    { workers: 2 },
    { workers: 0 },
    { workers: 1000 },
    { workers: 1001 },
    { workers: -1 },
    { workers: 1.5 },
    { workers: -0.5 },
    { workers: 1e6 + 0.5 },
    { workers: '2' },
    { workers: null },
    { managers: 4 },
    { managers: 2.5 },
    { managers: 'three' },
    { managerInstanceType: 't3.large', workerInstanceType: 'm7i.xlarge' },
    { workerInstanceType: 't2.nano' },
    { managerInstanceType: 3 },
    { managerDiskSizeGb: 19, workerDiskSizeGb: 1025 },
    { managerDiskSizeGb: 20.5 },
    { managerDiskType: 'io2', workerDiskType: 'gp2' },
    { expiresAt: '2026-12-01T00:00:00Z', idleTimeout: 'PT30M', idleAction: 'hibernate' },
    { expiresAt: null, idleTimeout: null, idleAction: null },
    { expiresAt: '2026-02-30T00:00:00Z' },
    { expiresAt: '2026-12-01T00:00:00' },
    { expiresAt: 5 },
    { idleTimeout: '30 minutes' },
    { idleTimeout: 30 },
    { idleAction: 'sleep' },
    { name: 'renamed' },
    { workers: 1001, name: 'x', keyName: 'k' },
    { workers: 'x', managers: 2.5, idleAction: 'nap', other: 1 },
    null,
    [],
    'workers=2',
  ].map((input) => [JSON.stringify(input)?.slice(0, 80), input] as const))('reads the PATCH body %s as clusterChangesSchema does', (_title, input) => {
    expect(answer(clusterChangesParameters, input)).toEqual(answer(clusterChangesSchema as unknown as RequestParser<unknown>, input));
  });

  it.each([undefined, null, 5, '', 'c-x', ID, `${ID}x`, ID.toUpperCase(), ['c']])('reads the cluster id %p as clusterPathSchema.id does', (input) => {
    expect(answer(clusterIdParameter, input)).toEqual(answer(clusterPathSchema.shape.id, input));
  });

  // The route checks the header only when it is sent, so always a string; for a value, the optional schema is the
  // key's own rule.
  it.each(['k', 'order-42', '~!'.repeat(127) + '~', 'x'.repeat(255), 'x'.repeat(256), '', 'with space', 'tab\t', 'é', '\u007f'])(
    'reads the Idempotency-Key %p as createClusterHeadersSchema does',
    (input) => {
      const light = idempotencyKeyRule.pattern.test(input) ? { data: input } : { errors: [{ field: 'body', message: idempotencyKeyRule.message }] };
      expect(light).toEqual(answer(createClusterHeadersSchema.shape['Idempotency-Key'], input));
    },
  );

  it.each([
    {},
    { limit: '50' },
    { limit: ' 7 ' },
    { limit: '1e2' },
    { limit: '0x10' },
    { limit: '' },
    { limit: '0' },
    { limit: '-1' },
    { limit: '-1.5' },
    { limit: '0.5' },
    { limit: '101' },
    { limit: 'abc' },
    { limit: 'Infinity' },
    { cursor: 'abc' },
    { cursor: 'x'.repeat(2048) },
    { cursor: 'x'.repeat(2049), limit: '0', extra: '1' },
    { a: '1', b: '2' },
    { limit: '5', cursor: 'c', other: 'x' },
    null,
    'limit=5',
    [],
  ].map((input) => [JSON.stringify(input)?.slice(0, 60), input] as const))('reads the page query %s as pageQuerySchema does', (_title, input) => {
    expect(answer(pageQueryParameters, input)).toEqual(answer(pageQuerySchema, input));
  });

  it.each([{ id: ID, deliveryId: DELIVERY }, { id: ID, deliveryId: DELIVERY, other: 'x' }, { id: 'c-x', deliveryId: 'd' }, { deliveryId: DELIVERY }, {}, null])(
    'reads the redelivery path %j as redeliveryPathSchema does',
    (input) => {
      expect(answer(redeliveryPathParameters, input)).toEqual(answer(redeliveryPathSchema, input));
    },
  );

  it.each(
    [
      {},
      { status: 'READY' },
      { status: 'ready' },
      { owner: '' },
      { owner: 'arn:aws:iam::123456789012:user/alice' },
      { owner: 'o'.repeat(513) },
      { idleSince: '2026-01-01T00:00:00Z' },
      { idleSince: '2026-01-01T00:00:00.123+02:00' },
      { idleSince: '2026-01-01T00:00Z' },
      { idleSince: '2026-01-01' },
      { idleSince: '2025-02-29T00:00:00Z' },
      { idleSince: '2024-02-29T00:00:00Z' },
      { idleSince: '2026-13-01T00:00:00Z' },
      { idleSince: '2026-01-01T24:00:00Z' },
      { idleSince: '2026-01-01T00:00:00' },
      { status: 'NOPE', owner: '', idleSince: 'x', limit: '0', cursor: 'c', extra: '1' },
      { limit: '10', cursor: 'abc', status: 'FAILED' },
      null,
    ].map((input) => [JSON.stringify(input)?.slice(0, 80), input] as const),
  )('reads the cluster list query %s as listClustersQuerySchema does', (_title, input) => {
    expect(answer(listClustersQueryParameters, input)).toEqual(answer(listClustersQuerySchema, input));
  });

  it.each([{}, { refresh: 'true' }, { refresh: 'true', other: '1' }, null])('reads the nodes query %j as nodesQuerySchema does', (input) => {
    expect(answer(nodesQueryParameters, input)).toEqual(answer(nodesQuerySchema, input));
  });
});
