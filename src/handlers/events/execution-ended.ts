/**
 * EventBridge "Step Functions Execution Status Change" for the workflows that decide a cluster's status (the
 * registry's rows with `onEnded`: create, delete and update), when an execution FAILED, TIMED_OUT or was ABORTED. Catch states cannot see the state machine's own timeout, so this is what
 * guarantees that no cluster stays CREATING or DELETING after its workflow is gone: CREATING ends FAILED, DELETING
 * ends DELETE_FAILED (and may be deleted again).
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { chatFollowUps } from '../../composition/chat';
import type { Dependencies } from '../../composition/dependencies';
import { clusterStore, deliveryStore, dynamoDBClient, quotaLedger } from '../../composition/dynamodb';
import { deliveryWorkflow } from '../../composition/stepfunctions';
import { loadConfig } from '../../config';
import { ClusterMissingError } from '../../domain/errors';
import { notifyClusterOutcome } from '../../use-cases/notify-cluster-outcome';
import { logger } from '../../logger';
import { systemClock } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';
import { WORKFLOWS, type ClusterWorkflow } from '../workflow/registry';

export interface ExecutionStatusChange {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'SUCCEEDED' | 'RUNNING';
  input?: string | null;
  error?: string | null;
}

function clusterIdOf(detail: ExecutionStatusChange): string | undefined {
  try {
    const input = JSON.parse(detail.input ?? '{}') as { clusterId?: unknown };
    if (typeof input.clusterId === 'string') return input.clusterId;
  } catch {
    // fall back to the execution name, which starts with the cluster id
  }
  // `<id>`, `<id>-delete-<n>`, `<id>-u<version>` (an update), and any with `-resume-<n>` when the reconciler started
  // it again. A cluster id has no hyphen after its `c-` (domain/cluster.ts), so the suffixes cannot be part of it.
  return detail.name.replace(/-resume-\d+$/, '').split('-delete-')[0]!.replace(/-u\d+$/, '');
}

export type ExecutionEndedDeps = Pick<Dependencies, 'store' | 'clock' | 'deliveries' | 'deliveryWorkflow' | 'quotas' | 'followUps'> & {
  config: Pick<Dependencies['config'], ClusterWorkflow['configArn']>;
};

const CLUSTER_WORKFLOWS: ClusterWorkflow[] = Object.values(WORKFLOWS).filter((row): row is ClusterWorkflow => 'onEnded' in row);

export function executionEndedHandler(deps: ExecutionEndedDeps) {
  return async (event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>): Promise<void> => {
    const detail = event.detail;
    if (!['FAILED', 'TIMED_OUT', 'ABORTED'].includes(detail.status)) return;
    const clusterId = clusterIdOf(detail);
    if (!clusterId) return;
    // Only the workflows that decide a cluster's status have a backstop; any other machine's executions are not ours.
    const workflow = CLUSTER_WORKFLOWS.find((row) => detail.stateMachineArn === deps.config[row.configArn]);
    if (!workflow) return;
    logger.warn('workflow ended without finishing', { clusterId, workflow: workflow.name, status: detail.status, error: detail.error });
    const failure = { step: `the workflow was ${detail.status.toLowerCase().replace('_', ' ')}`, error: detail.error ?? detail.status };
    try {
      const result = await workflow.onEnded(deps, { clusterId, failure, executionArn: detail.executionArn });
      // The delivery has its own workflow and retries, so this path gets the same webhook guarantees as the rest.
      if (result.event) await notifyClusterOutcome(deps, { clusterId, event: result.event, version: result.version });
    } catch (error) {
      if (error instanceof ClusterMissingError) return;
      throw error;
    }
  };
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return executionEndedHandler({
    config,
    clock: systemClock,
    store: clusterStore(config, dynamodb),
    deliveries: deliveryStore(config, dynamodb),
    deliveryWorkflow: deliveryWorkflow(config),
    quotas: quotaLedger(config, dynamodb),
    followUps: chatFollowUps(config),
  });
});
