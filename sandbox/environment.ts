/**
 * The sandbox's settings, in two kinds.
 *
 * - The SDK's own variables (region, credentials, AWS_ENDPOINT_URL_<SERVICE>) go into process.env, because that is
 *   where every SDK v3 client looks for them; on Lambda the runtime sets the same ones. They are set only when the
 *   user has not, and taken back on close.
 * - The service's settings (table names, workflow ARNs, quotas, poll pace …) are never written anywhere: the local
 *   defaults below are handed to `loadConfig` together with the environment, which overrides any of them.
 */
import { resolve } from 'node:path';
import { loadConfig, type Config } from '../src/config';
import { workflowRows, type WorkflowRow } from '../src/handlers/workflow/registry';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const PREFIX = 'swarm-provisioner-local';
const ROOT = resolve(__dirname, '..');

/** A workflow's state machine here: the same name as on AWS, under the local prefix. */
export const localStateMachineName = (workflow: Pick<WorkflowRow, 'name'>) => `${PREFIX}-${workflow.name}`;
export const localStateMachineArn = (workflow: Pick<WorkflowRow, 'name'>) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${localStateMachineName(workflow)}`;
/** A Lambda function here, by its serverless.yml name. */
export const localFunctionName = (name: string) => `${PREFIX}-${name}`;
export const localFunctionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${localFunctionName(name)}`;
/** serverless.yml's `custom.chatCommandSource` (`${self:service}.${sls:stage}.chatops`) for the local stage. */
export const SLACK_COMMAND_SOURCE = 'swarm-provisioner.local.chatops';
/** serverless.yml's `custom.diagnosticsSource` (`${self:service}.${sls:stage}.diagnostics`) for the local stage. */
export const DIAGNOSTICS_EVENT_SOURCE = 'swarm-provisioner.local.diagnostics';

/** The SDK's variables this process set, so close() can take them back. */
export class SdkEnvironment {
  private readonly set: string[] = [];

  /** Sets a variable unless the user already did. */
  default(name: `AWS_${string}`, value: string): void {
    if (process.env[name] !== undefined) return;
    process.env[name] = value;
    this.set.push(name);
  }

  /** Whether the user pointed this service elsewhere (LocalStack, moto, real AWS): then its stand-in stays off. */
  static has(name: `AWS_ENDPOINT_URL_${string}`): boolean {
    return process.env[name] !== undefined;
  }

  restore(): void {
    for (const name of this.set.splice(0)) delete process.env[name];
  }
}

/** The service's settings in the sandbox, as environment variables a deployment would set. */
/** The Slack app as a test or a demo configures it; the bot token and Slack's API base go together (a local receiver). */
export interface LocalSlackApp {
  signingSecret: string;
  teamIds: string[];
  bot?: { token: string; apiUrl: string };
}

export function localServiceDefaults(slack?: LocalSlackApp): Record<string, string> {
  return {
    CLUSTERS_TABLE: `${PREFIX}-clusters`,
    IDEMPOTENCY_TABLE: `${PREFIX}-idempotency`,
    API_KEYS_TABLE: `${PREFIX}-api-keys`,
    ...Object.fromEntries(workflowRows.map((workflow) => [workflow.arnVariable, localStateMachineArn(workflow)])),
    STACK_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/${PREFIX}-stacks`,
    STACK_PERMISSIONS_BOUNDARY_ARN: `arn:aws:iam::${ACCOUNT}:policy/${PREFIX}-swarm-node-boundary`,
    TEMPLATE_PATH: resolve(ROOT, 'templates/swarm.yaml'),
    // The sandbox runs on one machine: webhook receivers on loopback over http are allowed here, and only here.
    WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true',
    // The retry schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h × 3) in about two and a half minutes: the same workflow
    // and the same waits, a thousand times shorter.
    WEBHOOK_RETRY_TIME_SCALE: '0.001',
    DELETE_RETRY_PAUSE_SECONDS: '1',
    // The waits' HeartbeatSeconds is 5 here (LOCAL_WAITS in workflows.ts), not 1800: heartbeat a fifth as often too.
    STACK_WAIT_HEARTBEAT_EVERY_SECONDS: '1',
    // Roomier than the service's defaults (10 clusters, 100 instances): the sandbox keeps every demo and test cluster
    // of a session, and has no one else to share with. Set the variables to try the limits.
    QUOTA_MAX_ACTIVE_CLUSTERS: '50',
    QUOTA_MAX_INSTANCES: '500',
    // Slack follow-ups may go to a receiver on loopback here, and only here.
    SLACK_ALLOW_LOOPBACK_HTTP: 'true',
    SLACK_COMMAND_SOURCE,
    DIAGNOSTICS_EVENT_SOURCE,
    // Everything here answers in milliseconds: a record quiet for a few seconds has no request about to start its
    // workflow. (On AWS the default is five minutes.)
    RECONCILER_GRACE_SECONDS: '5',
    ...(slack ? { SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_TEAM_IDS: slack.teamIds.join(',') } : {}),
    // Only the URL differs from AWS: chat.postMessage goes to a receiver on loopback instead of slack.com.
    ...(slack?.bot ? { SLACK_BOT_TOKEN: slack.bot.token, SLACK_API_URL: slack.bot.apiUrl } : {}),
  };
}

/** The configuration the sandbox runs with: its defaults, overridden by whatever the environment sets. */
export function localConfig(slack?: LocalSlackApp, env: NodeJS.ProcessEnv = process.env): Config {
  return loadConfig({ ...localServiceDefaults(slack), ...env });
}
