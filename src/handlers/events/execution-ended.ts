/**
 * EventBridge "Step Functions Execution Status Change" for the create and delete workflows, when an execution
 * FAILED, TIMED_OUT or was ABORTED. Catch states cannot see the state machine's own timeout, so this is what
 * guarantees that no cluster stays CREATING or DELETING after its workflow is gone: CREATING ends FAILED, DELETING
 * ends DELETE_FAILED (and may be deleted again).
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { dependencies, type Dependencies } from '../../composition';
import { markClusterDeleteFailed } from '../../use-cases/finish-cluster-deletion';
import { ClusterMissingError } from '../../use-cases/lifecycle';
import { markClusterFailed } from '../../use-cases/mark-cluster-failed';
import { notifyClusterOutcome, WebhookRetryableError } from '../../use-cases/notify-cluster-outcome';
import { logger } from '../../logger';
import { lazyHandler } from '../lazy';

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
  return detail.name.split('-delete-')[0];
}

export function executionEndedHandler(deps: Pick<Dependencies, 'store' | 'clock' | 'sendWebhook' | 'config'>) {
  return async (event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>): Promise<void> => {
    const detail = event.detail;
    if (!['FAILED', 'TIMED_OUT', 'ABORTED'].includes(detail.status)) return;
    const clusterId = clusterIdOf(detail);
    if (!clusterId) return;
    const isDelete = detail.stateMachineArn === deps.config.deleteClusterStateMachineArn;
    logger.warn('workflow ended without finishing', { clusterId, workflow: isDelete ? 'delete' : 'create', status: detail.status, error: detail.error });
    const failure = { step: `the workflow was ${detail.status.toLowerCase().replace('_', ' ')}`, error: detail.error ?? detail.status };
    try {
      const result = isDelete
        ? // Only the cluster's current delete: an older execution ending late must not fail a newer request.
          await markClusterDeleteFailed(deps, { clusterId, failure, executionArn: detail.executionArn })
        : await markClusterFailed(deps, { clusterId, failure });
      if (result.event) {
        await notifyClusterOutcome({ store: deps.store, clock: deps.clock, send: deps.sendWebhook }, { clusterId, event: result.event, version: result.version }).catch((error: unknown) => {
          // One attempt only: this path already runs outside the workflow and its retries.
          if (!(error instanceof WebhookRetryableError)) throw error;
        });
      }
    } catch (error) {
      if (error instanceof ClusterMissingError) return;
      throw error;
    }
  };
}

export const handler = lazyHandler(() => executionEndedHandler(dependencies()));
