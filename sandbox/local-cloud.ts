/**
 * The whole service on one machine: the same handlers behind a local HTTP API, the real ASL run by an in-process
 * Step Functions endpoint, DynamoDB embedded (dynalite), CloudFormation + EC2 simulated. Every AWS call still goes
 * through the SDK to the endpoint in AWS_ENDPOINT_URL_<SERVICE>; a variable that is already set (say, pointing at
 * LocalStack or moto) is respected and that stand-in is not started.
 *
 * `assemble` below is the table of contents: each step is one part of the sandbox, in its own module.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { apiKeysTableDefinition, clustersTableDefinition, idempotencyTableDefinition } from '../src/adapters/dynamodb/table-design';
import { buildDependencies } from '../src/composition';
import type { Dependencies } from '../src/composition/dependencies';
import { workflowExecutions } from '../src/composition/stepfunctions';
import type { Config } from '../src/config';
import { httpRoutes } from '../src/handlers/http/routes';
import { reapClustersHandler } from '../src/handlers/scheduled/reap-clusters';
import { reconcileClustersHandler } from '../src/handlers/scheduled/reconcile-clusters';
import { healthSweepHandler } from '../src/handlers/scheduled/sweep-health';
import { localAuthorizer } from './access';
import { startSimulatedCloud, type ScriptedPace, type SimulatedCloud } from './cloud';
import { localDataLayout, lockDataDir, type LocalDataLayout } from './data-dir';
import { ensureTables, startEmbeddedDynamoDB, type EmbeddedDynamoDB } from './dynamodb';
import { ACCOUNT, localConfig, REGION, SdkEnvironment, type LocalSlackApp } from './environment';
import { localWebConsole } from './console-page';
import { startLocalHttpApi } from './http-api';
import { startLocalEventBridgeApi, type LocalEventBus } from './eventbridge';
import { startLocalEvents } from './events';
import { startLocalSchedule } from './schedule';
import type { LocalStepFunctions } from './stepfunctions';
import { startLocalWorkflows, type LocalWaits } from './workflows';

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
  /** Fixed create and delete durations in the simulated cloud (the bench's scripted timeline); see sandbox/cloud. */
  simulatedCloudScript?: ScriptedPace;
  /** The local principal: requests without credentials act as it in the open sandbox; LOCAL_API_KEY is registered for it. */
  principal?: string;
  /**
   * LOCAL_API_KEY. Set: every route but Slack's requires `Authorization: Bearer <this key>` (or another valid key).
   * Unset: the open sandbox, where a request without credentials acts as the local principal.
   */
  apiKey?: string;
  /**
   * The Slack app's signing secret and allowed workspaces (SLACK_SIGNING_SECRET / SLACK_TEAM_IDS otherwise), and its
   * bot token with the Slack API base it is used against (SLACK_BOT_TOKEN / SLACK_API_URL otherwise).
   */
  slack?: LocalSlackApp;
  /** Shortens Wait states (ms per state name) and retry pauses, for tests. */
  waitTimeOverrides?: Record<string, number>;
  /**
   * The waiting states' HeartbeatSeconds and TimeoutSeconds (1800 and 3600 on AWS): how soon the safety net looks
   * after a lost event. Default LOCAL_WAITS (5 and 60); a time-compressed run may scale AWS's instead.
   */
  waits?: LocalWaits;
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
  /** Seconds between health sweeps (the local stand-in for its EventBridge schedule); 0 turns the timer off. */
  healthIntervalSeconds?: number;
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
  /**
   * The default EventBridge bus: rules from serverless.yml's `eventBridge` events, targets the same handlers. The
   * local Step Functions and the simulated cloud put their events here; a test may put its own.
   */
  eventBus: LocalEventBus;
  simulatedCloud?: SimulatedCloud;
  /** One reaper run now (the same handler the timer calls); resolves with what it did. */
  reap(): ReturnType<ReturnType<typeof reapClustersHandler>>;
  /** One reconciler run now (the same handler the timer calls); resolves with what it did. */
  reconcile(): ReturnType<ReturnType<typeof reconcileClustersHandler>>;
  /** One health sweep now (the same handler the timer calls); resolves with what it found. */
  sweepHealth(): ReturnType<ReturnType<typeof healthSweepHandler>>;
  /** Where the data lives, when there is a data folder. */
  data?: LocalDataLayout;
  close(): Promise<void>;
}

type Stoppers = (() => Promise<void>)[];

async function stopAll(stoppers: Stoppers, sdkEnv: SdkEnvironment): Promise<void> {
  for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
  sdkEnv.restore();
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const sdkEnv = new SdkEnvironment();
  const stoppers: Stoppers = [];
  try {
    return await assemble(options, sdkEnv, stoppers);
  } catch (error) {
    // Whatever had started (dynalite, the simulated cloud, servers) would otherwise keep the process alive.
    await stopAll(stoppers, sdkEnv);
    throw error;
  }
}

async function assemble(options: LocalCloudOptions, sdkEnv: SdkEnvironment, stoppers: Stoppers): Promise<LocalCloud> {
  const log = options.log ?? (() => undefined);
  // Credentials are only a signature here; a user who points an endpoint at a real service brings real ones.
  sdkEnv.default('AWS_REGION', REGION);
  sdkEnv.default('AWS_ACCESS_KEY_ID', 'local');
  sdkEnv.default('AWS_SECRET_ACCESS_KEY', 'local');

  // 1. The data folder. First of all: a second process on the same folder stops here, before it touches anything.
  const data = options.dataDir ? localDataLayout(options.dataDir) : undefined;
  if (data) stoppers.push(await lockDataDir(data));

  // 2. The default event bus first, so that no event of the stand-ins is lost: its targets need the service's
  //    dependencies, so deliveries wait until those exist (step 3).
  let deps: Dependencies | undefined;
  let wired: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    wired = resolve;
  });
  const eventBus = startLocalEvents({ deps: () => deps!, ready, log });
  stoppers.push(() => eventBus.close());
  await startEventBridgeApi(eventBus, sdkEnv, stoppers, log);

  // 3. The stand-ins for AWS, each behind its AWS_ENDPOINT_URL_<SERVICE> unless the user set that variable.
  const dynamodb = await startDynamoDB(data, sdkEnv, stoppers, log);
  const simulatedCloud = await startCloud(options, data, sdkEnv, stoppers, log, eventBus);
  const config = localConfig(options.slack);
  await createTables(config);
  // The Step Functions endpoint needs the task handlers, the handlers need the SFN client: the tasks ask for their
  // dependencies on first call, after both exist.
  const stepFunctions = await startLocalWorkflows({
    deps: () => deps!,
    waits: options.waits,
    waitTimeOverrides: options.waitTimeOverrides,
    retryIntervalOverrides: options.retryIntervalOverrides,
    log,
    onExecutionStatusChange: (event) => eventBus.put(event),
  });
  stoppers.push(() => stepFunctions.close());
  sdkEnv.default('AWS_ENDPOINT_URL_SFN', stepFunctions.endpoint);
  log(`stepfunctions   in-process (aws-local-stepfunctions) at ${stepFunctions.endpoint}`);

  // 4. The service itself, wired as on AWS.
  deps = buildDependencies(config);
  wired();

  // 5. Workflows lost before this start are resumed or ended before the API opens.
  const reconcile = await reconcileAtStart(deps, config, log);

  // 6. The HTTP API.
  const principal = options.principal ?? 'local-user';
  const authorize = await localAuthorizer(config, { principal, apiKey: options.apiKey });
  const api = await startLocalHttpApi({
    port: options.port ?? 0,
    routes: httpRoutes.map((route) => {
      // The console's page is packaged into its function by esbuild; here the same build runs from source.
      const handler = route.functionName === 'webConsole' ? localWebConsole() : route.build(deps);
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

  // 7. The EventBridge schedules: the reaper, the reconciler and the health sweep on timers.
  const reap = reapClustersHandler(deps);
  const sweepHealth = healthSweepHandler(deps);
  startSchedules(options, config, { reap, reconcile, sweepHealth }, stoppers, log);

  return {
    url: api.url,
    access: options.apiKey === undefined ? 'open' : 'api-key',
    principal,
    dynamodbEndpoint: dynamodb?.endpoint,
    deps,
    stepFunctions,
    eventBus,
    simulatedCloud,
    reap,
    reconcile,
    sweepHealth,
    data,
    close: () => stopAll(stoppers, sdkEnv),
  };
}

type Log = (line: string) => void;

async function startDynamoDB(data: LocalDataLayout | undefined, sdkEnv: SdkEnvironment, stoppers: Stoppers, log: Log): Promise<EmbeddedDynamoDB | undefined> {
  if (SdkEnvironment.has('AWS_ENDPOINT_URL_DYNAMODB')) return undefined;
  const dynamodb = await startEmbeddedDynamoDB({ path: data?.dynamodb });
  stoppers.push(() => dynamodb.close());
  sdkEnv.default('AWS_ENDPOINT_URL_DYNAMODB', dynamodb.endpoint);
  log(`dynamodb        embedded (dynalite) at ${dynamodb.endpoint}${data ? `, data in ${data.dynamodb}` : ', in memory'}`);
  return dynamodb;
}

async function startCloud(
  options: LocalCloudOptions,
  data: LocalDataLayout | undefined,
  sdkEnv: SdkEnvironment,
  stoppers: Stoppers,
  log: Log,
  eventBus: LocalEventBus,
): Promise<SimulatedCloud | undefined> {
  if (SdkEnvironment.has('AWS_ENDPOINT_URL_CLOUDFORMATION')) return undefined;
  // CloudFormation's and EC2's events, as AWS sends them to the default bus.
  const cloud = await startSimulatedCloud({
    region: REGION,
    timeScale: options.timeScale,
    script: options.simulatedCloudScript,
    onEvent: (message) => log(message),
    dataDir: data?.cloud,
    onAwsEvent: (event) => eventBus.put(event),
  });
  stoppers.push(() => cloud.close());
  sdkEnv.default('AWS_ENDPOINT_URL_CLOUDFORMATION', cloud.endpoint);
  sdkEnv.default('AWS_ENDPOINT_URL_EC2', cloud.endpoint);
  // Auto Scaling's Query API (Version 2011-01-01) on the same endpoint: the stacks' groups, for the health sweep.
  sdkEnv.default('AWS_ENDPOINT_URL_AUTO_SCALING', cloud.endpoint);
  // Run Command (AWS JSON 1.1, told apart by its X-Amz-Target header): the simulated swarm answers docker commands.
  sdkEnv.default('AWS_ENDPOINT_URL_SSM', cloud.endpoint);
  log(`cloudformation  simulated CloudFormation + EC2 + Auto Scaling at ${cloud.endpoint}${data ? `, data in ${data.cloud}` : ', in memory'}`);
  return cloud;
}

/** The tables serverless.yml declares, created when missing (dynalite, or an emulator the user points at). */
async function createTables(config: Config): Promise<void> {
  const client = new DynamoDBClient({ region: config.region });
  try {
    await ensureTables(client, [clustersTableDefinition(config.clustersTable), idempotencyTableDefinition(config.idempotencyTable), apiKeysTableDefinition(config.apiKeysTable)]);
  } finally {
    client.destroy();
  }
}

/**
 * PutEvents onto the default bus, for the service's EventBridge client (the Slack route hands commands to its worker
 * that way) and for anyone with the AWS CLI. Not started when AWS_ENDPOINT_URL_EVENTBRIDGE points elsewhere: events
 * put there never reach this bus's rules.
 */
async function startEventBridgeApi(eventBus: LocalEventBus, sdkEnv: SdkEnvironment, stoppers: Stoppers, log: Log): Promise<void> {
  if (SdkEnvironment.has('AWS_ENDPOINT_URL_EVENTBRIDGE')) return;
  const api = await startLocalEventBridgeApi({ bus: eventBus, region: REGION, account: ACCOUNT, log });
  stoppers.push(() => api.close());
  sdkEnv.default('AWS_ENDPOINT_URL_EVENTBRIDGE', api.endpoint);
  log(`eventbridge     PutEvents onto the default bus (rules from serverless.yml) at ${api.endpoint}`);
}

type Reconcile = ReturnType<typeof reconcileClustersHandler>;
const reconciledLine = (summary: Awaited<ReturnType<Reconcile>>) =>
  summary.resumed + summary.ended + summary.failed > 0
    ? `workflows started again ${summary.resumed}, clusters ended ${summary.ended}${summary.failed ? `, failed ${summary.failed}` : ''}`
    : undefined;

/**
 * One reconciler run before the API opens: no request is in flight, and this process's Step Functions holds no
 * execution from before it started, so every transitional cluster written before now lost its workflow (grace 0).
 * Resolves with the handler the schedule runs afterwards.
 */
async function reconcileAtStart(deps: Dependencies, config: Config, log: Log): Promise<Reconcile> {
  const reconcilerDeps = { ...deps, executions: workflowExecutions(config) };
  const atStart = reconciledLine(await reconcileClustersHandler(reconcilerDeps, { graceSeconds: 0 })());
  if (atStart) log(`reconciler      ${atStart}`);
  return reconcileClustersHandler(reconcilerDeps);
}

function startSchedules(
  options: LocalCloudOptions,
  config: Config,
  run: { reap: ReturnType<typeof reapClustersHandler>; reconcile: Reconcile; sweepHealth: ReturnType<typeof healthSweepHandler> },
  stoppers: Stoppers,
  log: Log,
): void {
  const reaperInterval = options.reaperIntervalSeconds ?? config.reaper.intervalSeconds;
  if (reaperInterval > 0) {
    const describe = (summary: Awaited<ReturnType<typeof run.reap>>) => (summary.reminded + summary.deleted > 0 ? `reminded ${summary.reminded}, deleting ${summary.deleted}` : undefined);
    stoppers.push(startLocalSchedule({ name: 'reaper', intervalSeconds: reaperInterval, run: run.reap, describe, log }));
    log(`reaper          every ${reaperInterval} s (REAPER_INTERVAL_SECONDS)`);
  }
  const reconcilerInterval = options.reconcilerIntervalSeconds ?? config.reconciler.intervalSeconds;
  if (reconcilerInterval > 0) {
    stoppers.push(startLocalSchedule({ name: 'reconciler', intervalSeconds: reconcilerInterval, run: run.reconcile, describe: reconciledLine, log }));
    log(`reconciler      at start and every ${reconcilerInterval} s (RECONCILER_INTERVAL_SECONDS)`);
  }
  const healthInterval = options.healthIntervalSeconds ?? config.health.intervalSeconds;
  if (healthInterval > 0) {
    const describe = (summary: Awaited<ReturnType<typeof run.sweepHealth>>) =>
      summary.changed + summary.failed > 0 ? `${summary.changed} changed (${summary.degraded} degraded, ${summary.drifted} drifted), ${summary.failed} failed` : undefined;
    stoppers.push(startLocalSchedule({ name: 'health', intervalSeconds: healthInterval, run: run.sweepHealth, describe, log }));
    log(`health          every ${healthInterval} s (HEALTH_INTERVAL_SECONDS)`);
  }
}
