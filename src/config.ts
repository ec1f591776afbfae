/**
 * The environment, read once and validated. A missing or malformed variable fails the cold start with its name,
 * instead of failing the first request that happens to need it.
 */
import type { QuotaLimits } from './domain/quota';

/*
 * A small reader instead of a schema library: every function reads its environment at cold start, and a schema
 * library here put one (about 100 KB minified, and its init) into every bundle, most of which validate nothing else
 * (docs/performance.md). Each rule says what it accepts; every problem is reported, each with its variable's name.
 */
type Rule<T> = (value: string | undefined) => T;

class Invalid extends Error {}

const text = (value: string | undefined): string => {
  if (value === undefined) throw new Invalid('is required');
  return value;
};
const nonEmpty: Rule<string> = (value) => {
  if (text(value).length === 0) throw new Invalid('must not be empty');
  return value!;
};
const matching = (pattern: RegExp, what: string): Rule<string> => (value) => {
  if (!pattern.test(text(value))) throw new Invalid(`must be ${what}`);
  return value!;
};
const arn = matching(/^arn:/, 'an ARN (arn:...)');
const optional = <T>(rule: Rule<T>): Rule<T | undefined> => (value) => (value === undefined ? undefined : rule(value));
const withDefault = <T>(rule: Rule<T>, fallback: T): Rule<T> => (value) => (value === undefined ? fallback : rule(value));
const csv: Rule<string[]> = (value) => text(value).split(',').map((item) => item.trim()).filter(Boolean);
const flag = (fallback: 'true' | 'false'): Rule<boolean> =>
  withDefault((value) => {
    if (value !== 'true' && value !== 'false') throw new Invalid("must be 'true' or 'false'");
    return value === 'true';
  }, fallback === 'true');
/** A number as `Number()` reads it (so '' is 0), within bounds; `integer` refuses fractions. */
const number = (bounds: { integer?: boolean; min?: number; above?: number; max?: number }, fallback: number): Rule<number> =>
  withDefault((value) => {
    const n = Number(value);
    const whole = bounds.integer ? 'an integer' : 'a number';
    if (!Number.isFinite(n) || (bounds.integer && !Number.isInteger(n))) throw new Invalid(`must be ${whole}`);
    if (bounds.above !== undefined && !(n > bounds.above)) throw new Invalid(`must be ${whole} above ${bounds.above}`);
    if (bounds.min !== undefined && n < bounds.min) throw new Invalid(`must be ${whole} of at least ${bounds.min}`);
    if (bounds.max !== undefined && n > bounds.max) throw new Invalid(`must be ${whole} of at most ${bounds.max}`);
    return n;
  }, fallback);
const positiveInt = (fallback: number) => number({ integer: true, above: 0 }, fallback);
const nonNegativeInt = (fallback: number) => number({ integer: true, min: 0 }, fallback);

const environmentRules = {
  AWS_REGION: nonEmpty,
  CLUSTERS_TABLE: nonEmpty,
  IDEMPOTENCY_TABLE: nonEmpty,
  CREATE_CLUSTER_STATE_MACHINE_ARN: arn,
  DELIVER_WEBHOOK_STATE_MACHINE_ARN: arn,
  DELETE_CLUSTER_STATE_MACHINE_ARN: arn,
  UPDATE_CLUSTER_STATE_MACHINE_ARN: arn,
  STACK_ROLE_ARN: arn,
  // The managed policy every role of a Swarm stack must carry as its boundary; the stack role refuses any other.
  STACK_PERMISSIONS_BOUNDARY_ARN: matching(/^arn:aws[a-z-]*:iam::\d{12}:policy\/.+$/, 'the ARN of a managed IAM policy'),
  TEMPLATE_PATH: withDefault(text, 'templates/swarm.yaml'),
  ALLOWED_REGIONS: optional(csv),
  // The workflows wait for CloudFormation's and EC2's events; a wait that hears nothing for its HeartbeatSeconds (or
  // spends its TimeoutSeconds, both in the ASL) gets one look and waits again: these bound how many times
  // (docs/workflows.md, "Waiting for events"). Waits per stack operation, the first included, before it is given up.
  STACK_WAIT_MAX_ROUNDS: positiveInt(6),
  // A stack's resource events keep its wait alive with SendTaskHeartbeat: the first event of each bucket of this many
  // seconds sends one. While events flow, heartbeats are at most two buckets apart, so the wait's HeartbeatSeconds
  // (1800 in the ASL) runs out only after at least 1800 − 120 s of silence, more than any one resource may take without
  // an event (the worker group's 25-minute ResourceSignal timeout); a 15-minute create sends at most 16, not one per
  // resource.
  STACK_WAIT_HEARTBEAT_EVERY_SECONDS: positiveInt(60),
  // Looks at the instances (the first at DELETE_COMPLETE, then one per timeout) before the delete is DELETE_FAILED.
  INSTANCE_WAIT_MAX_ROUNDS: positiveInt(6),
  // The pause before the second DeleteStack after DELETE_FAILED, doubling per attempt (at most 60 s).
  DELETE_RETRY_PAUSE_SECONDS: positiveInt(10),
  IDEMPOTENCY_TTL_SECONDS: positiveInt(86_400),
  WEBHOOK_ALLOW_LOOPBACK_HTTP: flag('false'),
  // The bound: connect + response of one attempt within 15 s.
  WEBHOOK_TIMEOUT_MS: number({ integer: true, above: 0, max: 15_000 }, 10_000),
  // Multiplies the retry schedule's waits: 1 on AWS; the local sandbox runs the 37-hour schedule in minutes.
  WEBHOOK_RETRY_TIME_SCALE: number({ above: 0, max: 1 }, 1),
  API_KEYS_TABLE: nonEmpty,
  OPERATOR_ROLE_ARNS: optional(csv),
  QUOTA_MAX_ACTIVE_CLUSTERS: positiveInt(10),
  QUOTA_MAX_INSTANCES: positiveInt(100),
  // Empty means "not configured": the Slack route then refuses every request.
  SLACK_SIGNING_SECRET: optional(text),
  SLACK_TEAM_IDS: optional(csv),
  // The `source` of the events that hand a command to the worker. A custom source may not start with `aws.`
  // (PutEventsRequestEntry, EventBridge API Reference); serverless.yml sets `<service>.<stage>.chatops`.
  SLACK_COMMAND_SOURCE: optional(matching(/^(?!aws\.)\S{0,256}$/, 'an event source of at most 256 characters, not starting with "aws."')),
  SLACK_ALLOW_LOOPBACK_HTTP: flag('false'),
  // The `source` of the events that hand a POST's diagnostics collection to the collector function (the same rule as
  // SLACK_COMMAND_SOURCE's); serverless.yml sets `<service>.<stage>.diagnostics`.
  DIAGNOSTICS_EVENT_SOURCE: optional(matching(/^(?!aws\.)\S{0,256}$/, 'an event source of at most 256 characters, not starting with "aws."')),
  // The Slack app's bot token (xoxb-…, scope chat:write): health events go to the channel a cluster was made from.
  // Empty means "not configured": those posts are skipped. A secret: a CloudFormation dynamic reference on AWS.
  SLACK_BOT_TOKEN: optional(text),
  // Where Slack's Web API is; the local cloud and the tests point it at a receiver on loopback.
  SLACK_API_URL: withDefault(matching(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'an http(s) URL'), 'https://slack.com/api'),
  DELETE_MAX_ATTEMPTS: positiveInt(3),
  REAPER_REMINDER_LEAD_SECONDS: nonNegativeInt(3600),
  REAPER_INTERVAL_SECONDS: nonNegativeInt(60),
  REAPER_BATCH_SIZE: positiveInt(200),
  // Longer than a request that writes a status and then starts its workflow (API 29 s, reaper 120 s) can take.
  RECONCILER_GRACE_SECONDS: nonNegativeInt(300),
  RECONCILER_INTERVAL_SECONDS: nonNegativeInt(60),
  RECONCILER_BATCH_SIZE: positiveInt(200),
  HEALTH_INTERVAL_SECONDS: nonNegativeInt(60),
  // 2 AWS calls a cluster, in sequence per cluster: 10,000 fit one 15-minute run at ~90 ms a cluster.
  HEALTH_BATCH_SIZE: positiveInt(10000),
};

type Environment = { [K in keyof typeof environmentRules]: ReturnType<(typeof environmentRules)[K]> };

export interface Config {
  region: string;
  clustersTable: string;
  idempotencyTable: string;
  createClusterStateMachineArn: string;
  deliverWebhookStateMachineArn: string;
  deleteClusterStateMachineArn: string;
  /** The update workflow (scale, resize, upgrade, hibernate, wake). */
  updateClusterStateMachineArn: string;
  stackRoleArn: string;
  /** Passed to every stack as its PermissionsBoundaryArn parameter (the boundary of the node roles). */
  stackPermissionsBoundaryArn: string;
  templatePath: string;
  allowedRegions: string[];
  /** The safety net of the event-driven waits (domain/stack-wait.ts): rounds before a wait is given up. */
  /** `heartbeatEverySeconds`: the least time between two heartbeats of a cluster's stack wait. */
  stackWait: { maxRounds: number; heartbeatEverySeconds: number };
  instanceWait: { maxRounds: number };
  /** The pause before the second DeleteStack of a request; doubled per attempt, at most 60 s. */
  deleteRetryPauseSeconds: number;
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
    /**
     * The `source` of the EventBridge events that hand a command to the worker (which runs it after the 3-second
     * acknowledgement). Undefined: no worker, and commands that need one are answered with an apology.
     */
    commandSource?: string;
    /** Local mode only: response_url may be http:// on loopback. */
    allowLoopbackHttp: boolean;
    /** The bot token for chat.postMessage (a secret: never logged, never returned). Undefined: no channel posts. */
    botToken?: string;
    /** Slack's Web API base URL, without the trailing slash (https://slack.com/api on AWS). */
    apiUrl: string;
  };
  diagnostics: {
    /**
     * The `source` of the EventBridge events that hand a POST's collection to the collector function. Undefined:
     * the POST route cannot be built (it says which variable is missing).
     */
    requestSource?: string;
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
  health: {
    /** Local mode only (on AWS an EventBridge schedule runs the health sweep): seconds between runs; 0 turns it off. */
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
  const problems: string[] = [];
  const e = {} as Record<string, unknown>;
  for (const [name, rule] of Object.entries(environmentRules) as [string, Rule<unknown>][]) {
    try {
      e[name] = rule(env[name]);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      problems.push(`${name}: ${error.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigurationError(`invalid environment: ${problems.join('; ')}`);
  return toConfig(e as Environment);
}

function toConfig(e: Environment): Config {
  return {
    region: e.AWS_REGION,
    clustersTable: e.CLUSTERS_TABLE,
    idempotencyTable: e.IDEMPOTENCY_TABLE,
    createClusterStateMachineArn: e.CREATE_CLUSTER_STATE_MACHINE_ARN,
    deliverWebhookStateMachineArn: e.DELIVER_WEBHOOK_STATE_MACHINE_ARN,
    deleteClusterStateMachineArn: e.DELETE_CLUSTER_STATE_MACHINE_ARN,
    updateClusterStateMachineArn: e.UPDATE_CLUSTER_STATE_MACHINE_ARN,
    stackRoleArn: e.STACK_ROLE_ARN,
    stackPermissionsBoundaryArn: e.STACK_PERMISSIONS_BOUNDARY_ARN,
    templatePath: e.TEMPLATE_PATH,
    allowedRegions: e.ALLOWED_REGIONS ?? [e.AWS_REGION],
    stackWait: { maxRounds: e.STACK_WAIT_MAX_ROUNDS, heartbeatEverySeconds: e.STACK_WAIT_HEARTBEAT_EVERY_SECONDS },
    instanceWait: { maxRounds: e.INSTANCE_WAIT_MAX_ROUNDS },
    deleteRetryPauseSeconds: e.DELETE_RETRY_PAUSE_SECONDS,
    idempotencyTtlSeconds: e.IDEMPOTENCY_TTL_SECONDS,
    webhook: {
      allowLoopbackHttp: e.WEBHOOK_ALLOW_LOOPBACK_HTTP,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryTimeScale: e.WEBHOOK_RETRY_TIME_SCALE,
    },
    apiKeysTable: e.API_KEYS_TABLE,
    operatorRoleArns: e.OPERATOR_ROLE_ARNS ?? [],
    quota: { maxActiveClusters: e.QUOTA_MAX_ACTIVE_CLUSTERS, maxInstances: e.QUOTA_MAX_INSTANCES },
    slack: {
      signingSecret: e.SLACK_SIGNING_SECRET || undefined,
      teamIds: e.SLACK_TEAM_IDS ?? [],
      commandSource: e.SLACK_COMMAND_SOURCE || undefined,
      allowLoopbackHttp: e.SLACK_ALLOW_LOOPBACK_HTTP,
      botToken: e.SLACK_BOT_TOKEN || undefined,
      apiUrl: e.SLACK_API_URL.replace(/\/+$/, ''),
    },
    diagnostics: { requestSource: e.DIAGNOSTICS_EVENT_SOURCE || undefined },
    deleteMaxAttempts: e.DELETE_MAX_ATTEMPTS,
    reaper: { reminderLeadSeconds: e.REAPER_REMINDER_LEAD_SECONDS, intervalSeconds: e.REAPER_INTERVAL_SECONDS, batchSize: e.REAPER_BATCH_SIZE },
    reconciler: { graceSeconds: e.RECONCILER_GRACE_SECONDS, intervalSeconds: e.RECONCILER_INTERVAL_SECONDS, batchSize: e.RECONCILER_BATCH_SIZE },
    health: { intervalSeconds: e.HEALTH_INTERVAL_SECONDS, batchSize: e.HEALTH_BATCH_SIZE },
  };
}
