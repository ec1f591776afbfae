/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
import * as z from 'zod';
import { lazyHandler } from '../lazy';
import {
  clusterPageSchema,
  clusterRequestSchema,
  clusterResourceSchema,
  createdClusterSchema,
  deliveryIdSchema,
  deliveryPageSchema,
  deliveryResourceSchema,
  eventPageSchema,
  clusterChangesSchema,
  nodeListSchema,
  problemSchema,
} from './api-schemas';
import { httpHandler } from './http-handler';
import { json } from './middleware';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const ok = (description: string, schema: string) => ({ description, content: { 'application/json': { schema: ref(schema) } } });
const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^c-[0-9a-z]{26}$' } };
const { $schema: _draft, ...deliveryIdJsonSchema } = z.toJSONSchema(deliveryIdSchema, { target: 'draft-2020-12' });
const deliveryIdParameter = { name: 'deliveryId', in: 'path', required: true, schema: deliveryIdJsonSchema };
const pageParameters = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
  { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'The nextCursor of the previous page.' },
];
const common = {
  '401': problem('No credentials, or a wrong, revoked or expired API key'),
  '500': problem('Internal error (details are in the logs, not here)'),
  '503': problem('Credentials could not be checked just now; retry'),
};

function componentSchemas(): Record<string, unknown> {
  const schemas = (io: 'input' | 'output', entries: Record<string, z.core.$ZodType>) => {
    const registry = z.registry<{ id: string }>();
    for (const [id, schema] of Object.entries(entries)) registry.add(schema, { id });
    const result = z.toJSONSchema(registry, { io, target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' });
    // Component schemas live inside the document; they need neither their own $schema nor an $id.
    return Object.fromEntries(Object.entries(result.schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]));
  };
  return {
    ...schemas('input', { ClusterRequest: clusterRequestSchema, ClusterChanges: clusterChangesSchema }),
    ...schemas('output', {
      Cluster: clusterResourceSchema,
      CreatedCluster: createdClusterSchema,
      ClusterPage: clusterPageSchema,
      NodeList: nodeListSchema,
      EventPage: eventPageSchema,
      Delivery: deliveryResourceSchema,
      DeliveryPage: deliveryPageSchema,
      Problem: problemSchema,
    }),
  };
}

/** POST /clusters/{id}/upgrade, /hibernate, /wake: no body, 202 with the cluster UPDATING. */
function operationPaths() {
  const operation = (summary: string, description: string, conflict: string, quota = false) => ({
    post: {
      summary,
      description: `${description} Owner only. The same operation sent again while it runs is answered 202 with the cluster as it is.`,
      parameters: [idParameter],
      responses: {
        '202': { ...ok('Accepted: the cluster is UPDATING; `update` says what is being done', 'Cluster'), headers: { Location: { schema: { type: 'string' } } } },
        '404': problem('No such cluster'),
        '409': problem(conflict),
        ...(quota ? { '429': problem('The workers to restore would exceed the owner’s instance quota; `quota` names the limit') } : {}),
        ...common,
        '503': problem('No update workflow in this deployment, or credentials could not be checked; retry'),
      },
    },
  });
  const busy = 'UPDATING (`runningOperation` names the operation), CREATING, DELETING, DELETED or FAILED';
  return {
    '/clusters/{id}/upgrade': operation(
      'Upgrade in place: the newest AMI and the pinned Docker version on every node',
      'Every node is replaced, managers one at a time, each new node joining the swarm before the old one is drained and leaves. Allowed from READY, HIBERNATED and UPDATE_FAILED; ends in the status it started from (READY for UPDATE_FAILED). A cluster already current ends at once ("already current").',
      `The cluster is ${busy}`,
    ),
    '/clusters/{id}/hibernate': operation(
      'Hibernate: scale the workers to 0, keep the managers and the swarm state',
      'From READY only; the worker count is remembered (`hibernatedWorkers`) and the cluster ends HIBERNATED. Services keep running on the managers. A HIBERNATED cluster is not reaped for idleness (its expiry still deletes it).',
      `The cluster is already HIBERNATED, or ${busy}`,
    ),
    '/clusters/{id}/wake': operation(
      'Wake: restore the workers a hibernate removed',
      'From HIBERNATED only; the cluster ends READY with `hibernatedWorkers` workers. Counts as activity.',
      `The cluster is not HIBERNATED (READY: nothing to wake), or ${busy}`,
      true,
    ),
  };
}

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'swarm-provisioner',
      version: '0.1.0',
      description: 'Creates, changes (scale, resize, upgrade, hibernate) and deletes multi-AZ Docker Swarm clusters on AWS. Errors are RFC 9457 problem details.',
    },
    paths: {
      '/clusters': {
        post: {
          summary: 'Create a cluster',
          parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 255 }, description: 'Same key + same body replays the first answer (the cluster id derives from caller + key, so this holds after a crash too); same key + other body → 422; still in flight → 409.' }],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ClusterRequest') } } },
          responses: {
            '202': { ...ok('Accepted: the cluster is CREATING', 'CreatedCluster'), headers: { Location: { schema: { type: 'string' } } } },
            '400': problem('Malformed request (not JSON, too large, bad cursor)'),
            '409': problem('A request with this Idempotency-Key is still in flight'),
            '415': problem('Body is not application/json'),
            '422': problem('A field is not valid; `errors` names it'),
            '429': problem('The owner’s quota would be exceeded; `quota` names the limit, its maximum and the current use'),
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
            { name: 'owner', in: 'query', schema: { type: 'string' }, description: 'Operators only: list this owner’s clusters.' },
            ...pageParameters,
          ],
          responses: { '200': ok('A page of clusters', 'ClusterPage'), '400': problem('Bad cursor'), '403': problem('`owner` names someone else and the caller is no operator'), '422': problem('Bad query'), ...common },
        },
      },
      '/clusters/{id}': {
        get: { summary: 'Read a cluster', parameters: [idParameter], responses: { '200': ok('The cluster', 'Cluster'), '404': problem('No such cluster'), ...common } },
        delete: {
          summary: 'Delete a cluster (cancels a create in flight)',
          description:
            'The owner or an operator may delete a cluster. Idempotent: a DELETING or DELETED cluster is answered with its state and nothing new starts. DELETE_FAILED may be deleted again. DELETED means the stack is gone and every instance is terminated.',
          parameters: [idParameter],
          responses: { '202': { ...ok('Accepted: the cluster is DELETING (or already DELETED)', 'Cluster'), headers: { Location: { schema: { type: 'string' } } } }, '404': problem('No such cluster'), ...common },
        },
        patch: {
          summary: 'Change a cluster: its lifecycle (expiresAt, idleTimeout, idleAction) or, through the update workflow, its size and instances',
          description:
            'Lifecycle fields alone apply at once (200). Any parameter field starts an update (202, status UPDATING): `workers` 0–1000 and ' +
            '`managers` 1 ↔ 3 ↔ 5 one step at a time (Raft needs a majority of managers) are a scale; instance types and disks a resize, ' +
            'which replaces every node of the group, one batch at a time, each drained before it leaves. The cluster ends READY with the new ' +
            'parameters, READY with the previous ones and a reason when CloudFormation rolled the update back, or UPDATE_FAILED. A scale-out ' +
            'takes the extra instances from the owner’s quota at once; a scale-in gives them back when it has succeeded. The same change sent ' +
            'again while it runs is answered 202 with the cluster as it is.',
          parameters: [idParameter],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ClusterChanges') } } },
          responses: {
            '200': ok('Lifecycle fields only: the cluster, changed', 'Cluster'),
            '202': { ...ok('Accepted: the cluster is UPDATING; `update` says what is being done', 'Cluster'), headers: { Location: { schema: { type: 'string' } } } },
            '404': problem('No such cluster'),
            '409': problem('The cluster cannot change now: UPDATING (`runningOperation` names the operation), CREATING, DELETING, DELETED, FAILED, or HIBERNATED (wake it first)'),
            '415': problem('Body is not application/json'),
            '422': problem('A field is not valid, the change would break quorum or leave services nowhere to run, or there is nothing to change; `errors` names the field and the reason'),
            '429': problem('A scale-out would exceed the owner’s instance quota; `quota` names the limit, its maximum and the current use'),
            ...common,
            '503': problem('No update workflow in this deployment, or credentials could not be checked; retry'),
          },
        },
      },
      ...operationPaths(),
      '/clusters/{id}/activity': {
        post: {
          summary: 'Record that the cluster is in use (resets its idle clock)',
          parameters: [idParameter],
          responses: { '200': ok('The cluster, with its new lastActivityAt', 'Cluster'), '404': problem('No such cluster'), '409': problem('The cluster is DELETING or DELETED'), ...common },
        },
      },
      '/clusters/{id}/nodes': {
        get: {
          summary: 'The node inventory (the AWS side of docker node ls), kept current by EC2 and Auto Scaling events',
          parameters: [idParameter],
          responses: { '200': ok('The nodes', 'NodeList'), '404': problem('No such cluster'), ...common },
        },
      },
      '/clusters/{id}/events': {
        get: { summary: "The cluster's timeline", parameters: [idParameter, ...pageParameters], responses: { '200': ok('A page of events', 'EventPage'), '404': problem('No such cluster'), ...common } },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' }, ...common } } },
      '/clusters/{id}/deliveries': {
        get: {
          summary: "The webhook delivery log: each event sent to the cluster's webhook, its exact body and every attempt",
          parameters: [idParameter, ...pageParameters],
          responses: { '200': ok('A page of deliveries, oldest first', 'DeliveryPage'), '400': problem('Bad cursor'), '404': problem('No such cluster'), ...common },
        },
      },
      '/clusters/{id}/deliveries/{deliveryId}/redeliver': {
        post: {
          summary: 'Send a delivery again: the same body and webhook-id, a new timestamp, the full retry schedule',
          parameters: [idParameter, deliveryIdParameter],
          responses: {
            '202': ok('Accepted: a new round of attempts has started', 'Delivery'),
            '404': problem('No such cluster or delivery'),
            '409': problem('The endpoint was disabled by a 410, the delivery used up its rounds, or a redelivery raced this one'),
            ...common,
          },
        },
      },
      '/chatops/slack': {
        post: {
          summary: 'The Slack slash command (signed by Slack; no API credentials)',
          security: [],
          requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', description: 'Slack’s slash command payload' } } } },
          responses: {
            '200': {
              description:
                'Acknowledged within 3 seconds; the answer follows on response_url. Empty for a Slack retry (X-Slack-Retry-Num) or a command (team + trigger_id) already received: nothing is run twice.',
            },
            '400': problem('The command lacks its user, its trigger_id or a Slack response_url, or the body is too large'),
            '401': problem('Not signed by Slack, outside the 5-minute window, or no signing secret configured'),
            '403': problem('The Slack workspace is not allowed'),
          },
        },
      },
      '/console': {
        get: {
          summary: 'The web console: one HTML page (public; its API calls carry the API key you sign in with). docs/console.md',
          security: [],
          responses: {
            '200': { description: 'The page, script and style inline, with a Content-Security-Policy allowing exactly those', content: { 'text/html': { schema: { type: 'string' } } } },
            '500': problem('The page could not be built'),
          },
        },
      },
    },
    // One of the two: SigV4 on the IAM API, or an API key on the key API (see docs/security.md, "Access control").
    security: [{ apiKey: [] }, { sigv4: [] }],
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'spk_<id>_<secret>', description: 'An API key, on the key API.' },
        sigv4: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'AWS Signature Version 4 (service execute-api), on the IAM API.' },
      },
    },
  };
}

/** GET /openapi.json */
export const handler = lazyHandler(() => {
  const document = openApiDocument();
  return httpHandler(async () => json(200, document));
});
