/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
import { z } from 'zod';
import { lazyHandler } from '../lazy';
import {
  clusterPageSchema,
  clusterRequestSchema,
  clusterResourceSchema,
  createdClusterSchema,
  eventPageSchema,
  lifecycleChangesSchema,
  nodeListSchema,
  problemSchema,
} from './api-schemas';
import { httpHandler } from './http-handler';
import { json } from './middleware';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const ok = (description: string, schema: string) => ({ description, content: { 'application/json': { schema: ref(schema) } } });
const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^c-[0-9a-z]{26}$' } };
const pageParameters = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
  { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'The nextCursor of the previous page.' },
];
const common = { '401': problem('No authenticated principal'), '500': problem('Internal error (details are in the logs, not here)') };

function componentSchemas(): Record<string, unknown> {
  const schemas = (io: 'input' | 'output', entries: Record<string, z.ZodType>) => {
    const registry = z.registry<{ id: string }>();
    for (const [id, schema] of Object.entries(entries)) registry.add(schema, { id });
    const result = z.toJSONSchema(registry, { io, target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' });
    // Component schemas live inside the document; they need neither their own $schema nor an $id.
    return Object.fromEntries(Object.entries(result.schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]));
  };
  return {
    ...schemas('input', { ClusterRequest: clusterRequestSchema, LifecycleChanges: lifecycleChangesSchema }),
    ...schemas('output', { Cluster: clusterResourceSchema, CreatedCluster: createdClusterSchema, ClusterPage: clusterPageSchema, NodeList: nodeListSchema, EventPage: eventPageSchema, Problem: problemSchema }),
  };
}

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'swarm-provisioner',
      version: '0.1.0',
      description: 'Creates and deletes multi-AZ Docker Swarm clusters on AWS. Errors are RFC 9457 problem details.',
    },
    paths: {
      '/clusters': {
        post: {
          summary: 'Create a cluster',
          parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 255 }, description: 'Same key + same body replays the first answer; same key + other body → 422; still in flight → 409.' }],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ClusterRequest') } } },
          responses: {
            '202': { ...ok('Accepted: the cluster is CREATING', 'CreatedCluster'), headers: { Location: { schema: { type: 'string' } } } },
            '400': problem('Malformed request (not JSON, too large, bad cursor)'),
            '409': problem('A request with this Idempotency-Key is still in flight'),
            '415': problem('Body is not application/json'),
            '422': problem('A field is not valid; `errors` names it'),
            ...common,
          },
        },
        get: {
          summary: "List the caller's clusters, newest first (with idleSince: least recently active first)",
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string', enum: [...clusterResourceSchema.shape.status.options] } },
            {
              name: 'idleSince',
              in: 'query',
              schema: { type: 'string', format: 'date-time' },
              description: 'Only clusters (not DELETING or DELETED) with no activity since this time: what a clean-up job would delete.',
            },
            ...pageParameters,
          ],
          responses: { '200': ok('A page of clusters', 'ClusterPage'), '400': problem('Bad cursor'), '422': problem('Bad query'), ...common },
        },
      },
      '/clusters/{id}': {
        get: { summary: 'Read a cluster', parameters: [idParameter], responses: { '200': ok('The cluster', 'Cluster'), '404': problem('No such cluster'), ...common } },
        delete: {
          summary: 'Delete a cluster (cancels a create in flight)',
          description:
            'Idempotent: a DELETING or DELETED cluster is answered with its state and nothing new starts. DELETE_FAILED may be deleted again. DELETED means the stack is gone and every instance is terminated.',
          parameters: [idParameter],
          responses: { '202': { ...ok('Accepted: the cluster is DELETING (or already DELETED)', 'Cluster'), headers: { Location: { schema: { type: 'string' } } } }, '404': problem('No such cluster'), ...common },
        },
        patch: {
          summary: 'Change when the cluster is deleted by itself (expiresAt, idleTimeout)',
          parameters: [idParameter],
          requestBody: { required: true, content: { 'application/json': { schema: ref('LifecycleChanges') } } },
          responses: {
            '200': ok('The cluster, changed', 'Cluster'),
            '404': problem('No such cluster'),
            '409': problem('The cluster is DELETING or DELETED'),
            '415': problem('Body is not application/json'),
            '422': problem('A field is not valid or not changeable; `errors` names it'),
            ...common,
          },
        },
      },
      '/clusters/{id}/activity': {
        post: {
          summary: 'Record that the cluster is in use (resets its idle clock)',
          parameters: [idParameter],
          responses: { '200': ok('The cluster, with its new lastActivityAt', 'Cluster'), '404': problem('No such cluster'), '409': problem('The cluster is DELETING or DELETED'), ...common },
        },
      },
      '/clusters/{id}/nodes': {
        get: {
          summary: 'The node inventory (the AWS side of docker node ls)',
          parameters: [idParameter, { name: 'refresh', in: 'query', schema: { type: 'string', enum: ['true', 'false'] } }],
          responses: { '200': ok('The nodes', 'NodeList'), '404': problem('No such cluster'), ...common },
        },
      },
      '/clusters/{id}/events': {
        get: { summary: "The cluster's timeline", parameters: [idParameter, ...pageParameters], responses: { '200': ok('A page of events', 'EventPage'), '404': problem('No such cluster'), ...common } },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
    components: { schemas: componentSchemas() },
  };
}

/** GET /openapi.json */
export const handler = lazyHandler(() => {
  const document = openApiDocument();
  return httpHandler(async () => json(200, document));
});
