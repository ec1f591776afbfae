/**
 * Everything a handler may be given, as one type. An entry point picks what it uses (`Pick<Dependencies, ...>`) and
 * builds only that from the builder modules beside this one; the local cloud builds all of it (src/composition.ts).
 */
import type { Config } from '../config';
import type { IdempotentRunner } from '../adapters/dynamodb/idempotency';
import type { ReplayGuard } from '../adapters/dynamodb/replay-guard';
import type { WebhookSender } from '../adapters/webhooks/sender';
import type { AccessPolicy } from '../handlers/http/principal';
import type { CreateClusterDeps } from '../use-cases/create-cluster';
import type { PlanClusterDeps } from '../use-cases/plan-cluster';
import type { ChatFollowUps, Clock, ClusterGroups, ClusterNodes, NodeAgents, ConsoleOutputReader, DiagnosticsRequests, DiagnosticsStore, NodeCommands, ClusterStore, ClusterTimeline, DeliveryStore, DeliveryWorkflow, InstanceInventory, InstanceWaits, QuotaLedger, SendChatMessage, StackGateway, StackUpdates, StackWaits, TaskTokens, WorkflowStarter } from '../use-cases/ports';
import type { ChatCommandDispatcher } from '../use-cases/run-chat-command';
import type { WebhookRegistration } from './webhooks';

export interface Dependencies {
  config: Config;
  clock: Clock;
  store: ClusterStore;
  stacks: StackGateway;
  /** UpdateStack and CancelUpdateStack (the update workflow, a delete during an update). */
  stackUpdates: StackUpdates;
  instances: InstanceInventory;
  /** EC2's console output of a node, and where a cluster's diagnostics are kept. */
  consoleOutput: ConsoleOutputReader;
  diagnostics: DiagnosticsStore;
  /** Hands a POST's diagnostics collection to the collector function (an event on the default bus). */
  diagnosticsRequests: DiagnosticsRequests;
  /** SSM Run Command on a node. */
  nodeCommands: NodeCommands;
  /** The cluster's Auto Scaling groups (DescribeAutoScalingGroups; SetInstanceHealth for autoRepair): the health sweep's. */
  groups: ClusterGroups;
  /** The managers' SSM agents (DescribeInstanceInformation): the health sweep's. */
  agents: NodeAgents;
  /** The workflows' waits for events (on the cluster record) and Step Functions' task-token callbacks. */
  waits: StackWaits;
  instanceWaits: InstanceWaits;
  /** The node inventory as EC2's and Auto Scaling's events keep it. */
  nodes: ClusterNodes;
  timeline: ClusterTimeline;
  tokens: TaskTokens;
  workflows: WorkflowStarter;
  idempotent: IdempotentRunner;
  /** Request-time webhook registration: the URL policy and the signing-secret generator. */
  webhooks: WebhookRegistration;
  sendWebhook: WebhookSender;
  /** chat.postMessage with the Slack bot token (a health event to a cluster's channel); undefined without a token. */
  postToChannel?: SendChatMessage;
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

/** What the plan (dry-run) use case needs: a create's rules and the quota ledger, read only. */
export function planClusterDeps(deps: Pick<Dependencies, 'config' | 'clock' | 'webhooks' | 'quotas'>): PlanClusterDeps {
  return {
    clock: deps.clock,
    defaultRegion: deps.config.region,
    allowedRegions: deps.config.allowedRegions,
    checkWebhookUrl: deps.webhooks.checkUrl,
    quotas: deps.quotas,
    quotaLimits: deps.config.quota,
  };
}
