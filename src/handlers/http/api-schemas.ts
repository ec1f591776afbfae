/** The schemas of the HTTP API: requests are validated with them and the OpenAPI document is generated from them. */
import { HEALTH_REASON_CODES, HEALTH_STATUSES } from '../../domain/health';
import * as z from 'zod';
import * as zm from 'zod/mini';
import { CLUSTER_STATUSES, DELETE_REASONS } from '../../domain/cluster';
import { UPDATE_OPERATIONS, UPDATE_OUTCOMES } from '../../domain/cluster';
import { IDLE_ACTIONS } from '../../domain/parameters';
import { deliveryIdSchema, deliveryStatusSchema, recordedAttemptSchema } from '../../domain/delivery';
import { clusterRequestSchema, diskSizeSchema, diskTypeSchema, expiresAtSchema, idleActionSchema, idleTimeoutSchema, instanceTypeSchema, workersSchema } from '../../domain/parameters';
import { webhookEventTypeSchema } from '../../domain/webhook';

// Schemas are built inside `/* @__PURE__ */ (() => ...)()`: a bundle that reaches this module but uses none of them
// drops them, and with them the schema library (docs/performance.md).
export { clusterRequestSchema, deliveryIdSchema };

const limit = /* @__PURE__ */ (() => z.coerce.number().int().min(1).max(100).default(20))();
const cursor = /* @__PURE__ */ (() => z.string().max(2048).optional())();

export const listClustersQuerySchema = /* @__PURE__ */ (() => z.strictObject({
  status: z.enum(CLUSTER_STATUSES).optional(),
  owner: z.string().min(1).max(512).optional().describe('Operators only: list this owner’s clusters.'),
  idleSince: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 timestamp such as 2026-01-01T00:00:00Z' })
    .optional()
    .describe('Only clusters (not DELETING or DELETED) with no activity since this time, least recently active first.'),
  limit,
  cursor,
}))();

/**
 * PATCH /clusters/{id}: the lifecycle fields (null clears one) and the parameters of a running cluster, each with the
 * create request's own rule (src/domain/parameters.ts). `managers` is any whole number here, so that a count the swarm
 * cannot take is refused with the quorum reason (domain/cluster-update.ts) rather than a bare "must be 1, 3 or 5".
 * zod/mini, as the create request, so the route's bundle carries no classic zod.
 */
export const clusterChangesSchema = /* @__PURE__ */ (() => zm
  .strictObject({
    expiresAt: zm.optional(zm.nullable(expiresAtSchema)),
    idleTimeout: zm.optional(zm.nullable(idleTimeoutSchema)),
    idleAction: zm.optional(zm.nullable(idleActionSchema)),
    managers: zm.optional(zm.number().check(zm.int())),
    workers: zm.optional(workersSchema),
    managerInstanceType: zm.optional(instanceTypeSchema),
    workerInstanceType: zm.optional(instanceTypeSchema),
    managerDiskSizeGb: zm.optional(diskSizeSchema),
    workerDiskSizeGb: zm.optional(diskSizeSchema),
    managerDiskType: zm.optional(diskTypeSchema),
    workerDiskType: zm.optional(diskTypeSchema),
  })
  .check(
    zm.refine((changes) => Object.keys(changes).length > 0, 'name at least one field to change'),
    zm.describe(
      'What to change. Lifecycle fields (expiresAt, idleTimeout, idleAction; null clears one) apply at once (200). ' +
        'Parameter fields change the running cluster through the update workflow (202, status UPDATING): counts are a scale, ' +
        'instance types and disks a resize (every node of that group is replaced, drained first), both may come in one request.',
    ),
  ))();

export const pageQuerySchema = /* @__PURE__ */ (() => z.strictObject({ limit, cursor }))();

/** No query parameters: the inventory is kept current by events, so there is nothing to ask for (`refresh` is gone). */
export const nodesQuerySchema = /* @__PURE__ */ (() => z.strictObject({}))();

export const clusterIdSchema = /* @__PURE__ */ (() => z.string().regex(/^c-[0-9a-z]{26}$/, 'is not a cluster id'))();

// The path, query and header parameters of every route, as the OpenAPI document names them. The routes that read
// clusters check theirs without zod (route-parameters.ts; test/unit/handlers/route-parameters.test.ts holds each to
// the schema here), so these are the contract and the document's source, not what those bundles carry.

/** `{id}`: every route under /clusters/{id}. */
export const clusterPathSchema = /* @__PURE__ */ (() => z.object({ id: clusterIdSchema.describe('The cluster id: `c-` and 26 lower-case letters or digits.') }))();

/** POST /clusters/{id}/deliveries/{deliveryId}/redeliver. */
export const redeliveryPathSchema = /* @__PURE__ */ (() => z.object({ id: clusterPathSchema.shape.id, deliveryId: deliveryIdSchema.describe('A delivery id from the delivery log.') }))();

/** POST /clusters's `Idempotency-Key`: visible ASCII, as the IETF draft's examples and Stripe's keys are. */
export const idempotencyKeySchema = /* @__PURE__ */ (() => z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 visible ASCII characters'))();

export const createClusterHeadersSchema = /* @__PURE__ */ (() => z.object({
  'Idempotency-Key': idempotencyKeySchema
    .optional()
    .describe(
      'Same key + same body replays the first answer (the cluster id derives from caller + key, so this holds after a crash too); ' +
        'same key + other body → 422; still in flight → 409; not 1-255 visible ASCII characters → 400.',
    ),
}))();

/** POST /clusters?dryRun=true: validate, default and price the request; nothing is created (answered 200 with a ClusterPlan). */
export const createClusterQuerySchema = /* @__PURE__ */ (() => z.strictObject({
  dryRun: z
    .enum(['true', 'false'])
    .optional()
    .describe('`true`: validate and default the request, check the quota and answer 200 with the plan and its cost; nothing is created, no quota is taken.'),
}))();

/**
 * POST /chatops/slack's headers: Slack's signature (https://api.slack.com/authentication/verifying-requests-from-slack)
 * and its retry marks. Optional here because the route answers their absence itself (401), after reading them.
 */
export const slackCommandHeadersSchema = /* @__PURE__ */ (() => z.object({
  'X-Slack-Signature': z.string().optional().describe('`v0=` + HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret; missing or wrong → 401.'),
  'X-Slack-Request-Timestamp': z.string().optional().describe('Unix seconds; more than 5 minutes away from now → 401.'),
  'X-Slack-Retry-Num': z.string().optional().describe('Set on Slack’s retries: acknowledged with an empty 200, nothing is run twice.'),
  'X-Slack-Retry-Reason': z.string().optional().describe('Why Slack retried (logged).'),
}))();

/** The slash command's form, as Slack sends it (the fields the route reads; the use case checks them, not this). */
export const slackCommandFormSchema = /* @__PURE__ */ (() => z
  .looseObject({
    team_id: z.string(),
    user_id: z.string(),
    trigger_id: z.string(),
    response_url: z.string().describe('Slack’s https://hooks.slack.com/ address for the answer.'),
    text: z.string().describe('What follows the command, e.g. `create demo --workers 3`.'),
  })
  .describe('Slack’s slash command payload (application/x-www-form-urlencoded)'))();

const nodeSchema = /* @__PURE__ */ (() => z
  .object({
    instanceId: z.string(),
    role: z.enum(['manager', 'worker']),
    availabilityZone: z.string(),
    state: z.string(),
    instanceType: z.string().optional(),
    privateIp: z.string().optional(),
    publicIp: z.string().optional(),
    launchedAt: z.string().optional(),
    stateAt: z.string().optional().describe('When the state was known: the time of the EC2 event that reported it, or of the read that saw it'),
  })
)();

export const clusterResourceSchema = /* @__PURE__ */ (() => z
  .object({
    id: z.string(),
    name: z.string(),
    owner: z.string(),
    region: z.string(),
    parameters: z.record(z.string(), z.unknown()),
    tags: z.record(z.string(), z.string()),
    status: z.enum(CLUSTER_STATUSES),
    statusReason: z.string(),
    stackName: z.string(),
    stackId: z.string().optional(),
    createExecutionArn: z.string().optional(),
    deleteExecutionArn: z.string().optional(),
    deleteReason: z.enum(DELETE_REASONS).optional().describe('requested (by the owner), expired or idle (by the reaper)'),
    update: z
      .object({
        id: z.string().describe("'u' + the cluster version the change started from"),
        operation: z.enum(UPDATE_OPERATIONS),
        target: z.record(z.string(), z.unknown()).describe('The parameters after the change'),
        previous: z.record(z.string(), z.unknown()).describe('The parameters before it (what a rollback returns to)'),
        requestedAt: z.string(),
        requestedBy: z.string(),
      })
      .optional()
      .describe('The change in flight while UPDATING (and the last one started, after)'),
    updateExecutionArn: z.string().optional(),
    lastUpdate: z
      .object({ id: z.string(), operation: z.enum(UPDATE_OPERATIONS), outcome: z.enum(UPDATE_OUTCOMES), reason: z.string().optional(), endedAt: z.string() })
      .optional()
      .describe('How the last update ended: updated, rolled_back (READY with the previous parameters, `reason` names the root cause) or failed (UPDATE_FAILED)'),
    hibernatedWorkers: z.number().int().optional().describe('While HIBERNATED: the worker count a wake restores'),
    updatingAt: z.string().optional(),
    outputs: z.record(z.string(), z.string()),
    nodes: z.array(nodeSchema),
    progress: z
      .object({
        resourcesDone: z.number().int().describe('Stack resources finished by the current operation (created, or deleted).'),
        resourcesTotal: z.number().int().describe('For a create: the resources the template always creates, plus any conditional one that appeared; for a delete: every resource the stack had.'),
        inProgress: z.array(z.string()).describe('Logical ids of the resources CloudFormation is working on now.'),
        updatedAt: z.string().describe('Time of the latest resource event counted.'),
      })
      .optional()
      .describe("How far the stack's create (CREATING, READY) or delete (DELETING and after) is, from CloudFormation's resource events; for a progress bar."),
    webhook: z
      .object({
        url: z.string(),
        events: z.array(z.string()),
        disabledAt: z.string().optional().describe('Set when the receiver answered 410 Gone: nothing more is sent to it for this cluster.'),
        disabledReason: z.string().optional(),
      })
      .optional(),
    requestedAt: z.string(),
    readyAt: z.string().optional(),
    failedAt: z.string().optional(),
    deletingAt: z.string().optional(),
    deletedAt: z.string().optional(),
    deleteFailedAt: z.string().optional(),
    lastActivityAt: z.string().describe('The last POST /activity or change by the owner; reads do not count.'),
    expiresAt: z.string().optional(),
    idleTimeout: z.string().optional(),
    idleAction: z.enum(IDLE_ACTIONS).optional().describe('What the reaper does once the cluster is idle for idleTimeout: delete (the default) or hibernate'),
    autoRepair: z.boolean().optional().describe('Set (true) when the create asked for it: the health sweep has the manager group replace a manager unreachable on two sweeps in a row, one at a time (docs/operations.md "Health and drift")'),
    autoDeleteAt: z.string().optional().describe('When the reaper will delete the cluster (expiry or idleness), if nothing changes.'),
    health: z
      .object({
        status: z.enum(HEALTH_STATUSES).describe('healthy; degraded (fewer instances running than the parameters say, a manager down or unreachable, an instance its group found Unhealthy); drifted (the stack deleted or changed out of band)'),
        reasons: z.array(z.object({ code: z.enum(HEALTH_REASON_CODES), message: z.string(), instanceIds: z.array(z.string()).optional().describe('The instances the reason is about (instances_unhealthy, manager_unreachable)') })).describe('Every reason found; docs/operations.md "Health and drift" says what each means and what to do'),
        checkedAt: z.string().describe('When the health sweep last compared the cluster with AWS'),
      })
      .optional()
      .describe("The health sweep's last finding, for READY and HIBERNATED clusters (absent until the first sweep). Never changes `status`."),
    updatedAt: z.string(),
    version: z.number().int(),
    links: z.object({ self: z.string(), nodes: z.string(), events: z.string() }),
  })
)();

export const createdClusterSchema = /* @__PURE__ */ (() => clusterResourceSchema
  .extend({ webhookSecret: z.string().optional().describe('The webhook signing secret (whsec_...): shown here once, never again.') })
)();

export const clusterPageSchema = /* @__PURE__ */ (() => z.object({ items: z.array(clusterResourceSchema), nextCursor: z.string().optional() }))();

export const nodeListSchema = /* @__PURE__ */ (() => z.object({ items: z.array(nodeSchema) }))();

/** GET /clusters/{id}/connect: domain/connect.ts `ConnectInstructions`. */
export const connectInstructionsSchema = /* @__PURE__ */ (() => z
  .object({
    clusterId: z.string(),
    region: z.string(),
    instanceId: z.string().describe('The running manager the port forward reaches'),
    availabilityZone: z.string(),
    localPort: z.number().int().describe('The port on your machine (and the manager’s loopback Docker API port): 2375'),
    commands: z.object({
      portForward: z.string().describe('`aws ssm start-session … --document-name AWS-StartPortForwardingSession`: needs the AWS CLI, its Session Manager plugin and ssm:StartSession on the instance; leave it running'),
      dockerContext: z.string().describe('`docker context create <cluster name> --docker host=tcp://127.0.0.1:2375`'),
      nodeList: z.string().describe('`docker --context <cluster name> node ls`'),
      dockerHost: z.string().describe('`export DOCKER_HOST=tcp://127.0.0.1:2375`: the alternative to a context, for one shell'),
    }),
  })
  .describe('Ready-to-paste commands that reach a manager’s Docker API through an SSM port forward (no key pair, no inbound port)'))();
export const diagnosticsSchema = /* @__PURE__ */ (() => z
  .object({
    clusterId: z.string(),
    status: z
      .enum(['collecting', 'ready', 'failed'])
      .describe('`collecting`: a POST’s collection is under way (the fields below are the previous collection’s, if any); `ready`: the latest collected; `failed`: the requested collection could not be made (`request.error`)'),
    request: z
      .object({ id: z.string(), requestedAt: z.string(), error: z.string().optional() })
      .optional()
      .describe('The latest POST: a second POST while it is collecting answers with this same request'),
    collectedAt: z.string().optional().describe('Absent until a first collection is ready'),
    trigger: z
      .enum(['create-failed', 'update-failed', 'requested'])
      .optional()
      .describe('`create-failed` / `update-failed`: when a create or an update failed because nodes did not come up; `requested`: by POST'),
    cause: z.string().optional().describe('`<instance id>: <line>`: the line of a node log that says why it did not come up'),
    nodes: z.array(
      z.object({
        instanceId: z.string(),
        consoleOutput: z.string().describe('The tail of the EC2 console output (at most 16 KiB characters), secrets redacted'),
        truncated: z.boolean(),
        cause: z.string().optional(),
      }),
    ),
    swarm: z
      .object({ instanceId: z.string(), status: z.string().describe("SSM's invocation status, or DeadlinePassed"), output: z.string(), truncated: z.boolean() })
      .optional()
      .describe('`docker info` and `docker node ls` on a running manager through SSM Run Command (a POST on a READY cluster)'),
  })
)();

export const eventPageSchema = /* @__PURE__ */ (() => z
  .object({
    items: z.array(z.object({ at: z.string(), type: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() })),
    nextCursor: z.string().optional(),
  })
)();

export const deliveryResourceSchema = /* @__PURE__ */ (() => z
  .object({
    id: deliveryIdSchema,
    event: webhookEventTypeSchema,
    webhookId: z.string().describe('The webhook-id header: the same on every attempt and every redelivery.'),
    clusterVersion: z.number().int(),
    status: deliveryStatusSchema,
    statusReason: z.string(),
    round: z.number().int().describe('1, plus one per redelivery.'),
    body: z.string().describe('The exact body every attempt signed and sent.'),
    attempts: z.array(recordedAttemptSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
    deliveredAt: z.string().optional(),
    links: z.object({ redeliver: z.string() }),
  })
  .describe('One webhook event and every attempt to deliver it'))();

export const deliveryPageSchema = /* @__PURE__ */ (() => z.object({ items: z.array(deliveryResourceSchema), nextCursor: z.string().optional() }))();

export const problemSchema = /* @__PURE__ */ (() => z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional().describe('The fields at fault, each with what is wrong'),
    quota: z
      .object({ limit: z.enum(['activeClusters', 'instances']), max: z.number().int(), current: z.number().int(), requested: z.number().int() })
      .optional()
      .describe('429: the quota that would be exceeded, its maximum, the current use and what the request needed'),
  })
  .describe('RFC 9457 problem details; other extension members (e.g. a 409’s `status`) may follow'))();

/**
 * POST /clusters?dryRun=true → 200: what a create would do and cost, nothing created. `cluster` is the request as a
 * create would store it (defaults applied: the request schema's output).
 */
export const clusterPlanSchema = /* @__PURE__ */ (() => {
  const usage = z.object({ activeClusters: z.number().int(), instances: z.number().int() });
  return z
    .object({
      dryRun: z.literal(true),
      cluster: z
        .object({
          name: z.string(),
          region: z.string(),
          parameters: z.record(z.string(), z.unknown()),
          tags: z.record(z.string(), z.string()),
          expiresAt: z.string().optional(),
          idleTimeout: z.string().optional(),
          idleAction: z.enum(IDLE_ACTIONS).optional(),
          webhook: z.object({ url: z.string(), events: z.array(z.string()) }).optional(),
        })
        .describe('The request as a create would store it, defaults applied (a webhook secret is made only by a real create)'),
      quota: z
        .object({ limits: z.object({ maxActiveClusters: z.number().int(), maxInstances: z.number().int() }), inUse: usage, requested: usage })
        .describe('The owner’s limits, what the owner holds now, and what this cluster would take; a plan takes nothing'),
      resources: z
        .array(
          z.object({
            type: z.string().describe('A CloudFormation resource type, e.g. AWS::EC2::Instance'),
            count: z.number().int(),
            role: z.enum(['manager', 'worker']).optional(),
            instanceType: z.string().optional(),
            sizeGb: z.number().int().optional(),
            volumeType: z.string().optional(),
            launchedBy: z.string().optional().describe('Set on the instances and volumes an Auto Scaling group launches'),
          }),
        )
        .describe('The resources the template would create for these parameters, with counts'),
      estimate: z
        .object({
          currency: z.literal('USD'),
          hourly: z.number(),
          monthly: z.number(),
          hoursPerMonth: z.number().int(),
          lines: z.array(z.object({ item: z.string(), hourly: z.number(), monthly: z.number() })),
          notCounted: z.array(z.string()).describe('What the estimate leaves out (traffic-dependent charges, logs, …)'),
          source: z.string().describe('Where the prices come from'),
          priceDate: z.iso.date().describe('The date of the price table (YYYY-MM-DD)'),
        })
        .optional()
        .describe('On-demand cost from the price table kept in the repository (docs/costs.md); absent for a region it does not price'),
      estimateUnavailable: z.string().optional().describe('Why there is no estimate'),
    })
    .describe('A dry run’s answer: the defaulted request, the quota check, the resources and their cost');
})();
