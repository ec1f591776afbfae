/**
 * The cluster parameters: the Docker for AWS interface, modernised. The zod schema is the single source for request
 * validation, the TypeScript types and the OpenAPI document.
 */
import * as z from 'zod';
import { DURATION_PATTERN } from './duration';
import { webhookEventTypeSchema } from './webhook';

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

const diskSize = /* @__PURE__ */ (() => z.number().int().min(20).max(1024))();

export const clusterRequestSchema = /* @__PURE__ */ (() => z
  .strictObject({
    name: z.string().regex(CLUSTER_NAME_PATTERN, 'must start with a lower-case letter and contain only a-z, 0-9 and "-" (at most 40 characters)'),
    managers: z.union([z.literal(1), z.literal(3), z.literal(5)], { error: 'must be 1, 3 or 5' }).default(3),
    workers: z.number().int().min(0).max(1000).default(5),
    managerInstanceType: z.enum(INSTANCE_TYPES).default('t3.small'),
    workerInstanceType: z.enum(INSTANCE_TYPES).default('t3.small'),
    managerDiskSizeGb: diskSize.default(20),
    workerDiskSizeGb: diskSize.default(20),
    managerDiskType: z.enum(DISK_TYPES).default('gp3'),
    workerDiskType: z.enum(DISK_TYPES).default('gp3'),
    keyName: z.string().regex(/^[\x20-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters').optional(),
    enableSystemPrune: z.boolean().default(false),
    enableCloudWatchLogs: z.boolean().default(true),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name such as us-east-1').optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    idleTimeout: z.string().regex(DURATION_PATTERN, 'must be an ISO 8601 duration such as PT30M or P1D').optional(),
    webhook: z
      .strictObject({
        url: z.string().max(2048),
        events: z.array(webhookEventTypeSchema).min(1).optional(),
      })
      .optional(),
    tags: z
      .record(
        z.string().regex(TAG_KEY_PATTERN, 'tag keys are 1-128 letters, numbers, spaces or _.:/=+-@ and may not start with aws: or swarm-provisioner:'),
        z.string().regex(TAG_VALUE_PATTERN, 'tag values are 1-256 letters, numbers, spaces or _.:/=+-@ and may not start with aws:'),
      )
      .refine((tags) => Object.keys(tags).length <= 20, 'at most 20 tags')
      .optional(),
  })
  .describe('What to create: the Docker for AWS parameters, modernised.'))();

export type ClusterRequest = z.output<typeof clusterRequestSchema>;

/** The stack-level parameters, i.e. what lands in the CloudFormation template (names from Docker for AWS). */
export type ClusterParameters = Omit<ClusterRequest, 'name' | 'region' | 'expiresAt' | 'idleTimeout' | 'webhook' | 'tags'>;

export function parametersOf(request: ClusterRequest): ClusterParameters {
  const { name: _name, region: _region, expiresAt: _expiresAt, idleTimeout: _idleTimeout, webhook: _webhook, tags: _tags, ...parameters } = request;
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
