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
import { apiKeyStore, buildDependencies, chatResponder, workflowExecutions, type Dependencies } from '../composition';
import { loadConfig } from '../config';
import { apiKeyAuthorizerHandler } from '../handlers/auth/api-key-authorizer';
import { chatCommandDeps, slackWorkerHandler } from '../handlers/chatops/slack-worker';
import { executionEndedHandler, type ExecutionStatusChange } from '../handlers/events/execution-ended';
import type { ApiKeyAuthorizerContext } from '../handlers/http/principal';
import { httpRoutes } from '../handlers/http/routes';
import { reapClustersHandler } from '../handlers/scheduled/reap-clusters';
import { reconcileClustersHandler } from '../handlers/scheduled/reconcile-clusters';
import { WORKFLOWS, workflowRows, type WorkflowRow } from '../handlers/workflow/registry';
import { registerLocalApiKey } from '../use-cases/api-keys';
import { systemClock } from '../use-cases/ports';
import type { ChatCommandJob } from '../use-cases/run-chat-command';
import { startSimulatedCloud, type SimulatedCloud } from './cloud';
import { localDataLayout, lockDataDir, type LocalDataLayout } from './data-dir';
import { ensureTables, startEmbeddedDynamoDB, type EmbeddedDynamoDB } from './dynamodb';
import { lambdaContext, startLocalHttpApi, type LocalHttpApi } from './http-api';
import { startLocalLambda } from './lambda';
import { startLocalSchedule } from './schedule';
import { startLocalStepFunctions, type LocalStepFunctions, type TaskHandler } from './stepfunctions';

const ROOT = resolve(__dirname, '../..');
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const PREFIX = 'swarm-provisioner-local';
/** A workflow's state machine here: the same name as on AWS, under the local prefix. */
export const localStateMachineName = (workflow: Pick<WorkflowRow, 'name'>) => `${PREFIX}-${workflow.name}`;
export const SLACK_WORKER_FUNCTION = `${PREFIX}-slackWorker`;

export interface LocalCloudOptions {
  /** HTTP API port; 0 picks a free one. */
  port?: number;
  /**
   * The sandbox's data folder (LOCAL_DATA_DIR): DynamoDB's tables in dynamodb/, the simulated cloud's stacks and
   * instances in cloud/ (see data-dir.ts), so a restart resumes the same world. Locked while in use: a second
   * process on it fails with DataDirInUseError. In memory when absent.
   */
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
  /**
   * Seconds between reaper runs (the local stand-in for the EventBridge schedule); 0 turns the timer off. Default:
   * REAPER_INTERVAL_SECONDS, else 60.
   */
  reaperIntervalSeconds?: number;
  /**
   * Seconds between reconciler runs (the local stand-in for its EventBridge schedule; it also runs once at start);
   * 0 turns the timer off. Default: RECONCILER_INTERVAL_SECONDS, else 60.
   */
  reconcilerIntervalSeconds?: number;
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
  /** One reaper run now (the same handler the timer calls); resolves with what it did. */
  reap(): ReturnType<ReturnType<typeof reapClustersHandler>>;
  /** One reconciler run now (the same handler the timer calls); resolves with what it did. */
  reconcile(): ReturnType<ReturnType<typeof reconcileClustersHandler>>;
  /** Where the data lives, when there is a data folder. */
  data?: LocalDataLayout;
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

async function stopAll(stoppers: (() => Promise<void>)[], changed: string[]): Promise<void> {
  for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
  for (const name of changed) delete process.env[name];
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const changed: string[] = [];
  const stoppers: (() => Promise<void>)[] = [];
  try {
    return await assemble(options, changed, stoppers);
  } catch (error) {
    // Whatever had started (dynalite, the simulated cloud, servers) would otherwise keep the process alive.
    await stopAll(stoppers, changed);
    throw error;
  }
}

async function assemble(options: LocalCloudOptions, changed: string[], stoppers: (() => Promise<void>)[]): Promise<LocalCloud> {
  const log = options.log ?? (() => undefined);

  // Credentials are only a signature here; a user who points an endpoint at a real service brings real ones.
  setDefault('AWS_REGION', REGION, changed);
  setDefault('AWS_ACCESS_KEY_ID', 'local', changed);
  setDefault('AWS_SECRET_ACCESS_KEY', 'local', changed);

  // First of all: a second process on the same folder stops here, before it touches anything in it.
  const data = options.dataDir ? localDataLayout(options.dataDir) : undefined;
  if (data) stoppers.push(await lockDataDir(data));

  let dynamodb: EmbeddedDynamoDB | undefined;
  if (process.env.AWS_ENDPOINT_URL_DYNAMODB === undefined) {
    dynamodb = await startEmbeddedDynamoDB({ path: data?.dynamodb });
    stoppers.push(() => dynamodb!.close());
    setDefault('AWS_ENDPOINT_URL_DYNAMODB', dynamodb.endpoint, changed);
    log(`dynamodb        embedded (dynalite) at ${dynamodb.endpoint}${data ? `, data in ${data.dynamodb}` : ', in memory'}`);
  }

  let simulatedCloud: SimulatedCloud | undefined;
  if (process.env.AWS_ENDPOINT_URL_CLOUDFORMATION === undefined) {
    simulatedCloud = await startSimulatedCloud({
      region: REGION,
      timeScale: options.timeScale,
      onEvent: (message) => log(message),
      dataDir: data?.cloud,
    });
    stoppers.push(() => simulatedCloud!.close());
    setDefault('AWS_ENDPOINT_URL_CLOUDFORMATION', simulatedCloud.endpoint, changed);
    setDefault('AWS_ENDPOINT_URL_EC2', simulatedCloud.endpoint, changed);
    log(`cloudformation  simulated CloudFormation + EC2 at ${simulatedCloud.endpoint}${data ? `, data in ${data.cloud}` : ', in memory'}`);
  }

  setDefault('CLUSTERS_TABLE', `${PREFIX}-clusters`, changed);
  setDefault('IDEMPOTENCY_TABLE', `${PREFIX}-idempotency`, changed);
  for (const workflow of workflowRows) {
    setDefault(workflow.arnVariable, `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${localStateMachineName(workflow)}`, changed);
  }
  setDefault('STACK_ROLE_ARN', `arn:aws:iam::${ACCOUNT}:role/${PREFIX}-stacks`, changed);
  setDefault('STACK_PERMISSIONS_BOUNDARY_ARN', `arn:aws:iam::${ACCOUNT}:policy/${PREFIX}-swarm-node-boundary`, changed);
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
  // Everything here answers in milliseconds: a record quiet for a few seconds has no request about to start its
  // workflow. (On AWS the default is five minutes.)
  setDefault('RECONCILER_GRACE_SECONDS', '5', changed);
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
  const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${PREFIX}-${name}`;
  function machine(workflow: WorkflowRow) {
    let steps: ReturnType<WorkflowRow['steps']> | undefined;
    const definition = readFileSync(resolve(ROOT, 'statemachines', workflow.aslFile), 'utf8');
    // One set of overrides serves every machine; each machine takes the names that are its own states. The
    // deliver-webhook waits follow WEBHOOK_RETRY_TIME_SCALE (the retry schedule, scaled), not the test overrides.
    const overrides = workflow !== WORKFLOWS.deliverWebhook;
    const states = (JSON.parse(definition) as { States: Record<string, unknown> }).States;
    const own = <T>(given: Record<string, T> | undefined) => (overrides && given ? Object.fromEntries(Object.entries(given).filter(([state]) => Object.hasOwn(states, state))) : undefined);
    return {
      name: localStateMachineName(workflow),
      definition,
      substitutions: Object.fromEntries(Object.entries(workflow.tasks).map(([token, step]) => [token, functionArn(step)])),
      taskHandlers: Object.fromEntries(
        Object.values(workflow.tasks).map((step): [string, TaskHandler] => [
          functionArn(step),
          (input) => (steps ??= workflow.steps(deps!))[step]!(input as never, lambdaContext(`${PREFIX}-${step}`, 60_000)),
        ]),
      ),
      waitTimeOverrides: own(options.waitTimeOverrides),
      retryIntervalOverrides: own(options.retryIntervalOverrides),
    };
  }

  const executionEnded = (workflow: WorkflowRow, status: ExecutionStatusChange['status'], details: Record<string, unknown>) => {
    const name = String(details.execution);
    const stateMachine = String(details.stateMachine);
    const event = {
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: {
        executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${stateMachine}:${name}`,
        // The configured ARN, so the handler recognises its own workflows.
        stateMachineArn: deps!.config[workflow.configArn],
        name,
        status,
        input: null,
        error: typeof details.error === 'string' ? details.error : null,
      },
    } as EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>;
    executionEndedHandler(deps!)(event).catch((error: unknown) => log(`workflow        execution-ended handler failed: ${String(error)}`));
  };

  const stepFunctions = await startLocalStepFunctions({
    region: REGION,
    accountId: ACCOUNT,
    stateMachines: workflowRows.map(machine),
    onEvent: (message, details) => {
      log(workflowLine(message, details));
      const ended = ENDED.get(message);
      // The local stand-in for the EventBridge rule, which matches the workflows that decide a cluster's status.
      const workflow = workflowRows.find((row) => row.onEnded && localStateMachineName(row) === details.stateMachine);
      if (ended && workflow) executionEnded(workflow, ended, details);
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
  // Once before the API opens: no request is in flight, and this process's Step Functions holds no execution from
  // before it started, so every transitional cluster written before now is one whose workflow was lost (grace 0).
  const reconcilerDeps = { ...deps, executions: workflowExecutions(config) };
  const reconcile = reconcileClustersHandler(reconcilerDeps);
  const reconciledLine = (summary: Awaited<ReturnType<typeof reconcile>>) =>
    summary.resumed + summary.ended + summary.failed > 0
      ? `workflows started again ${summary.resumed}, clusters ended ${summary.ended}${summary.failed ? `, failed ${summary.failed}` : ''}`
      : undefined;
  const atStart = reconciledLine(await reconcileClustersHandler(reconcilerDeps, { graceSeconds: 0 })());
  if (atStart) log(`reconciler      ${atStart}`);

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

  const reap = reapClustersHandler(deps);
  const reaperInterval = options.reaperIntervalSeconds ?? deps.config.reaper.intervalSeconds;
  if (reaperInterval > 0) {
    stoppers.push(
      startLocalSchedule({
        name: 'reaper',
        intervalSeconds: reaperInterval,
        run: reap,
        describe: (summary) => (summary.reminded + summary.deleted > 0 ? `reminded ${summary.reminded}, deleting ${summary.deleted}` : undefined),
        log,
      }),
    );
    log(`reaper          every ${reaperInterval} s (REAPER_INTERVAL_SECONDS)`);
  }

  const reconcilerInterval = options.reconcilerIntervalSeconds ?? deps.config.reconciler.intervalSeconds;
  if (reconcilerInterval > 0) {
    stoppers.push(startLocalSchedule({ name: 'reconciler', intervalSeconds: reconcilerInterval, run: reconcile, describe: reconciledLine, log }));
    log(`reconciler      at start and every ${reconcilerInterval} s (RECONCILER_INTERVAL_SECONDS)`);
  }

  return {
    url: api.url,
    access: options.apiKey === undefined ? 'open' : 'api-key',
    principal,
    dynamodbEndpoint: dynamodb?.endpoint,
    deps,
    stepFunctions,
    simulatedCloud,
    reap,
    reconcile,
    data,
    close: () => stopAll(stoppers, changed),
  };
}
