/**
 * The environment, read once and validated. A missing or malformed variable fails the cold start with its name,
 * instead of failing the first request that happens to need it.
 */
import * as z from 'zod';
import type { QuotaLimits } from './domain/quota';

const csv = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const environmentSchema = z.object({
  AWS_REGION: z.string().min(1),
  CLUSTERS_TABLE: z.string().min(1),
  IDEMPOTENCY_TABLE: z.string().min(1),
  CREATE_CLUSTER_STATE_MACHINE_ARN: z.string().startsWith('arn:'),
  DELIVER_WEBHOOK_STATE_MACHINE_ARN: z.string().startsWith('arn:'),
  DELETE_CLUSTER_STATE_MACHINE_ARN: z.string().startsWith('arn:'),
  STACK_ROLE_ARN: z.string().startsWith('arn:'),
  // The managed policy every role of a Swarm stack must carry as its boundary; the stack role refuses any other.
  STACK_PERMISSIONS_BOUNDARY_ARN: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:policy\/.+$/, 'the ARN of a managed IAM policy'),
  TEMPLATE_PATH: z.string().default('templates/swarm.yaml'),
  ALLOWED_REGIONS: csv.optional(),
  STACK_POLL_INITIAL_SECONDS: positiveInt(10),
  STACK_POLL_MAX_SECONDS: positiveInt(60),
  STACK_POLL_MAX_ATTEMPTS: positiveInt(120),
  IDEMPOTENCY_TTL_SECONDS: positiveInt(86_400),
  WEBHOOK_ALLOW_LOOPBACK_HTTP: z.enum(['true', 'false']).default('false'),
  // The issue's bound: connect + response of one attempt within 15 s.
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().max(15_000).default(10_000),
  // Multiplies the retry schedule's waits: 1 on AWS; the local sandbox runs the 37-hour schedule in minutes.
  WEBHOOK_RETRY_TIME_SCALE: z.coerce.number().positive().max(1).default(1),
  API_KEYS_TABLE: z.string().min(1),
  OPERATOR_ROLE_ARNS: csv.optional(),
  QUOTA_MAX_ACTIVE_CLUSTERS: positiveInt(10),
  QUOTA_MAX_INSTANCES: positiveInt(100),
  // Empty means "not configured": the Slack route then refuses every request.
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_TEAM_IDS: csv.optional(),
  SLACK_WORKER_FUNCTION: z.string().optional(),
  SLACK_ALLOW_LOOPBACK_HTTP: z.enum(['true', 'false']).default('false'),
  DELETE_MAX_ATTEMPTS: positiveInt(3),
  REAPER_REMINDER_LEAD_SECONDS: z.coerce.number().int().nonnegative().default(3600),
  REAPER_INTERVAL_SECONDS: z.coerce.number().int().nonnegative().default(60),
  REAPER_BATCH_SIZE: positiveInt(200),
  // Longer than a request that writes a status and then starts its workflow (API 29 s, reaper 120 s) can take.
  RECONCILER_GRACE_SECONDS: z.coerce.number().int().nonnegative().default(300),
  RECONCILER_INTERVAL_SECONDS: z.coerce.number().int().nonnegative().default(60),
  RECONCILER_BATCH_SIZE: positiveInt(200),
});

export interface Config {
  region: string;
  clustersTable: string;
  idempotencyTable: string;
  createClusterStateMachineArn: string;
  deliverWebhookStateMachineArn: string;
  deleteClusterStateMachineArn: string;
  stackRoleArn: string;
  /** Passed to every stack as its PermissionsBoundaryArn parameter (the boundary of the node roles). */
  stackPermissionsBoundaryArn: string;
  templatePath: string;
  allowedRegions: string[];
  stackPoll: { initialSeconds: number; maxSeconds: number; growth: number; maxAttempts: number };
  idempotencyTtlSeconds: number;
  webhook: { allowLoopbackHttp: boolean; timeoutMs: number; retryTimeScale: number };
  apiKeysTable: string;
  /** IAM roles whose callers are operators: they may read and delete any owner's cluster. */
  operatorRoleArns: string[];
  quota: QuotaLimits;
  slack: {
    signingSecret?: string;
    /** Workspaces allowed to use the slash command. */
    teamIds: string[];
    /** The function that runs slash commands after the 3-second acknowledgement. */
    workerFunction?: string;
    /** Local mode only: response_url may be http:// on loopback. */
    allowLoopbackHttp: boolean;
  };
  /** How many DeleteStack attempts one delete request makes before the cluster is DELETE_FAILED. */
  deleteMaxAttempts: number;
  reaper: {
    /** How long before a cluster's deadline the `cluster.expiring` reminder goes out. */
    reminderLeadSeconds: number;
    /** Local mode only (on AWS an EventBridge schedule runs the reaper): seconds between runs; 0 turns it off. */
    intervalSeconds: number;
    /** Clusters one run handles at most; the rest wait for the next run. */
    batchSize: number;
  };
  reconciler: {
    /** How long a CREATING/DELETING record must have been unchanged before the reconciler looks at its workflow. */
    graceSeconds: number;
    /** Local mode only (on AWS an EventBridge schedule runs the reconciler): seconds between runs; 0 turns it off. */
    intervalSeconds: number;
    /** Clusters one run looks at most. */
    batchSize: number;
  };
}

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new ConfigurationError(`invalid environment: ${problems}`);
  }
  const e = parsed.data;
  return {
    region: e.AWS_REGION,
    clustersTable: e.CLUSTERS_TABLE,
    idempotencyTable: e.IDEMPOTENCY_TABLE,
    createClusterStateMachineArn: e.CREATE_CLUSTER_STATE_MACHINE_ARN,
    deliverWebhookStateMachineArn: e.DELIVER_WEBHOOK_STATE_MACHINE_ARN,
    deleteClusterStateMachineArn: e.DELETE_CLUSTER_STATE_MACHINE_ARN,
    stackRoleArn: e.STACK_ROLE_ARN,
    stackPermissionsBoundaryArn: e.STACK_PERMISSIONS_BOUNDARY_ARN,
    templatePath: e.TEMPLATE_PATH,
    allowedRegions: e.ALLOWED_REGIONS ?? [e.AWS_REGION],
    stackPoll: {
      initialSeconds: e.STACK_POLL_INITIAL_SECONDS,
      maxSeconds: e.STACK_POLL_MAX_SECONDS,
      growth: 1.5,
      maxAttempts: e.STACK_POLL_MAX_ATTEMPTS,
    },
    idempotencyTtlSeconds: e.IDEMPOTENCY_TTL_SECONDS,
    webhook: {
      allowLoopbackHttp: e.WEBHOOK_ALLOW_LOOPBACK_HTTP === 'true',
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryTimeScale: e.WEBHOOK_RETRY_TIME_SCALE,
    },
    apiKeysTable: e.API_KEYS_TABLE,
    operatorRoleArns: e.OPERATOR_ROLE_ARNS ?? [],
    quota: { maxActiveClusters: e.QUOTA_MAX_ACTIVE_CLUSTERS, maxInstances: e.QUOTA_MAX_INSTANCES },
    slack: {
      signingSecret: e.SLACK_SIGNING_SECRET || undefined,
      teamIds: e.SLACK_TEAM_IDS ?? [],
      workerFunction: e.SLACK_WORKER_FUNCTION || undefined,
      allowLoopbackHttp: e.SLACK_ALLOW_LOOPBACK_HTTP === 'true',
    },
    deleteMaxAttempts: e.DELETE_MAX_ATTEMPTS,
    reaper: { reminderLeadSeconds: e.REAPER_REMINDER_LEAD_SECONDS, intervalSeconds: e.REAPER_INTERVAL_SECONDS, batchSize: e.REAPER_BATCH_SIZE },
    reconciler: { graceSeconds: e.RECONCILER_GRACE_SECONDS, intervalSeconds: e.RECONCILER_INTERVAL_SECONDS, batchSize: e.RECONCILER_BATCH_SIZE },
  };
}
