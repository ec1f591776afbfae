/**
 * The whole service on one machine: the same handlers behind a local HTTP API, the real ASL run by an in-process
 * Step Functions endpoint, DynamoDB embedded (dynalite), CloudFormation + EC2 simulated. Every AWS call still goes
 * through the SDK to the endpoint in AWS_ENDPOINT_URL_<SERVICE>; a variable that is already set (say, pointing at
 * LocalStack or moto) is respected and that stand-in is not started.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';
import { apiKeysTableDefinition, clustersTableDefinition, idempotencyTableDefinition } from '../adapters/dynamodb/table-design';
import { apiKeyStore, buildDependencies, chatResponder, type Dependencies } from '../composition';
import { loadConfig } from '../config';
import { apiKeyAuthorizerHandler } from '../handlers/auth/api-key-authorizer';
import { chatCommandDeps, slackWorkerHandler } from '../handlers/chatops/slack-worker';
import { executionEndedHandler, type ExecutionStatusChange } from '../handlers/events/execution-ended';
import type { ApiKeyAuthorizerContext } from '../handlers/http/principal';
import { httpRoutes } from '../handlers/http/routes';
import { registerLocalApiKey } from '../use-cases/api-keys';
import { systemClock } from '../use-cases/ports';
import type { ChatCommandJob } from '../use-cases/run-chat-command';
import { CREATE_CLUSTER_TASKS, createClusterSteps } from '../handlers/workflow/create-cluster-steps';
import { DELIVER_WEBHOOK_TASKS, deliverWebhookSteps } from '../handlers/workflow/deliver-webhook-steps';
import { startSimulatedCloud, type SimulatedCloud } from './cloud';
import { ensureTables, startEmbeddedDynamoDB, type EmbeddedDynamoDB } from './dynamodb';
import { lambdaContext, startLocalHttpApi, type LocalHttpApi } from './http-api';
import { startLocalLambda } from './lambda';
import { startLocalStepFunctions, type LocalStepFunctions, type TaskHandler } from './stepfunctions';

const ROOT = resolve(__dirname, '../..');
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const PREFIX = 'swarm-provisioner-local';
export const CREATE_STATE_MACHINE = `${PREFIX}-create-cluster`;
export const DELIVER_WEBHOOK_STATE_MACHINE = `${PREFIX}-deliver-webhook`;
export const SLACK_WORKER_FUNCTION = `${PREFIX}-slackWorker`;

export interface LocalCloudOptions {
  /** HTTP API port; 0 picks a free one. */
  port?: number;
  /** Folder for DynamoDB's data; in memory when absent. */
  dataDir?: string;
  /** Simulated cloud pace: 1 = default (a default cluster in ~5 s), 0.1 = ten times faster. */
  timeScale?: number;
  /** The local principal: requests without credentials act as it in the open sandbox; LOCAL_API_KEY is registered for it. */
  principal?: string;
  /**
   * LOCAL_API_KEY. Set: every route but Slack's requires `Authorization: Bearer <this key>` (or another valid key).
   * Unset: the open sandbox, where a request without credentials acts as the local principal.
   */
  apiKey?: string;
  /** The Slack app's signing secret and allowed workspaces (SLACK_SIGNING_SECRET / SLACK_TEAM_IDS otherwise). */
  slack?: { signingSecret: string; teamIds: string[] };
  /** Shortens Wait states (ms per state name) and retry pauses, for tests. */
  waitTimeOverrides?: Record<string, number>;
  retryIntervalOverrides?: Record<string, number | number[]>;
  /** One human-readable line per lifecycle step. */
  log?: (line: string) => void;
}

export interface LocalCloud {
  url: string;
  /** `open`: requests without credentials act as the local principal; `api-key`: every route but Slack's needs a key. */
  access: 'open' | 'api-key';
  principal: string;
  /** The embedded DynamoDB's endpoint, when this process runs it (the key script can be pointed at it). */
  dynamodbEndpoint?: string;
  deps: Dependencies;
  stepFunctions: LocalStepFunctions;
  simulatedCloud?: SimulatedCloud;
  close(): Promise<void>;
}

/** Sets a variable unless the user already did; returns whether we set it. */
function setDefault(name: string, value: string, changed: string[]): boolean {
  if (process.env[name] !== undefined) return false;
  process.env[name] = value;
  changed.push(name);
  return true;
}

/** `workflow  c-01…  CheckStack` for state changes, the message and its details otherwise. */
function workflowLine(message: string, details: Record<string, unknown>): string {
  const execution = String(details.execution ?? '');
  if (message === 'state entered') return `workflow        ${execution}  ${String(details.state)}`;
  const rest = Object.entries(details)
    .filter(([key, value]) => value !== undefined && !['stateMachine', 'execution', 'cause'].includes(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `workflow        ${execution}  ${message}${rest ? `  ${rest}` : ''}`;
}

const ENDED = new Map<string, ExecutionStatusChange['status']>([
  ['execution failed', 'FAILED'],
  ['execution timed out', 'TIMED_OUT'],
  ['execution aborted', 'ABORTED'],
]);

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const log = options.log ?? (() => undefined);
  const changed: string[] = [];
  const stoppers: (() => Promise<void>)[] = [];

  // Credentials are only a signature here; a user who points an endpoint at a real service brings real ones.
  setDefault('AWS_REGION', REGION, changed);
  setDefault('AWS_ACCESS_KEY_ID', 'local', changed);
  setDefault('AWS_SECRET_ACCESS_KEY', 'local', changed);

  let dynamodb: EmbeddedDynamoDB | undefined;
  if (process.env.AWS_ENDPOINT_URL_DYNAMODB === undefined) {
    dynamodb = await startEmbeddedDynamoDB({ path: options.dataDir });
    stoppers.push(() => dynamodb!.close());
    setDefault('AWS_ENDPOINT_URL_DYNAMODB', dynamodb.endpoint, changed);
    log(`dynamodb        embedded (dynalite) at ${dynamodb.endpoint}${options.dataDir ? `, data in ${options.dataDir}` : ', in memory'}`);
  }

  let simulatedCloud: SimulatedCloud | undefined;
  if (process.env.AWS_ENDPOINT_URL_CLOUDFORMATION === undefined) {
    simulatedCloud = await startSimulatedCloud({
      region: REGION,
      timeScale: options.timeScale,
      onEvent: (message) => log(message),
    });
    stoppers.push(() => simulatedCloud!.close());
    setDefault('AWS_ENDPOINT_URL_CLOUDFORMATION', simulatedCloud.endpoint, changed);
    setDefault('AWS_ENDPOINT_URL_EC2', simulatedCloud.endpoint, changed);
    log(`cloudformation  simulated CloudFormation + EC2 at ${simulatedCloud.endpoint}`);
  }

  setDefault('CLUSTERS_TABLE', `${PREFIX}-clusters`, changed);
  setDefault('IDEMPOTENCY_TABLE', `${PREFIX}-idempotency`, changed);
  setDefault('CREATE_CLUSTER_STATE_MACHINE_ARN', `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${CREATE_STATE_MACHINE}`, changed);
  setDefault('DELIVER_WEBHOOK_STATE_MACHINE_ARN', `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${DELIVER_WEBHOOK_STATE_MACHINE}`, changed);
  setDefault('STACK_ROLE_ARN', `arn:aws:iam::${ACCOUNT}:role/${PREFIX}-stacks`, changed);
  setDefault('TEMPLATE_PATH', resolve(ROOT, 'templates/swarm.yaml'), changed);
  // The sandbox runs on one machine: webhook receivers on loopback over http are allowed here, and only here.
  setDefault('WEBHOOK_ALLOW_LOOPBACK_HTTP', 'true', changed);
  // The retry schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h × 3) in about two and a half minutes: the same workflow
  // and the same waits, a thousand times shorter.
  setDefault('WEBHOOK_RETRY_TIME_SCALE', '0.001', changed);
  setDefault('STACK_POLL_INITIAL_SECONDS', '1', changed);
  setDefault('STACK_POLL_MAX_SECONDS', '3', changed);
  setDefault('API_KEYS_TABLE', `${PREFIX}-api-keys`, changed);
  // Roomier than the service's defaults (10 clusters, 100 instances): the sandbox keeps every demo and test cluster
  // of a session, and has no one else to share with. Set the variables to try the limits.
  setDefault('QUOTA_MAX_ACTIVE_CLUSTERS', '50', changed);
  setDefault('QUOTA_MAX_INSTANCES', '500', changed);
  // Slack follow-ups may go to a receiver on loopback here, and only here.
  setDefault('SLACK_ALLOW_LOOPBACK_HTTP', 'true', changed);
  setDefault('SLACK_WORKER_FUNCTION', SLACK_WORKER_FUNCTION, changed);
  if (options.slack) {
    setDefault('SLACK_SIGNING_SECRET', options.slack.signingSecret, changed);
    setDefault('SLACK_TEAM_IDS', options.slack.teamIds.join(','), changed);
  }

  const tablesClient = new DynamoDBClient({ region: process.env.AWS_REGION });
  await ensureTables(tablesClient, [
    clustersTableDefinition(process.env.CLUSTERS_TABLE!),
    idempotencyTableDefinition(process.env.IDEMPOTENCY_TABLE!),
    apiKeysTableDefinition(process.env.API_KEYS_TABLE!),
  ]);
  tablesClient.destroy();

  // The slash command's worker, behind a local Lambda Invoke endpoint: the Slack route hands commands over with the
  // same asynchronous invoke it makes on AWS.
  let slackWorker: ((job: ChatCommandJob) => Promise<void>) | undefined;
  if (process.env.AWS_ENDPOINT_URL_LAMBDA === undefined) {
    const lambda = await startLocalLambda({
      functions: { [SLACK_WORKER_FUNCTION]: (payload) => slackWorker!(payload as ChatCommandJob) },
      onEvent: (line) => log(line),
    });
    stoppers.push(async () => {
      await lambda.idle();
      await lambda.close();
    });
    setDefault('AWS_ENDPOINT_URL_LAMBDA', lambda.endpoint, changed);
    log(`lambda          local Invoke endpoint (the Slack command worker) at ${lambda.endpoint}`);
  }

  // The Step Functions endpoint needs the task handlers, the handlers need the SFN client: the handlers resolve
  // their dependencies on first call, after both exist.
  let deps: Dependencies | undefined;
  const steps = () => createClusterSteps(deps!);
  let stepsCache: ReturnType<typeof createClusterSteps> | undefined;
  let deliverySteps: ReturnType<typeof deliverWebhookSteps> | undefined;
  const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${PREFIX}-${name}`;
  const substitutionsOf = (tasks: Record<string, string>) => Object.fromEntries(Object.entries(tasks).map(([token, name]) => [token, functionArn(name)]));
  const substitutions = substitutionsOf(CREATE_CLUSTER_TASKS);
  const taskHandlers = Object.fromEntries(
    Object.values(CREATE_CLUSTER_TASKS).map((name): [string, TaskHandler] => [
      functionArn(name),
      (input) => (stepsCache ??= steps())[name](input as never, lambdaContext(`${PREFIX}-${name}`, 60_000)),
    ]),
  );
  const deliveryTaskHandlers = Object.fromEntries(
    Object.values(DELIVER_WEBHOOK_TASKS).map((name): [string, TaskHandler] => [
      functionArn(name),
      (input) => (deliverySteps ??= deliverWebhookSteps(deps!))[name](input as never, lambdaContext(`${PREFIX}-${name}`, 60_000)),
    ]),
  );

  const executionEnded = (status: ExecutionStatusChange['status'], details: Record<string, unknown>) => {
    const name = String(details.execution);
    const event = {
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: {
        executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${CREATE_STATE_MACHINE}:${name}`,
        stateMachineArn: process.env.CREATE_CLUSTER_STATE_MACHINE_ARN!,
        name,
        status,
        input: JSON.stringify({ clusterId: name }),
        error: typeof details.error === 'string' ? details.error : null,
      },
    } as EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>;
    executionEndedHandler(deps!)(event).catch((error: unknown) => log(`workflow        execution-ended handler failed: ${String(error)}`));
  };

  const stepFunctions = await startLocalStepFunctions({
    region: REGION,
    accountId: ACCOUNT,
    stateMachines: [
      {
        name: CREATE_STATE_MACHINE,
        definition: readFileSync(resolve(ROOT, 'statemachines/create-cluster.asl.json'), 'utf8'),
        substitutions,
        taskHandlers,
        waitTimeOverrides: options.waitTimeOverrides,
        retryIntervalOverrides: options.retryIntervalOverrides,
      },
      {
        name: DELIVER_WEBHOOK_STATE_MACHINE,
        definition: readFileSync(resolve(ROOT, 'statemachines/deliver-webhook.asl.json'), 'utf8'),
        substitutions: substitutionsOf(DELIVER_WEBHOOK_TASKS),
        taskHandlers: deliveryTaskHandlers,
      },
    ],
    onEvent: (message, details) => {
      log(workflowLine(message, details));
      const ended = ENDED.get(message);
      if (ended && details.stateMachine === CREATE_STATE_MACHINE) executionEnded(ended, details);
    },
  });
  stoppers.push(() => stepFunctions.close());
  setDefault('AWS_ENDPOINT_URL_SFN', stepFunctions.endpoint, changed);
  log(`stepfunctions   in-process (aws-local-stepfunctions) at ${stepFunctions.endpoint}`);

  const config = loadConfig();
  deps = buildDependencies(config);
  slackWorker = slackWorkerHandler(chatCommandDeps(deps, chatResponder(config)));

  // The same authorizer code as on AWS. With LOCAL_API_KEY, it is the only way in; without, a request that carries
  // no credentials is the local principal (the open sandbox), and one that carries a key still has it checked.
  const principal = options.principal ?? 'local-user';
  const keyDeps = { keys: apiKeyStore(config), clock: systemClock };
  const authorizer = apiKeyAuthorizerHandler(keyDeps);
  if (options.apiKey !== undefined) await registerLocalApiKey(keyDeps, { key: options.apiKey, principal });
  const authorize = async (headers: Record<string, string>): Promise<ApiKeyAuthorizerContext> => {
    if (options.apiKey === undefined && !headers.authorization) return { principal, role: 'user' };
    return (await authorizer({ headers })).context;
  };
  const api: LocalHttpApi = await startLocalHttpApi({
    port: options.port ?? 0,
    routes: httpRoutes.map((route) => {
      const handler = route.build(deps!);
      return {
        route,
        handler: async (event, context) => {
          const result = await handler(event, context);
          log(`api             ${event.requestContext.http.method} ${event.rawPath} → ${result.statusCode ?? 200}`);
          return result;
        },
      };
    }),
    authorize,
  });
  stoppers.push(() => api.close());

  return {
    url: api.url,
    access: options.apiKey === undefined ? 'open' : 'api-key',
    principal,
    dynamodbEndpoint: dynamodb?.endpoint,
    deps,
    stepFunctions,
    simulatedCloud,
    async close() {
      for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
      for (const name of changed) delete process.env[name];
    },
  };
}
