/**
 * The delete workflow's Lambda tasks (statemachines/delete-cluster.asl.json), one builder per Task state. Each is a
 * separate function in serverless.yml with a role of its own, whose entry point is its own file under
 * delete-cluster/ and builds only the dependencies its step names (docs/architecture.md, "How an entry point builds
 * only what it uses"). This module imports no client, so the registry and the local cloud can use it freely.
 */
import type { Dependencies } from '../../composition/dependencies';
import type { Config } from '../../config';
import type { WebhookEventType } from '../../domain/webhook';
import * as instanceProof from '../../use-cases/await-instances';
import * as stack from '../../use-cases/delete-cluster-stack';
import * as finish from '../../use-cases/finish-cluster-deletion';
import type { WorkflowFailure } from '../../use-cases/mark-cluster-failed';
import { notifyClusterOutcome, recordWebhookGivenUp } from '../../use-cases/notify-cluster-outcome';
import type { StackReader, StackUpdates } from '../../use-cases/ports';
import { awaitStackStep } from './create-cluster-steps';
import { workflowTask } from './task';

type Deps<K extends keyof Dependencies> = Pick<Dependencies, K>;
type StackDeps = Deps<'config' | 'store' | 'stacks' | 'clock' | 'waits'>;
type TransitionDeps = Deps<'store' | 'clock' | 'quotas' | 'followUps'>;

type WatchDeps = Omit<StackDeps, 'stacks' | 'waits'> & { stacks: StackReader };

const removalDeps = <D extends { config: Config }>(deps: D) => ({ ...deps, maxAttempts: deps.config.deleteMaxAttempts, retryPauseSeconds: deps.config.deleteRetryPauseSeconds });

/** Each step from exactly the dependencies its use case takes. */
export const deleteClusterStep = {
  removeStack: (deps: StackDeps & { stackUpdates: Pick<StackUpdates, 'cancelUpdateStack'> }) => workflowTask('remove stack', (input: { clusterId: string; attempt: number }) => stack.removeStack(removalDeps(deps), input)),
  awaitStackRemoval: awaitStackStep,
  checkStackRemoval: (deps: StackDeps) => workflowTask('check stack removal', (input: stack.CheckRemovalInput) => stack.checkStackRemoval(removalDeps(deps), input)),
  readDeleteFailure: (deps: WatchDeps) =>
    workflowTask('read delete failure', (input: { clusterId: string; stackId: string | null; attempt: number }) => stack.readDeleteFailure(removalDeps(deps), input)),
  awaitInstances: (deps: Deps<'config' | 'store' | 'instances' | 'instanceWaits' | 'tokens' | 'clock'>) =>
    workflowTask('await instances', (input: { clusterId: string; taskToken: string }) =>
      instanceProof.awaitInstances({ ...deps, waits: deps.instanceWaits, maxRounds: deps.config.instanceWait.maxRounds }, input),
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
    awaitStackRemoval: deleteClusterStep.awaitStackRemoval(deps),
    checkStackRemoval: deleteClusterStep.checkStackRemoval(deps),
    readDeleteFailure: deleteClusterStep.readDeleteFailure(deps),
    awaitInstances: deleteClusterStep.awaitInstances(deps),
    markDeleted: deleteClusterStep.markDeleted(deps),
    markDeleteFailed: deleteClusterStep.markDeleteFailed(deps),
    notifyDeleteOutcome: deleteClusterStep.notifyDeleteOutcome(deps),
    deleteWebhookGivenUp: deleteClusterStep.deleteWebhookGivenUp(deps),
  };
}

export type DeleteClusterSteps = ReturnType<typeof deleteClusterSteps>;

/**
 * The DefinitionSubstitutions of statemachines/delete-cluster.asl.json and the step (= function name in
 * serverless.yml, = the export of its entry file under delete-cluster/) each one stands for. The webhook steps are functions of their own (not the create
 * workflow's `notify`), so each state machine's role can invoke exactly its own tasks.
 */
export const DELETE_CLUSTER_TASKS = {
  RemoveStackFunctionArn: 'removeStack',
  AwaitStackRemovalFunctionArn: 'awaitStackRemoval',
  CheckStackRemovalFunctionArn: 'checkStackRemoval',
  ReadDeleteFailureFunctionArn: 'readDeleteFailure',
  AwaitInstancesFunctionArn: 'awaitInstances',
  MarkDeletedFunctionArn: 'markDeleted',
  MarkDeleteFailedFunctionArn: 'markDeleteFailed',
  NotifyFunctionArn: 'notifyDeleteOutcome',
  WebhookGivenUpFunctionArn: 'deleteWebhookGivenUp',
} as const satisfies Record<string, keyof DeleteClusterSteps>;
