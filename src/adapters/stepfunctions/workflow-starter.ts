import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { WorkflowStarter } from '../../use-cases/ports';
import { classifyAwsError } from '../aws-errors';

/**
 * Starts workflows. The execution name is the cluster id, so a retried start with the same input finds the same
 * execution instead of starting a second one (Standard workflows are idempotent by name for 90 days).
 */
export function buildWorkflowStarter(client: SFNClient, stateMachines: { create: string }): WorkflowStarter {
  return {
    async startCreate(clusterId) {
      try {
        const result = await client.send(
          new StartExecutionCommand({ stateMachineArn: stateMachines.create, name: clusterId, input: JSON.stringify({ clusterId }) }),
        );
        return result.executionArn ?? '';
      } catch (error) {
        return classifyAwsError(error, 'StartExecution');
      }
    },
  };
}
