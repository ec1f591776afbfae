/**
 * The create workflow's Lambda tasks (statemachines/create-cluster.asl.json), one export per Task state. Each is a
 * separate function in serverless.yml with a role of its own; they share this module because each is a one-line
 * call into a use case. Each step names the dependencies it uses, and its Lambda export builds only those.
 */
import { chatFollowUps } from '../../composition/chat';
import { stackGateway, stackReader } from '../../composition/cloudformation';
import type { Dependencies } from '../../composition/dependencies';
import { clusterStore, deliveryStore, dynamoDBClient, quotaLedger } from '../../composition/dynamodb';
import { instanceInventory } from '../../composition/ec2';
import { deliveryWorkflow } from '../../composition/stepfunctions';
import type { Config } from '../../config';
import type { PollState } from '../../domain/stack';
import type { WebhookEventType } from '../../domain/webhook';
import { checkStackCreation, type CheckStackInput } from '../../use-cases/check-stack';
import * as cleanUp from '../../use-cases/clean-up-failed-stack';
import { markClusterFailed, type WorkflowFailure } from '../../use-cases/mark-cluster-failed';
import { notifyClusterOutcome, recordWebhookGivenUp } from '../../use-cases/notify-cluster-outcome';
import { systemClock, type StackReader } from '../../use-cases/ports';
import { recordStackFailure, recordStackReady } from '../../use-cases/record-stack-outcome';
import { startStackCreation } from '../../use-cases/start-stack-creation';
import { lambdaStep, workflowTask } from './task';

type StackInput = { clusterId: string; stackId: string };
type Deps<K extends keyof Dependencies> = Pick<Dependencies, K>;
type StackDeps = Deps<'config' | 'store' | 'stacks' | 'clock'>;
type WatchDeps = Omit<StackDeps, 'stacks'> & { stacks: StackReader };
type OutcomeDeps = Deps<'store' | 'instances' | 'clock' | 'quotas' | 'followUps'> & { stacks: StackReader };

/** Each step from exactly the dependencies its use case takes. */
export const createClusterStep = {
  createStack: (deps: StackDeps) =>
    workflowTask('create stack', (input: { clusterId: string }) => startStackCreation({ ...deps, poll: deps.config.stackPoll }, input.clusterId)),
  checkStack: (deps: WatchDeps) => workflowTask('check stack', (input: CheckStackInput) => checkStackCreation({ ...deps, poll: deps.config.stackPoll }, input)),
  recordReady: (deps: OutcomeDeps) => workflowTask('record ready', (input: StackInput) => recordStackReady(deps, input)),
  recordFailure: (deps: OutcomeDeps) =>
    workflowTask('record failure', (input: { clusterId: string; stackId?: string; reason?: string }) => recordStackFailure(deps, input)),
  deleteFailedStack: (deps: StackDeps & Deps<'quotas'>) =>
    workflowTask('delete failed stack', (input: StackInput) => cleanUp.deleteFailedStack({ ...deps, poll: deps.config.stackPoll }, input)),
  checkStackDeletion: (deps: StackDeps & Deps<'quotas'>) =>
    workflowTask('check stack deletion', (input: StackInput & { poll: PollState }) => cleanUp.checkStackDeletion({ ...deps, poll: deps.config.stackPoll }, input)),
  markFailed: (deps: Deps<'store' | 'clock' | 'quotas' | 'followUps'>) =>
    workflowTask('mark failed', (input: { clusterId: string; failure: WorkflowFailure }) => markClusterFailed(deps, input)),
  notify: (deps: Deps<'store' | 'deliveries' | 'deliveryWorkflow' | 'clock'>) =>
    workflowTask('notify', (input: { clusterId: string; event: WebhookEventType; version: number }) => notifyClusterOutcome(deps, input)),
  webhookGivenUp: (deps: Deps<'store' | 'deliveries' | 'clock'>) =>
    workflowTask('webhook given up', (input: { clusterId: string; event: WebhookEventType; version?: number }) => recordWebhookGivenUp(deps, input)),
};

/** Every step from one set of dependencies (the local cloud, the state-machine tests). */
export function createClusterSteps(deps: Dependencies) {
  return {
    createStack: createClusterStep.createStack(deps),
    checkStack: createClusterStep.checkStack(deps),
    recordReady: createClusterStep.recordReady(deps),
    recordFailure: createClusterStep.recordFailure(deps),
    deleteFailedStack: createClusterStep.deleteFailedStack(deps),
    checkStackDeletion: createClusterStep.checkStackDeletion(deps),
    markFailed: createClusterStep.markFailed(deps),
    notify: createClusterStep.notify(deps),
    webhookGivenUp: createClusterStep.webhookGivenUp(deps),
  };
}

export type CreateClusterSteps = ReturnType<typeof createClusterSteps>;

// What the Lambda exports build, one builder per kind of need.
const stackDeps = (config: Config): StackDeps => ({ config, clock: systemClock, store: clusterStore(config), stacks: stackGateway(config) });
const watchDeps = (config: Config): WatchDeps => ({ config, clock: systemClock, store: clusterStore(config), stacks: stackReader() });
const withQuotas = (config: Config) => {
  const dynamodb = dynamoDBClient(config);
  return { config, clock: systemClock, store: clusterStore(config, dynamodb), quotas: quotaLedger(config, dynamodb), followUps: chatFollowUps(config) };
};
const outcomeDeps = (config: Config): OutcomeDeps => ({ ...withQuotas(config), stacks: stackReader(), instances: instanceInventory() });
const deliveryDeps = (config: Config) => {
  const dynamodb = dynamoDBClient(config);
  return { clock: systemClock, store: clusterStore(config, dynamodb), deliveries: deliveryStore(config, dynamodb) };
};

export const createStack = /* @__PURE__ */ lambdaStep((config) => createClusterStep.createStack(stackDeps(config)));
export const checkStack = /* @__PURE__ */ lambdaStep((config) => createClusterStep.checkStack(watchDeps(config)));
export const recordReady = /* @__PURE__ */ lambdaStep((config) => createClusterStep.recordReady(outcomeDeps(config)));
export const recordFailure = /* @__PURE__ */ lambdaStep((config) => createClusterStep.recordFailure(outcomeDeps(config)));
export const deleteFailedStack = /* @__PURE__ */ lambdaStep((config) => createClusterStep.deleteFailedStack({ ...stackDeps(config), quotas: quotaLedger(config) }));
export const checkStackDeletion = /* @__PURE__ */ lambdaStep((config) => createClusterStep.checkStackDeletion({ ...stackDeps(config), quotas: quotaLedger(config) }));
export const markFailed = /* @__PURE__ */ lambdaStep((config) => createClusterStep.markFailed(withQuotas(config)));
export const notify = /* @__PURE__ */ lambdaStep((config) => createClusterStep.notify({ ...deliveryDeps(config), deliveryWorkflow: deliveryWorkflow(config) }));
export const webhookGivenUp = /* @__PURE__ */ lambdaStep((config) => createClusterStep.webhookGivenUp(deliveryDeps(config)));

/**
 * The DefinitionSubstitutions of statemachines/create-cluster.asl.json and the step (= function name in
 * serverless.yml, = export above) each one stands for.
 */
export const CREATE_CLUSTER_TASKS = {
  CreateStackFunctionArn: 'createStack',
  CheckStackFunctionArn: 'checkStack',
  RecordReadyFunctionArn: 'recordReady',
  RecordFailureFunctionArn: 'recordFailure',
  DeleteStackFunctionArn: 'deleteFailedStack',
  CheckDeletionFunctionArn: 'checkStackDeletion',
  MarkFailedFunctionArn: 'markFailed',
  NotifyFunctionArn: 'notify',
  WebhookGivenUpFunctionArn: 'webhookGivenUp',
} as const satisfies Record<string, keyof CreateClusterSteps>;
