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
  webhooks: {
    send: ReturnType<typeof buildWebhookSender>;
    checkUrl: (url: string) => string | undefined;
    newSecret: () => string;
  };
  isStackAlreadyExists: (error: unknown) => boolean;
  /** The ARN prefix of create executions: the execution ARN is this + ':' + the cluster id. */
  createExecutionPrefix: string;
}

function executionPrefix(stateMachineArn: string): string {
  return stateMachineArn.replace(':stateMachine:', ':execution:');
}

export function buildDependencies(config: Config = loadConfig()): Dependencies {
  const dynamodb = new DynamoDBClient({ region: config.region });
  const documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  let templateBody: string | undefined;
  const webhookPolicy = { allowLoopbackHttp: config.webhook.allowLoopbackHttp, allowedPorts: [443] };
  return {
    config,
    clock: systemClock,
    store: buildClusterStore(documents, config.clustersTable),
    stacks: buildStackGateway({
      roleArn: config.stackRoleArn,
      templateBody: () => (templateBody ??= readFileSync(resolve(config.templatePath), 'utf8')),
    }),
    instances: buildInstanceInventory(),
    workflows: buildWorkflowStarter(new SFNClient({ region: config.region }), { create: config.createClusterStateMachineArn }),
    idempotent: buildIdempotentRunner(dynamodb, config.idempotencyTable, config.idempotencyTtlSeconds),
    webhooks: {
      send: buildWebhookSender({ allowLoopbackHttp: config.webhook.allowLoopbackHttp, timeoutMs: config.webhook.timeoutMs }),
      checkUrl: (url) => {
        const verdict = checkWebhookUrl(url, webhookPolicy);
        return verdict.ok ? undefined : verdict.reason;
      },
      newSecret: newWebhookSecret,
    },
    isStackAlreadyExists: (error) => error instanceof StackAlreadyExistsError,
    createExecutionPrefix: executionPrefix(config.createClusterStateMachineArn),
  };
}

let cached: Dependencies | undefined;

/** The process-wide dependencies, built on first use (so importing a handler in a test reads no environment). */
export function dependencies(): Dependencies {
  return (cached ??= buildDependencies());
}
