/**
 * The light checks of the read routes (src/handlers/http/route-parameters.ts) answer exactly as the zod schemas that
 * define the contract (api-schemas.ts, from which the OpenAPI document is built): the same data, or the same
 * `errors` of the 400 problem, message for message, over inputs chosen to hit every rule.
 */
import * as z from 'zod';
import { clusterIdSchema, deliveryIdSchema, listClustersQuerySchema, nodesQuerySchema, pageQuerySchema } from '../../../src/handlers/http/api-schemas';
import { fieldErrors, type RequestParser } from '../../../src/handlers/http/middleware';
import { clusterIdParameter, listClustersQueryParameters, nodesQueryParameters, pageQueryParameters, redeliveryPathParameters } from '../../../src/handlers/http/route-parameters';

const answer = (parser: RequestParser<unknown>, input: unknown) => {
  const result = parser.safeParse(input);
  return result.success ? { data: result.data } : { errors: fieldErrors(result.error) };
};

const ID = `c-${'0123456789abcdefghijklmnop'}`;
const DELIVERY = `dlv_${ID}_v000000003_cluster_ready`;

describe('route parameters without a schema library', () => {
  it.each([undefined, null, 5, '', 'c-x', ID, `${ID}x`, ID.toUpperCase(), ['c']])('reads the cluster id %p as clusterIdSchema does', (input) => {
    expect(answer(clusterIdParameter, input)).toEqual(answer(clusterIdSchema, input));
  });

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

  const redeliveryPath = z.object({ id: clusterIdSchema, deliveryId: deliveryIdSchema });
  it.each([{ id: ID, deliveryId: DELIVERY }, { id: ID, deliveryId: DELIVERY, other: 'x' }, { id: 'c-x', deliveryId: 'd' }, { deliveryId: DELIVERY }, {}, null])(
    'reads the redelivery path %j as its zod object does',
    (input) => {
      expect(answer(redeliveryPathParameters, input)).toEqual(answer(redeliveryPath, input));
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
