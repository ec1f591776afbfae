/**
 * The composition root: configuration and AWS clients, created once per Lambda container (or once per local
 * process) and handed to the handlers. Endpoints come from the standard SDK configuration
 * (AWS_ENDPOINT_URL_<SERVICE>), so nothing here knows whether it talks to AWS or to the local cloud.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildStackGateway, buildStackReader } from './adapters/cloudformation/stack-gateway';
import { buildApiKeyLookup, buildApiKeyStore } from './adapters/dynamodb/api-key-store';
import { buildClusterReader, buildClusterStore } from './adapters/dynamodb/cluster-store';
import { buildDeliveryReader, buildDeliveryStore } from './adapters/dynamodb/delivery-store';
import { buildIdempotentRunner, type IdempotentRunner } from './adapters/dynamodb/idempotency';
import { buildQuotaLedger } from './adapters/dynamodb/quota-ledger';
import { buildReplayGuard, type ReplayGuard } from './adapters/dynamodb/replay-guard';
import { buildInstanceWaits, buildStackWaits } from './adapters/dynamodb/workflow-waits';
import { buildChatDispatcher } from './adapters/lambda/chat-dispatcher';
import { buildChatFollowUps, buildSlackResponder, type ChatResponder } from './adapters/slack/responder';
import { buildInstanceInventory } from './adapters/ec2/instance-inventory';
import { buildDeliveryWorkflow } from './adapters/stepfunctions/delivery-workflow';
import { buildTaskTokens } from './adapters/stepfunctions/task-tokens';
import { buildWorkflowExecutions } from './adapters/stepfunctions/workflow-executions';
import { buildWorkflowStarter } from './adapters/stepfunctions/workflow-starter';
import { newWebhookSecret, buildWebhookSender } from './adapters/webhooks/sender';
import { checkWebhookUrl } from './adapters/webhooks/url-policy';
import { loadConfig, type Config } from './config';
import type { AccessPolicy } from './handlers/http/principal';
import type {
  ApiKeyLookup,
  ApiKeyStore,
  ChatFollowUps,
  Clock,
  ClusterReader,
  ClusterStore,
  DeliveryReader,
  DeliveryStore,
  DeliveryWorkflow,
  InstanceInventory,
  InstanceWaits,
  QuotaLedger,
  StackGateway,
  StackReader,
  StackWaits,
  TaskTokens,
  WorkflowExecutions,
  WorkflowStarter,
} from './use-cases/ports';
import { systemClock } from './use-cases/ports';
import type { CreateClusterDeps } from './use-cases/create-cluster';
import type { ChatCommandDispatcher } from './use-cases/run-chat-command';

export interface Dependencies {
  config: Config;
  clock: Clock;
  store: ClusterStore;
  stacks: StackGateway;
  instances: InstanceInventory;
  /** The workflows' waits for events (on the cluster record) and Step Functions' task-token callbacks. */
  waits: StackWaits;
  instanceWaits: InstanceWaits;
  tokens: TaskTokens;
  workflows: WorkflowStarter;
  idempotent: IdempotentRunner;
  /** Request-time webhook registration: the URL policy and the signing-secret generator. */
  webhooks: {
    checkUrl: (url: string) => string | undefined;
    newSecret: () => string;
  };
  sendWebhook: ReturnType<typeof buildWebhookSender>;
  /** The delivery log (deliveries in the clusters table) and the workflow that sends each delivery. */
  deliveries: DeliveryStore;
  deliveryWorkflow: DeliveryWorkflow;
  /** The ARN prefix of create executions: the execution ARN is this + ':' + the cluster id. */
  createExecutionPrefix: string;
  /** Which IAM callers are operators. */
  access: AccessPolicy;
  quotas: QuotaLedger;
  followUps: ChatFollowUps;
  /** Slack's replay guard and the hand-over to the chat worker (undefined without a worker). */
  seenBefore: ReplayGuard;
  chatDispatch?: ChatCommandDispatcher;
}

export function createExecutionPrefix(config: Config): string {
  return config.createClusterStateMachineArn.replace(':stateMachine:', ':execution:');
}

// Builders, one per dependency, so each Lambda entry point builds (and its bundle contains) only what it uses.

export function dynamoDBClient(config: Config): DynamoDBClient {
  return new DynamoDBClient({ region: config.region });
}

const documentClient = (client: DynamoDBClient) => DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

export function clusterStore(config: Config, client: DynamoDBClient = dynamoDBClient(config)): ClusterStore {
  return buildClusterStore(documentClient(client), config.clustersTable);
}

/** For the read-only routes: GetItem and Query, no writes. */
export function clusterReader(config: Config, client: DynamoDBClient = dynamoDBClient(config)): ClusterReader {
  return buildClusterReader(documentClient(client), config.clustersTable);
}

export function deliveryReader(config: Config, client: DynamoDBClient = dynamoDBClient(config)): DeliveryReader {
  return buildDeliveryReader(documentClient(client), config.clustersTable);
}

export function deliveryStore(config: Config, client: DynamoDBClient = dynamoDBClient(config)): DeliveryStore {
  return buildDeliveryStore(documentClient(client), config.clustersTable);
}

export function quotaLedger(config: Config, client: DynamoDBClient = dynamoDBClient(config)): QuotaLedger {
  return buildQuotaLedger(documentClient(client), config.clustersTable);
}

export function stackWaits(config: Config, client: DynamoDBClient = dynamoDBClient(config)): StackWaits {
  return buildStackWaits(documentClient(client), config.clustersTable);
}

export function instanceWaits(config: Config, client: DynamoDBClient = dynamoDBClient(config)): InstanceWaits {
  return buildInstanceWaits(documentClient(client), config.clustersTable);
}

/** SendTaskSuccess/Failure/Heartbeat, for the functions that resume a waiting workflow. */
export function taskTokens(config: Config): TaskTokens {
  return buildTaskTokens(new SFNClient({ region: config.region }));
}

export function apiKeyLookup(config: Pick<Config, 'region' | 'apiKeysTable'>): ApiKeyLookup {
  return buildApiKeyLookup(documentClient(new DynamoDBClient({ region: config.region })), config.apiKeysTable);
}

export function apiKeyStore(config: Pick<Config, 'region' | 'apiKeysTable'>, client: DynamoDBClient = new DynamoDBClient({ region: config.region })): ApiKeyStore {
  return buildApiKeyStore(documentClient(client), config.apiKeysTable);
}

export function replayGuard(config: Config, client: DynamoDBClient = dynamoDBClient(config)): ReplayGuard {
  return buildReplayGuard(documentClient(client), config.idempotencyTable);
}

export function accessPolicy(config: Config): AccessPolicy {
  return { operatorRoleArns: config.operatorRoleArns };
}

export function chatResponder(config: Config): ChatResponder {
  return buildSlackResponder({ allowLoopbackHttp: config.slack.allowLoopbackHttp });
}

export function chatFollowUps(config: Config): ChatFollowUps {
  return buildChatFollowUps(chatResponder(config));
}

/** Undefined when no worker function is configured: the Slack route then says it cannot take commands. */
export function chatDispatcher(config: Config): ChatCommandDispatcher | undefined {
  if (!config.slack.workerFunction) return undefined;
  // Short timeouts and one retry: the acknowledgement has 3 seconds in all, and Lambda answers an Event invoke at once.
  const client = new LambdaClient({ region: config.region, maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 1500 } });
  return buildChatDispatcher(client, config.slack.workerFunction);
}

export function idempotentRunner(config: Config, client: DynamoDBClient = dynamoDBClient(config)): IdempotentRunner {
  return buildIdempotentRunner(client, config.idempotencyTable, config.idempotencyTtlSeconds);
}

/** For the steps that only watch a stack. */
export function stackReader(): StackReader {
  return buildStackReader();
}

export function stackGateway(config: Config): StackGateway {
  let templateBody: string | undefined;
  return buildStackGateway({
    roleArn: config.stackRoleArn,
    permissionsBoundaryArn: config.stackPermissionsBoundaryArn,
    templateBody: () => (templateBody ??= readFileSync(resolve(config.templatePath), 'utf8')),
  });
}

export function instanceInventory(): InstanceInventory {
  return buildInstanceInventory();
}

export function workflowStarter(config: Config): WorkflowStarter {
  return buildWorkflowStarter(new SFNClient({ region: config.region }), { create: config.createClusterStateMachineArn, delete: config.deleteClusterStateMachineArn });
}

/** The reconciler's: DescribeExecution, and StartExecution of the create and delete workflows under a given name. */
export function workflowExecutions(config: Config, client: SFNClient = new SFNClient({ region: config.region })): WorkflowExecutions {
  return buildWorkflowExecutions(client, { create: config.createClusterStateMachineArn, delete: config.deleteClusterStateMachineArn });
}

export function deliveryWorkflow(config: Config, client: SFNClient = new SFNClient({ region: config.region })): DeliveryWorkflow {
  return buildDeliveryWorkflow(client, config.deliverWebhookStateMachineArn);
}

const webhookPolicy = (config: Config) => ({ allowLoopbackHttp: config.webhook.allowLoopbackHttp, allowedPorts: [443] });

export function webhookSender(config: Config): Dependencies['sendWebhook'] {
  return buildWebhookSender({ ...webhookPolicy(config), timeoutMs: config.webhook.timeoutMs });
}

export function webhookRegistration(config: Config): Dependencies['webhooks'] {
  const policy = webhookPolicy(config);
  return {
    checkUrl: (url) => {
      const verdict = checkWebhookUrl(url, policy);
      return verdict.ok ? undefined : verdict.reason;
    },
    newSecret: newWebhookSecret,
  };
}

/** What the create use case needs, from the dependencies every entry point that creates clusters (HTTP, Slack) has. */
export function createClusterDeps(
  deps: Pick<Dependencies, 'config' | 'clock' | 'store' | 'workflows' | 'webhooks' | 'createExecutionPrefix' | 'quotas'>,
): CreateClusterDeps {
  return {
    store: deps.store,
    workflows: deps.workflows,
    clock: deps.clock,
    defaultRegion: deps.config.region,
    allowedRegions: deps.config.allowedRegions,
    checkWebhookUrl: deps.webhooks.checkUrl,
    newWebhookSecret: deps.webhooks.newSecret,
    createExecutionPrefix: deps.createExecutionPrefix,
    quotas: deps.quotas,
    quotaLimits: deps.config.quota,
  };
}

/** Everything, for the local cloud (one process serves every function) and the workflow steps. */
export function buildDependencies(config: Config = loadConfig()): Dependencies {
  const dynamodb = dynamoDBClient(config);
  return {
    config,
    clock: systemClock,
    store: clusterStore(config, dynamodb),
    stacks: stackGateway(config),
    instances: instanceInventory(),
    waits: stackWaits(config, dynamodb),
    instanceWaits: instanceWaits(config, dynamodb),
    tokens: taskTokens(config),
    workflows: workflowStarter(config),
    idempotent: idempotentRunner(config, dynamodb),
    webhooks: webhookRegistration(config),
    sendWebhook: webhookSender(config),
    deliveries: deliveryStore(config, dynamodb),
    deliveryWorkflow: deliveryWorkflow(config),
    createExecutionPrefix: createExecutionPrefix(config),
    access: accessPolicy(config),
    quotas: quotaLedger(config, dynamodb),
    followUps: chatFollowUps(config),
    seenBefore: replayGuard(config, dynamodb),
    chatDispatch: chatDispatcher(config),
  };
}
