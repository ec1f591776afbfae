/**
 * The cluster parameters: the Docker for AWS interface, modernised. The zod schema is the single source for request
 * validation, the TypeScript types and the OpenAPI document.
 */
// zod/mini: the same checks and messages as classic zod (both are zod's core), but functions rather than methods, so
// a bundle carries only what these schemas use (about 100 KB less; docs/performance.md).
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { DURATION_PATTERN } from './duration';
import { WEBHOOK_EVENT_TYPES } from './webhook';

// Schemas are built inside `/* @__PURE__ */ (() => ...)()`: a bundle that reaches this module but uses none of them
// drops them, and with them the schema library (docs/performance.md).
/** x86_64 types only, so one AMI fits every node. Mirrored by AllowedValues in templates/swarm.yaml (a test checks). */
export const INSTANCE_TYPES = [
  't3.micro',
  't3.small',
  't3.medium',
  't3.large',
  't3.xlarge',
  't3a.small',
  't3a.medium',
  't3a.large',
  'm6i.large',
  'm6i.xlarge',
  'm7i.large',
  'm7i.xlarge',
  'c6i.large',
  'c7i.large',
  'r6i.large',
] as const;

export const DISK_TYPES = ['gp3', 'gp2', 'standard'] as const;

export const CLUSTER_NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * User tags land on the stack and, through it, on every resource CloudFormation tags (instances, volumes, the VPC), so
 * they follow the strictest of those rules:
 * - CloudFormation's Tag: key 1-128, value 1-256 characters, both required, so an empty value is refused
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Tag.html);
 * - the characters tagging allows across AWS, `[\p{L}\p{Z}\p{N}_.:/=+\-@]` (letters, separators such as spaces,
 *   numbers and `_ . : / = + - @`; no control characters such as a newline), and no `aws:` prefix in any case, for
 *   keys or values (https://docs.aws.amazon.com/batch/latest/userguide/tag-restrictions.html, and the exact patterns
 *   in EFS's Tag: https://docs.aws.amazon.com/efs/latest/ug/API_Tag.html);
 * - `swarm-provisioner:` keys are ours (cluster id, owner): a user cannot forge them.
 */
const TAG_CHARACTERS = String.raw`[\p{L}\p{Z}\p{N}_.:/=+\-@]`;
const TAG_KEY_PATTERN = new RegExp(String.raw`^(?![aA][wW][sS]:)(?!swarm-provisioner:)${TAG_CHARACTERS}{1,128}$`, 'u');
const TAG_VALUE_PATTERN = new RegExp(String.raw`^(?![aA][wW][sS]:)${TAG_CHARACTERS}{1,256}$`, 'u');

/** Lifecycle fields, shared with PATCH /clusters/{id} (src/handlers/http/api-schemas.ts). */
export const expiresAtSchema = /* @__PURE__ */ (() => z.iso.datetime({ offset: true }))();
export const idleTimeoutSchema = /* @__PURE__ */ (() => z.string().check(z.regex(DURATION_PATTERN, 'must be an ISO 8601 duration such as PT30M or P1D')))();

/** What the reaper does once a cluster has been idle for its idleTimeout (create and PATCH; default delete). */
export const IDLE_ACTIONS = ['delete', 'hibernate'] as const;
export type IdleAction = (typeof IDLE_ACTIONS)[number];

/** What the reaper does with an idle cluster (create and PATCH). */
export const idleActionSchema = /* @__PURE__ */ (() => z.enum(IDLE_ACTIONS))();

/**
 * The manager counts a swarm may have: odd, so a Raft majority survives the loss of (n-1)/2 managers; an even count
 * tolerates no more failures than the odd count below it (https://docs.docker.com/engine/swarm/admin_guide/, "Add
 * manager nodes for fault tolerance"). Mirrored by ManagerSize's AllowedValues in templates/swarm.yaml.
 */
export const MANAGER_COUNTS = [1, 3, 5] as const;

/** Bounds of the counts and sizes, as plain numbers so a check without the schema library can read them too. */
export const WORKER_COUNT = { min: 0, max: 1000 } as const;
export const DISK_SIZE_GB = { min: 20, max: 1024 } as const;

// The parameter fields' own rules, shared by the create request and PATCH /clusters/{id} (src/handlers/http/api-schemas.ts).
export const workersSchema = /* @__PURE__ */ (() => z.number().check(z.int(), z.minimum(WORKER_COUNT.min), z.maximum(WORKER_COUNT.max)))();
export const instanceTypeSchema = /* @__PURE__ */ (() => z.enum(INSTANCE_TYPES))();
export const diskSizeSchema = /* @__PURE__ */ (() => z.number().check(z.int(), z.minimum(DISK_SIZE_GB.min), z.maximum(DISK_SIZE_GB.max)))();
export const diskTypeSchema = /* @__PURE__ */ (() => z.enum(DISK_TYPES))();

export const clusterRequestSchema = /* @__PURE__ */ (() => {
  // zod/mini sets no locale of its own (classic zod does, on its first schema): English, as everywhere else.
  z.config(en());
  return z
    .strictObject({
      name: z.string().check(z.regex(CLUSTER_NAME_PATTERN, 'must start with a lower-case letter and contain only a-z, 0-9 and "-" (at most 40 characters)')),
      managers: z._default(z.union([z.literal(1), z.literal(3), z.literal(5)], { error: 'must be 1, 3 or 5' }), 3),
      workers: z._default(workersSchema, 5),
      managerInstanceType: z._default(instanceTypeSchema, 't3.small'),
      workerInstanceType: z._default(instanceTypeSchema, 't3.small'),
      managerDiskSizeGb: z._default(diskSizeSchema, 20),
      workerDiskSizeGb: z._default(diskSizeSchema, 20),
      managerDiskType: z._default(diskTypeSchema, 'gp3'),
      workerDiskType: z._default(diskTypeSchema, 'gp3'),
      keyName: z.optional(z.string().check(z.regex(/^[\x20-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters'))),
      enableSystemPrune: z._default(z.boolean(), false),
      enableCloudWatchLogs: z._default(z.boolean(), true),
      region: z.optional(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name such as us-east-1'))),
      expiresAt: z.optional(expiresAtSchema),
      idleTimeout: z.optional(idleTimeoutSchema),
      idleAction: z.optional(idleActionSchema),
      // Opt-in, off when absent: the health sweep may have a group replace a hung manager (domain/health.ts repairChoice).
      autoRepair: z.optional(z.boolean()),
      webhook: z.optional(
        z.strictObject({
          url: z.string().check(z.maxLength(2048)),
          events: z.optional(z.array(z.enum(WEBHOOK_EVENT_TYPES)).check(z.minLength(1))),
        }),
      ),
      tags: z.optional(
        z
          .record(
            z.string().check(z.regex(TAG_KEY_PATTERN, 'tag keys are 1-128 letters, numbers, spaces or _.:/=+-@ and may not start with aws: or swarm-provisioner:')),
            z.string().check(z.regex(TAG_VALUE_PATTERN, 'tag values are 1-256 letters, numbers, spaces or _.:/=+-@ and may not start with aws:')),
          )
          .check(z.refine((tags) => Object.keys(tags).length <= 20, 'at most 20 tags')),
      ),
    })
    .check(z.describe('What to create: the Docker for AWS parameters, modernised.'));
})();

export type ClusterRequest = z.output<typeof clusterRequestSchema>;

/** The stack-level parameters, i.e. what lands in the CloudFormation template (names from Docker for AWS). */
export type ClusterParameters = Omit<ClusterRequest, 'name' | 'region' | 'expiresAt' | 'idleTimeout' | 'idleAction' | 'autoRepair' | 'webhook' | 'tags'>;

export function parametersOf(request: ClusterRequest): ClusterParameters {
  const { name: _name, region: _region, expiresAt: _expiresAt, idleTimeout: _idleTimeout, idleAction: _idleAction, autoRepair: _autoRepair, webhook: _webhook, tags: _tags, ...parameters } = request;
  return parameters;
}

/** The template's parameter values for a cluster (see docs/contracts.md). */
export function templateParameters(clusterId: string, parameters: ClusterParameters): Record<string, string> {
  return {
    ClusterId: clusterId,
    ManagerSize: String(parameters.managers),
    ClusterSize: String(parameters.workers),
    ManagerInstanceType: parameters.managerInstanceType,
    InstanceType: parameters.workerInstanceType,
    ManagerDiskSize: String(parameters.managerDiskSizeGb),
    ManagerDiskType: parameters.managerDiskType,
    WorkerDiskSize: String(parameters.workerDiskSizeGb),
    WorkerDiskType: parameters.workerDiskType,
    KeyName: parameters.keyName ?? '',
    EnableSystemPrune: parameters.enableSystemPrune ? 'yes' : 'no',
    EnableCloudWatchLogs: parameters.enableCloudWatchLogs ? 'yes' : 'no',
  };
}
