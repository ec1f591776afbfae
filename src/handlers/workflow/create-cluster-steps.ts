/**
 * The create workflow's Lambda tasks (statemachines/create-cluster.asl.json), one builder per Task state. Each is a
 * separate function in serverless.yml with a role of its own, whose entry point is its own file under
 * create-cluster/ and builds only the dependencies its step names (docs/architecture.md, "How an entry point builds
 * only what it uses"). This module imports no client, so the registry and the local cloud can use it freely.
 */
import type { Dependencies } from '../../composition/dependencies';
import type { WebhookEventType } from '../../domain/webhook';
import { awaitStack, type AwaitStackInput } from '../../use-cases/await-stack';
import { checkStackCreation, type CheckStackInput } from '../../use-cases/check-stack';
import * as cleanUp from '../../use-cases/clean-up-failed-stack';
import { markClusterFailed, type WorkflowFailure } from '../../use-cases/mark-cluster-failed';
import { notifyClusterOutcome, recordWebhookGivenUp } from '../../use-cases/notify-cluster-outcome';
import type { StackReader } from '../../use-cases/ports';
import { recordStackFailure, recordStackReady } from '../../use-cases/record-stack-outcome';
import { startStackCreation } from '../../use-cases/start-stack-creation';
import { workflowTask } from './task';

type StackInput = { clusterId: string; stackId: string };
type Deps<K extends keyof Dependencies> = Pick<Dependencies, K>;
type StackDeps = Deps<'config' | 'store' | 'stacks' | 'clock'>;
type WatchDeps = Omit<StackDeps, 'stacks'> & { stacks: StackReader } & Deps<'waits'>;
type AwaitDeps = Deps<'config' | 'waits' | 'tokens'>;

/** The one step both of this workflow's stack waits (its create, its clean-up) invoke. */
export const awaitStackStep = (deps: AwaitDeps) =>
  workflowTask('await stack', (input: AwaitStackInput) => awaitStack({ waits: deps.waits, tokens: deps.tokens, maxRounds: deps.config.stackWait.maxRounds }, input));
type OutcomeDeps = Deps<'store' | 'instances' | 'clock' | 'quotas' | 'followUps'> & { stacks: StackReader };

/** Each step from exactly the dependencies its use case takes. */
export const createClusterStep = {
  createStack: (deps: StackDeps) => workflowTask('create stack', (input: { clusterId: string }) => startStackCreation(deps, input.clusterId)),
  awaitCreation: awaitStackStep,
  checkStack: (deps: WatchDeps) => workflowTask('check stack', (input: CheckStackInput) => checkStackCreation(deps, input)),
  recordReady: (deps: OutcomeDeps & Deps<'instanceWaits'>) => workflowTask('record ready', (input: StackInput) => recordStackReady(deps, input)),
  recordFailure: (deps: OutcomeDeps & Deps<'consoleOutput' | 'diagnostics'>) =>
    workflowTask('record failure', (input: { clusterId: string; stackId?: string; reason?: string; stackStatus?: string }) => recordStackFailure(deps, input)),
  deleteFailedStack: (deps: StackDeps & Deps<'quotas'>) => workflowTask('delete failed stack', (input: StackInput) => cleanUp.deleteFailedStack(deps, input)),
  checkStackDeletion: (deps: StackDeps & Deps<'quotas'>) => workflowTask('check stack deletion', (input: StackInput) => cleanUp.checkStackDeletion(deps, input)),
  settleCleanup: (deps: Deps<'store' | 'clock' | 'quotas'>) =>
    workflowTask('settle cleanup', (input: { clusterId: string; status: string }) => cleanUp.settleCleanup(deps, input)),
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
    awaitCreation: createClusterStep.awaitCreation(deps),
    checkStack: createClusterStep.checkStack(deps),
    recordReady: createClusterStep.recordReady(deps),
    recordFailure: createClusterStep.recordFailure(deps),
    deleteFailedStack: createClusterStep.deleteFailedStack(deps),
    checkStackDeletion: createClusterStep.checkStackDeletion(deps),
    settleCleanup: createClusterStep.settleCleanup(deps),
    markFailed: createClusterStep.markFailed(deps),
    notify: createClusterStep.notify(deps),
    webhookGivenUp: createClusterStep.webhookGivenUp(deps),
  };
}

export type CreateClusterSteps = ReturnType<typeof createClusterSteps>;

/**
 * The DefinitionSubstitutions of statemachines/create-cluster.asl.json and the step (= function name in
 * serverless.yml, = the export of its entry file under create-cluster/) each one stands for.
 */
export const CREATE_CLUSTER_TASKS = {
  CreateStackFunctionArn: 'createStack',
  AwaitStackFunctionArn: 'awaitCreation',
  CheckStackFunctionArn: 'checkStack',
  RecordReadyFunctionArn: 'recordReady',
  RecordFailureFunctionArn: 'recordFailure',
  DeleteStackFunctionArn: 'deleteFailedStack',
  CheckDeletionFunctionArn: 'checkStackDeletion',
  SettleCleanupFunctionArn: 'settleCleanup',
  MarkFailedFunctionArn: 'markFailed',
  NotifyFunctionArn: 'notify',
  WebhookGivenUpFunctionArn: 'webhookGivenUp',
} as const satisfies Record<string, keyof CreateClusterSteps>;
