/**
 * EventBridge "Step Functions Execution Status Change" for the create workflow, when an execution FAILED, TIMED_OUT
 * or was ABORTED. Catch states cannot see the state machine's own timeout, so this is what guarantees that no
 * cluster stays CREATING after its workflow is gone.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { dependencies, type Dependencies } from '../../composition';
import { ClusterMissingError } from '../../use-cases/lifecycle';
import { markClusterFailed } from '../../use-cases/mark-cluster-failed';
import { notifyClusterOutcome } from '../../use-cases/notify-cluster-outcome';
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
    // fall back to the execution name, which is the cluster id
  }
  return detail.name;
}

export function executionEndedHandler(deps: Pick<Dependencies, 'store' | 'clock' | 'deliveries' | 'deliveryWorkflow' | 'quotas' | 'followUps'>) {
  return async (event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>): Promise<void> => {
    const detail = event.detail;
    if (!['FAILED', 'TIMED_OUT', 'ABORTED'].includes(detail.status)) return;
    const clusterId = clusterIdOf(detail);
    if (!clusterId) return;
    logger.warn('create workflow ended without finishing', { clusterId, status: detail.status, error: detail.error });
    try {
      const result = await markClusterFailed(deps, {
        clusterId,
        failure: { step: `the workflow was ${detail.status.toLowerCase().replace('_', ' ')}`, error: detail.error ?? detail.status },
      });
      // The delivery has its own workflow and retries, so this path gets the same webhook guarantees as the rest.
      if (result.event) await notifyClusterOutcome(deps, { clusterId, event: result.event, version: result.version });
    } catch (error) {
      if (error instanceof ClusterMissingError) return;
      throw error;
    }
  };
}

export const handler = lazyHandler(() => executionEndedHandler(dependencies()));
