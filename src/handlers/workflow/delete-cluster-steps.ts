/**
 * The delete workflow's Lambda tasks (statemachines/delete-cluster.asl.json), one export per Task state. Each is a
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
import * as stack from '../../use-cases/delete-cluster-stack';
import * as finish from '../../use-cases/finish-cluster-deletion';
import type { WorkflowFailure } from '../../use-cases/mark-cluster-failed';
import { notifyClusterOutcome, recordWebhookGivenUp } from '../../use-cases/notify-cluster-outcome';
import { systemClock, type StackReader } from '../../use-cases/ports';
import { lambdaStep, workflowTask } from './task';

type Deps<K extends keyof Dependencies> = Pick<Dependencies, K>;
type StackDeps = Deps<'config' | 'store' | 'stacks' | 'clock'>;
type TransitionDeps = Deps<'store' | 'clock' | 'quotas' | 'followUps'>;

type WatchDeps = Omit<StackDeps, 'stacks'> & { stacks: StackReader };

const removalDeps = <D extends WatchDeps>(deps: D) => ({ ...deps, poll: deps.config.stackPoll, maxAttempts: deps.config.deleteMaxAttempts });

/** Each step from exactly the dependencies its use case takes. */
export const deleteClusterStep = {
  removeStack: (deps: StackDeps) => workflowTask('remove stack', (input: { clusterId: string; attempt: number }) => stack.removeStack(removalDeps(deps), input)),
  checkStackRemoval: (deps: StackDeps) => workflowTask('check stack removal', (input: stack.CheckRemovalInput) => stack.checkStackRemoval(removalDeps(deps), input)),
  readDeleteFailure: (deps: WatchDeps) =>
    workflowTask('read delete failure', (input: { clusterId: string; stackId: string; attempt: number }) => stack.readDeleteFailure(removalDeps(deps), input)),
  checkInstancesTerminated: (deps: Deps<'config' | 'store' | 'instances' | 'clock'>) =>
    workflowTask('check instances terminated', (input: { clusterId: string; poll: PollState; lastRemaining?: number }) =>
      finish.checkInstancesTerminated({ ...deps, poll: deps.config.stackPoll }, input),
    ),
  markDeleted: (deps: TransitionDeps) => workflowTask('mark deleted', (input: { clusterId: string; total: number }) => finish.markClusterDeleted(deps, input)),
  markDeleteFailed: (deps: TransitionDeps) =>
    workflowTask('mark delete failed', (input: { clusterId: string; reason?: string; failure?: WorkflowFailure }) => finish.markClusterDeleteFailed(deps, input)),
  notifyDeleteOutcome: (deps: Deps<'store' | 'deliveries' | 'deliveryWorkflow' | 'clock'>) =>
    workflowTask('notify delete outcome', (input: { clusterId: string; event: WebhookEventType; version: number }) => notifyClusterOutcome(deps, input)),
  deleteWebhookGivenUp: (deps: Deps<'store' | 'deliveries' | 'clock'>) =>
    workflowTask('delete webhook given up', (input: { clusterId: string; event: WebhookEventType; version?: number }) => recordWebhookGivenUp(deps, input)),
};

/** Every step from one set of dependencies (the local cloud, the state-machine tests). */
export function deleteClusterSteps(deps: Dependencies) {
  return {
    removeStack: deleteClusterStep.removeStack(deps),
    checkStackRemoval: deleteClusterStep.checkStackRemoval(deps),
    readDeleteFailure: deleteClusterStep.readDeleteFailure(deps),
    checkInstancesTerminated: deleteClusterStep.checkInstancesTerminated(deps),
    markDeleted: deleteClusterStep.markDeleted(deps),
    markDeleteFailed: deleteClusterStep.markDeleteFailed(deps),
    notifyDeleteOutcome: deleteClusterStep.notifyDeleteOutcome(deps),
    deleteWebhookGivenUp: deleteClusterStep.deleteWebhookGivenUp(deps),
  };
}

export type DeleteClusterSteps = ReturnType<typeof deleteClusterSteps>;

// What the Lambda exports build, one builder per kind of need.
const stackDeps = (config: Config): StackDeps => ({ config, clock: systemClock, store: clusterStore(config), stacks: stackGateway(config) });
const watchDeps = (config: Config): WatchDeps => ({ config, clock: systemClock, store: clusterStore(config), stacks: stackReader() });
const transitionDeps = (config: Config): TransitionDeps => {
  const dynamodb = dynamoDBClient(config);
  return { clock: systemClock, store: clusterStore(config, dynamodb), quotas: quotaLedger(config, dynamodb), followUps: chatFollowUps(config) };
};
const deliveryDeps = (config: Config) => {
  const dynamodb = dynamoDBClient(config);
  return { clock: systemClock, store: clusterStore(config, dynamodb), deliveries: deliveryStore(config, dynamodb) };
};

export const removeStack = /* @__PURE__ */ lambdaStep((config) => deleteClusterStep.removeStack(stackDeps(config)));
export const checkStackRemoval = /* @__PURE__ */ lambdaStep((config) => deleteClusterStep.checkStackRemoval(stackDeps(config)));
export const readDeleteFailure = /* @__PURE__ */ lambdaStep((config) => deleteClusterStep.readDeleteFailure(watchDeps(config)));
export const checkInstancesTerminated = /* @__PURE__ */ lambdaStep((config) =>
  deleteClusterStep.checkInstancesTerminated({ config, clock: systemClock, store: clusterStore(config), instances: instanceInventory() }),
);
export const markDeleted = /* @__PURE__ */ lambdaStep((config) => deleteClusterStep.markDeleted(transitionDeps(config)));
export const markDeleteFailed = /* @__PURE__ */ lambdaStep((config) => deleteClusterStep.markDeleteFailed(transitionDeps(config)));
export const notifyDeleteOutcome = /* @__PURE__ */ lambdaStep((config) => deleteClusterStep.notifyDeleteOutcome({ ...deliveryDeps(config), deliveryWorkflow: deliveryWorkflow(config) }));
export const deleteWebhookGivenUp = /* @__PURE__ */ lambdaStep((config) => deleteClusterStep.deleteWebhookGivenUp(deliveryDeps(config)));

/**
 * The DefinitionSubstitutions of statemachines/delete-cluster.asl.json and the step (= function name in
 * serverless.yml, = export above) each one stands for. The webhook steps are functions of their own (not the create
 * workflow's `notify`), so each state machine's role can invoke exactly its own tasks.
 */
export const DELETE_CLUSTER_TASKS = {
  RemoveStackFunctionArn: 'removeStack',
  CheckStackRemovalFunctionArn: 'checkStackRemoval',
  ReadDeleteFailureFunctionArn: 'readDeleteFailure',
  CheckInstancesFunctionArn: 'checkInstancesTerminated',
  MarkDeletedFunctionArn: 'markDeleted',
  MarkDeleteFailedFunctionArn: 'markDeleteFailed',
  NotifyFunctionArn: 'notifyDeleteOutcome',
  WebhookGivenUpFunctionArn: 'deleteWebhookGivenUp',
} as const satisfies Record<string, keyof DeleteClusterSteps>;
