/**
 * The delete workflow's Lambda tasks (statemachines/delete-cluster.asl.json), one export per Task state. Each is a
 * separate function in serverless.yml; they share this module because each is a one-line call into a use case.
 */
import { dependencies, type Dependencies } from '../../composition';
import type { PollState } from '../../domain/stack';
import type { WebhookEventType } from '../../domain/webhook';
import * as stack from '../../use-cases/delete-cluster-stack';
import * as finish from '../../use-cases/finish-cluster-deletion';
import type { WorkflowFailure } from '../../use-cases/mark-cluster-failed';
import { notifyClusterOutcome, recordWebhookGivenUp } from '../../use-cases/notify-cluster-outcome';
import { lambdaSteps, workflowTask } from './task';

export function deleteClusterSteps(deps: Dependencies) {
  const poll = deps.config.stackPoll;
  const stackDeps = { store: deps.store, stacks: deps.stacks, clock: deps.clock, poll, maxAttempts: deps.config.deleteMaxAttempts };
  const instanceDeps = { store: deps.store, instances: deps.instances, clock: deps.clock, poll, quotas: deps.quotas, followUps: deps.followUps };
  return {
    removeStack: workflowTask('remove stack', (input: { clusterId: string; attempt: number }) => stack.removeStack(stackDeps, input)),
    checkStackRemoval: workflowTask('check stack removal', (input: stack.CheckRemovalInput) => stack.checkStackRemoval(stackDeps, input)),
    readDeleteFailure: workflowTask('read delete failure', (input: { clusterId: string; stackId: string; attempt: number }) => stack.readDeleteFailure(stackDeps, input)),
    checkInstancesTerminated: workflowTask('check instances terminated', (input: { clusterId: string; poll: PollState; lastRemaining?: number }) =>
      finish.checkInstancesTerminated(instanceDeps, input),
    ),
    markDeleted: workflowTask('mark deleted', (input: { clusterId: string; total: number }) => finish.markClusterDeleted(instanceDeps, input)),
    markDeleteFailed: workflowTask('mark delete failed', (input: { clusterId: string; reason?: string; failure?: WorkflowFailure }) =>
      finish.markClusterDeleteFailed(deps, input),
    ),
    notifyDeleteOutcome: workflowTask('notify delete outcome', (input: { clusterId: string; event: WebhookEventType; version: number }) => notifyClusterOutcome(deps, input)),
    deleteWebhookGivenUp: workflowTask('delete webhook given up', (input: { clusterId: string; event: WebhookEventType; version?: number }) =>
      recordWebhookGivenUp(deps, input),
    ),
  };
}

export type DeleteClusterSteps = ReturnType<typeof deleteClusterSteps>;

const lambdaStep = lambdaSteps(() => deleteClusterSteps(dependencies()));

export const removeStack = lambdaStep('removeStack');
export const checkStackRemoval = lambdaStep('checkStackRemoval');
export const readDeleteFailure = lambdaStep('readDeleteFailure');
export const checkInstancesTerminated = lambdaStep('checkInstancesTerminated');
export const markDeleted = lambdaStep('markDeleted');
export const markDeleteFailed = lambdaStep('markDeleteFailed');
export const notifyDeleteOutcome = lambdaStep('notifyDeleteOutcome');
export const deleteWebhookGivenUp = lambdaStep('deleteWebhookGivenUp');

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
