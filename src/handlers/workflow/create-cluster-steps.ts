/**
 * The create workflow's Lambda tasks (statemachines/create-cluster.asl.json), one export per Task state. Each is a
 * separate function in serverless.yml; they share this module because each is a one-line call into a use case.
 */
import { dependencies, type Dependencies } from '../../composition';
import type { WebhookEventType } from '../../domain/webhook';
import { checkStackCreation, type CheckStackInput } from '../../use-cases/check-stack';
import * as cleanUp from '../../use-cases/clean-up-failed-stack';
import { markClusterFailed, type WorkflowFailure } from '../../use-cases/mark-cluster-failed';
import { notifyClusterOutcome, recordWebhookGivenUp } from '../../use-cases/notify-cluster-outcome';
import { recordStackFailure, recordStackReady } from '../../use-cases/record-stack-outcome';
import { startStackCreation } from '../../use-cases/start-stack-creation';
import type { PollState } from '../../domain/stack';
import { lambdaSteps, workflowTask } from './task';

type StackInput = { clusterId: string; stackId: string };

export function createClusterSteps(deps: Dependencies) {
  const poll = deps.config.stackPoll;
  const stackDeps = { store: deps.store, stacks: deps.stacks, clock: deps.clock, poll, quotas: deps.quotas };
  const outcomeDeps = { store: deps.store, stacks: deps.stacks, instances: deps.instances, clock: deps.clock, quotas: deps.quotas, followUps: deps.followUps };
  return {
    createStack: workflowTask('create stack', (input: { clusterId: string }) =>
      startStackCreation({ ...stackDeps, isStackAlreadyExists: deps.isStackAlreadyExists }, input.clusterId),
    ),
    checkStack: workflowTask('check stack', (input: CheckStackInput) => checkStackCreation(stackDeps, input)),
    recordReady: workflowTask('record ready', (input: StackInput) => recordStackReady(outcomeDeps, input)),
    recordFailure: workflowTask('record failure', (input: { clusterId: string; stackId?: string; reason?: string }) => recordStackFailure(outcomeDeps, input)),
    deleteFailedStack: workflowTask('delete failed stack', (input: StackInput) => cleanUp.deleteFailedStack(stackDeps, input)),
    checkStackDeletion: workflowTask('check stack deletion', (input: StackInput & { poll: PollState }) => cleanUp.checkStackDeletion(stackDeps, input)),
    markFailed: workflowTask('mark failed', (input: { clusterId: string; failure: WorkflowFailure }) => markClusterFailed(deps, input)),
    notify: workflowTask('notify', (input: { clusterId: string; event: WebhookEventType; version: number }) => notifyClusterOutcome(deps, input)),
    webhookGivenUp: workflowTask('webhook given up', (input: { clusterId: string; event: WebhookEventType; version?: number }) => recordWebhookGivenUp(deps, input)),
  };
}

export type CreateClusterSteps = ReturnType<typeof createClusterSteps>;

const lambdaStep = lambdaSteps(() => createClusterSteps(dependencies()));

export const createStack = lambdaStep('createStack');
export const checkStack = lambdaStep('checkStack');
export const recordReady = lambdaStep('recordReady');
export const recordFailure = lambdaStep('recordFailure');
export const deleteFailedStack = lambdaStep('deleteFailedStack');
export const checkStackDeletion = lambdaStep('checkStackDeletion');
export const markFailed = lambdaStep('markFailed');
export const notify = lambdaStep('notify');
export const webhookGivenUp = lambdaStep('webhookGivenUp');

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
