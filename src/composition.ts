/**
 * The composition root: configuration and AWS clients, created once per Lambda container (or once per local
 * process) and handed to the handlers. Endpoints come from the standard SDK configuration
 * (AWS_ENDPOINT_URL_<SERVICE>), so nothing here knows whether it talks to AWS or to the local cloud.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildStackGateway, StackAlreadyExistsError } from './adapters/cloudformation/stack-gateway';
import { buildClusterStore } from './adapters/dynamodb/cluster-store';
import { buildIdempotentRunner, type IdempotentRunner } from './adapters/dynamodb/idempotency';
import { buildInstanceInventory } from './adapters/ec2/instance-inventory';
import { buildWorkflowStarter } from './adapters/stepfunctions/workflow-starter';
import { newWebhookSecret, buildWebhookSender } from './adapters/webhooks/sender';
import { checkWebhookUrl } from './adapters/webhooks/url-policy';
import { loadConfig, type Config } from './config';
import type { Clock, ClusterStore, InstanceInventory, StackGateway, WorkflowStarter } from './use-cases/ports';
import { systemClock } from './use-cases/ports';

export interface Dependencies {
  config: Config;
  clock: Clock;
  store: ClusterStore;
  stacks: StackGateway;
  instances: InstanceInventory;
  workflows: WorkflowStarter;
  idempotent: IdempotentRunner;
  /** Request-time webhook registration: the URL policy and the signing-secret generator. */
  webhooks: {
    checkUrl: (url: string) => string | undefined;
    newSecret: () => string;
  };
  sendWebhook: ReturnType<typeof buildWebhookSender>;
  isStackAlreadyExists: (error: unknown) => boolean;
  /** The ARN prefix of create executions: the execution ARN is this + ':' + the cluster id. */
  createExecutionPrefix: string;
}

export function createExecutionPrefix(config: Config): string {
  return config.createClusterStateMachineArn.replace(':stateMachine:', ':execution:');
}

// Builders, one per dependency, so each Lambda entry point builds (and its bundle contains) only what it uses.

export function dynamoDBClient(config: Config): DynamoDBClient {
  return new DynamoDBClient({ region: config.region });
}

export function clusterStore(config: Config, client: DynamoDBClient = dynamoDBClient(config)): ClusterStore {
  return buildClusterStore(DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), config.clustersTable);
}

export function idempotentRunner(config: Config, client: DynamoDBClient = dynamoDBClient(config)): IdempotentRunner {
  return buildIdempotentRunner(client, config.idempotencyTable, config.idempotencyTtlSeconds);
}

export function stackGateway(config: Config): StackGateway {
  let templateBody: string | undefined;
  return buildStackGateway({
    roleArn: config.stackRoleArn,
    templateBody: () => (templateBody ??= readFileSync(resolve(config.templatePath), 'utf8')),
  });
}

export function instanceInventory(): InstanceInventory {
  return buildInstanceInventory();
}

export function workflowStarter(config: Config): WorkflowStarter {
  return buildWorkflowStarter(new SFNClient({ region: config.region }), { create: config.createClusterStateMachineArn, delete: config.deleteClusterStateMachineArn });
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

/** Everything, for the local cloud (one process serves every function) and the workflow steps. */
export function buildDependencies(config: Config = loadConfig()): Dependencies {
  const dynamodb = dynamoDBClient(config);
  return {
    config,
    clock: systemClock,
    store: clusterStore(config, dynamodb),
    stacks: stackGateway(config),
    instances: instanceInventory(),
    workflows: workflowStarter(config),
    idempotent: idempotentRunner(config, dynamodb),
    webhooks: webhookRegistration(config),
    sendWebhook: webhookSender(config),
    isStackAlreadyExists: (error) => error instanceof StackAlreadyExistsError,
    createExecutionPrefix: createExecutionPrefix(config),
  };
}

let cached: Dependencies | undefined;

/** The process-wide dependencies, built on first use (so importing a handler in a test reads no environment). */
export function dependencies(): Dependencies {
  return (cached ??= buildDependencies());
}
