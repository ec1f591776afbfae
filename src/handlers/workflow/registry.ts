/**
 * Every Step Functions workflow of the service, one row each. The local cloud builds its state machines from these
 * rows, the execution-ended backstop routes by them, and the tests (deployment, state-machine scenarios, ASL lint)
 * check serverless.yml and statemachines/ against them. Adding a workflow: its ASL, its steps module, one row here,
 * and its state machine in serverless.yml (see docs/architecture.md).
 */
import type { Context } from 'aws-lambda';
import type { Dependencies } from '../../composition';
import type { Config } from '../../config';
import type { WebhookEventType } from '../../domain/webhook';
import { markClusterDeleteFailed } from '../../use-cases/finish-cluster-deletion';
import type { TransitionDeps } from '../../use-cases/lifecycle';
import { markClusterFailed, type WorkflowFailure } from '../../use-cases/mark-cluster-failed';
import { markUpdateFailed } from '../../use-cases/update-cluster-stack';
import { CREATE_CLUSTER_TASKS, createClusterSteps } from './create-cluster-steps';
import { DELETE_CLUSTER_TASKS, deleteClusterSteps } from './delete-cluster-steps';
import { DELIVER_WEBHOOK_TASKS, deliverWebhookSteps } from './deliver-webhook-steps';
import { UPDATE_CLUSTER_TASKS, updateClusterSteps } from './update-cluster-steps';

/** What the backstop knows about an execution that FAILED, TIMED_OUT or was ABORTED. */
export interface EndedExecution {
  clusterId: string;
  failure: WorkflowFailure;
  executionArn: string;
}

export interface WorkflowRow {
  /** The state machine's name after the service prefix (`swarm-provisioner-<stage>-<name>`, `swarm-provisioner-local-<name>`). */
  name: string;
  /** Its definition, under statemachines/. */
  aslFile: string;
  /** DefinitionSubstitutions token → step (= function name in serverless.yml = export of the steps module). */
  tasks: Record<string, string>;
  /** Every step from one set of dependencies (the local cloud runs them in-process). */
  steps: (deps: Dependencies) => Record<string, (input: never, context?: Context) => Promise<unknown>>;
  /** The environment variable that carries its ARN, and the Config field loadConfig reads it into. */
  arnVariable: string;
  configArn: keyof Config & `${string}StateMachineArn`;
  /**
   * Set when the workflow decides a cluster's status: what the execution-ended backstop does when an execution ends
   * without finishing (the EventBridge rule in serverless.yml matches exactly these workflows). Resolves with the
   * event to deliver, if the cluster changed.
   */
  onEnded?: (deps: TransitionDeps, ended: EndedExecution) => Promise<{ event: WebhookEventType | undefined; version: number }>;
}

export const WORKFLOWS = {
  createCluster: {
    name: 'create-cluster',
    aslFile: 'create-cluster.asl.json',
    tasks: CREATE_CLUSTER_TASKS,
    steps: createClusterSteps,
    arnVariable: 'CREATE_CLUSTER_STATE_MACHINE_ARN',
    configArn: 'createClusterStateMachineArn',
    // A create that ends without an outcome leaves the cluster FAILED.
    onEnded: (deps, { clusterId, failure }) => markClusterFailed(deps, { clusterId, failure }),
  },
  deleteCluster: {
    name: 'delete-cluster',
    aslFile: 'delete-cluster.asl.json',
    tasks: DELETE_CLUSTER_TASKS,
    steps: deleteClusterSteps,
    arnVariable: 'DELETE_CLUSTER_STATE_MACHINE_ARN',
    configArn: 'deleteClusterStateMachineArn',
    // DELETE_FAILED (it may be deleted again), and only by the cluster's current delete: an older execution ending
    // late must not fail a newer request.
    onEnded: (deps, ended) => markClusterDeleteFailed(deps, ended),
  },
  updateCluster: {
    name: 'update-cluster',
    aslFile: 'update-cluster.asl.json',
    tasks: UPDATE_CLUSTER_TASKS,
    steps: updateClusterSteps,
    arnVariable: 'UPDATE_CLUSTER_STATE_MACHINE_ARN',
    configArn: 'updateClusterStateMachineArn',
    // UPDATE_FAILED (it may be changed again or deleted), and only by the cluster's current update: an older execution
    // ending late, or one a delete stopped, leaves the cluster alone.
    onEnded: (deps, { clusterId, failure, executionArn }) => markUpdateFailed(deps, { clusterId, executionArn, failure }),
  },
  deliverWebhook: {
    name: 'deliver-webhook',
    aslFile: 'deliver-webhook.asl.json',
    tasks: DELIVER_WEBHOOK_TASKS,
    steps: deliverWebhookSteps,
    arnVariable: 'DELIVER_WEBHOOK_STATE_MACHINE_ARN',
    configArn: 'deliverWebhookStateMachineArn',
  },
} satisfies Record<string, WorkflowRow>;

/** The rows, for whoever treats every workflow alike. */
export const workflowRows: WorkflowRow[] = Object.values(WORKFLOWS);

/** The workflows that decide a cluster's status, and so have a backstop. */
export type ClusterWorkflow = Extract<(typeof WORKFLOWS)[keyof typeof WORKFLOWS], { onEnded: unknown }>;
