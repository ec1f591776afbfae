/**
 * The whole graph at once, for the local cloud (one process serves every function) and the tests that run every
 * step: configuration and every client, created once. A Lambda entry point never imports this module's values: it
 * builds only what it uses from the builder modules in src/composition/, one per client (docs/architecture.md, "How
 * an entry point builds only what it uses"), so its bundle carries no client it does not call. Endpoints come from
 * the standard SDK configuration (AWS_ENDPOINT_URL_<SERVICE>), so nothing here knows whether it talks to AWS or to
 * the local cloud.
 */
import { loadConfig, type Config } from './config';
import { systemClock } from './use-cases/ports';
import { accessPolicy } from './composition/access';
import { chatChannelPoster, chatFollowUps } from './composition/chat';
import { stackCanceller, stackGateway, stackUpdater } from './composition/cloudformation';
import type { Dependencies } from './composition/dependencies';
import { clusterNodes, clusterStore, clusterTimeline, deliveryStore, diagnosticsStore, dynamoDBClient, instanceWaits, quotaLedger, replayGuard, stackWaits } from './composition/dynamodb';
import { consoleOutputReader, instanceInventory } from './composition/ec2';
import { clusterGroups } from './composition/autoscaling';
import { nodeAgents, nodeCommands } from './composition/ssm';
import { idempotentRunner } from './composition/idempotency';
import { chatDispatcher, diagnosticsRequests } from './composition/eventbridge';
import { createExecutionPrefix, deliveryWorkflow, taskTokens, workflowStarter } from './composition/stepfunctions';
import { webhookSender } from './composition/webhook-sender';
import { webhookRegistration } from './composition/webhooks';

export type { Dependencies };

/** Everything, for the local cloud and the tests that run every step. */
export function buildDependencies(config: Config = loadConfig()): Dependencies {
  const dynamodb = dynamoDBClient(config);
  return {
    config,
    clock: systemClock,
    store: clusterStore(config, dynamodb),
    stacks: stackGateway(config),
    stackUpdates: { ...stackUpdater(config), ...stackCanceller() },
    instances: instanceInventory(),
    consoleOutput: consoleOutputReader(),
    diagnostics: diagnosticsStore(config, dynamodb),
    diagnosticsRequests: diagnosticsRequests(config),
    nodeCommands: nodeCommands(),
    groups: clusterGroups(),
    agents: nodeAgents(),
    waits: stackWaits(config, dynamodb),
    instanceWaits: instanceWaits(config, dynamodb),
    nodes: clusterNodes(config, dynamodb),
    timeline: clusterTimeline(config, dynamodb),
    tokens: taskTokens(config),
    workflows: workflowStarter(config),
    idempotent: idempotentRunner(config, dynamodb),
    webhooks: webhookRegistration(config),
    sendWebhook: webhookSender(config),
    postToChannel: chatChannelPoster(config),
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
