/**
 * The update workflow's Lambda tasks (statemachines/update-cluster.asl.json), one builder per Task state. Each is a
 * separate function in serverless.yml with a role of its own, whose entry point is its own file under
 * update-cluster/ and builds only the dependencies its step names (docs/architecture.md, "How an entry point builds
 * only what it uses"). This module imports no client, so the registry and the local cloud can use it freely.
 */
import type { Dependencies } from '../../composition/dependencies';
import type { WebhookEventType } from '../../domain/webhook';
import type { WorkflowFailure } from '../../use-cases/mark-cluster-failed';
import { notifyClusterOutcome, recordWebhookGivenUp } from '../../use-cases/notify-cluster-outcome';
import type { StackReader, StackUpdates } from '../../use-cases/ports';
import * as update from '../../use-cases/update-cluster-stack';
import { awaitStackStep } from './create-cluster-steps';
import { workflowTask } from './task';

type Deps<K extends keyof Dependencies> = Pick<Dependencies, K>;
type TransitionDeps = Deps<'store' | 'clock' | 'quotas' | 'followUps'>;
type OutcomeDeps = TransitionDeps & Deps<'config' | 'instances' | 'instanceWaits'> & Deps<'consoleOutput' | 'diagnostics'> & { stacks: StackReader };

/** Each step from exactly the dependencies its use case takes. */
export const updateClusterStep = {
  updateStack: (deps: Deps<'store' | 'clock'> & { stackUpdates: Pick<StackUpdates, 'updateStack' | 'continueUpdateRollback'> }) => workflowTask('update stack', (input: update.UpdateInput) => update.startStackUpdate(deps, input)),
  awaitStackUpdate: awaitStackStep,
  checkStackUpdate: (deps: Deps<'store' | 'waits' | 'clock'> & { stacks: StackReader }) =>
    workflowTask('check stack update', (input: { clusterId: string; stackId: string; key: string }) => update.checkStackUpdate(deps, input)),
  recordUpdateOutcome: (deps: OutcomeDeps) =>
    workflowTask('record update outcome', (input: update.UpdateOutcomeInput) => update.recordUpdateOutcome({ ...deps, quotaLimits: deps.config.quota }, input)),
  markUpdateFailed: (deps: TransitionDeps) =>
    workflowTask('mark update failed', (input: { clusterId: string; updateId: string; failure: WorkflowFailure }) => update.markUpdateFailed(deps, input)),
  notifyUpdateOutcome: (deps: Deps<'store' | 'deliveries' | 'deliveryWorkflow' | 'clock'>) =>
    workflowTask('notify update outcome', (input: { clusterId: string; event: WebhookEventType; version: number }) => notifyClusterOutcome(deps, input)),
  updateWebhookGivenUp: (deps: Deps<'store' | 'deliveries' | 'clock'>) =>
    workflowTask('update webhook given up', (input: { clusterId: string; event: WebhookEventType; version?: number }) => recordWebhookGivenUp(deps, input)),
};

/** Every step from one set of dependencies (the local cloud, the state-machine tests). */
export function updateClusterSteps(deps: Dependencies) {
  return {
    updateStack: updateClusterStep.updateStack(deps),
    awaitStackUpdate: updateClusterStep.awaitStackUpdate(deps),
    checkStackUpdate: updateClusterStep.checkStackUpdate(deps),
    recordUpdateOutcome: updateClusterStep.recordUpdateOutcome(deps),
    markUpdateFailed: updateClusterStep.markUpdateFailed(deps),
    notifyUpdateOutcome: updateClusterStep.notifyUpdateOutcome(deps),
    updateWebhookGivenUp: updateClusterStep.updateWebhookGivenUp(deps),
  };
}

export type UpdateClusterSteps = ReturnType<typeof updateClusterSteps>;

/**
 * The DefinitionSubstitutions of statemachines/update-cluster.asl.json and the step (= function name in
 * serverless.yml, = the export of its entry file under update-cluster/) each one stands for.
 */
export const UPDATE_CLUSTER_TASKS = {
  UpdateStackFunctionArn: 'updateStack',
  AwaitStackFunctionArn: 'awaitStackUpdate',
  CheckStackFunctionArn: 'checkStackUpdate',
  RecordOutcomeFunctionArn: 'recordUpdateOutcome',
  MarkFailedFunctionArn: 'markUpdateFailed',
  NotifyFunctionArn: 'notifyUpdateOutcome',
  WebhookGivenUpFunctionArn: 'updateWebhookGivenUp',
} as const satisfies Record<string, keyof UpdateClusterSteps>;
