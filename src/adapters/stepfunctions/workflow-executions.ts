/**
 * Workflow executions by ARN, for the reconciler: what Step Functions says of one (DescribeExecution), and a start
 * under an exact name (a workflow restarted after its execution vanished).
 */
import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ExecutionState, WorkflowExecutions } from '../../use-cases/ports';
import { classifyAwsError } from '../aws-errors';

// arn:<partition>:states:<region>:<account>:execution:<state machine>:<name>
const EXECUTION_ARN = /^(arn:[^:]+:states:[^:]*:[^:]*):execution:([^:]+):([^:]+)$/;

function parts(executionArn: string): { stateMachineArn: string; name: string } {
  const match = EXECUTION_ARN.exec(executionArn);
  if (!match) throw new RangeError(`not a Step Functions execution ARN: ${executionArn}`);
  return { stateMachineArn: `${match[1]}:stateMachine:${match[2]}`, name: match[3]! };
}

/** Only these machines may be started: the reconciler restarts the cluster workflows, nothing else. */
export function buildWorkflowExecutions(client: SFNClient, stateMachines: { create: string; delete: string; update?: string }): WorkflowExecutions {
  const startable = new Set([stateMachines.create, stateMachines.delete, ...(stateMachines.update ? [stateMachines.update] : [])]);
  return {
    async describe(executionArn): Promise<ExecutionState> {
      try {
        const result = await client.send(new DescribeExecutionCommand({ executionArn, includedData: 'METADATA_ONLY' }));
        // PENDING_REDRIVE: a redrive was asked for and is about to run the execution again.
        if (result.status === 'RUNNING' || result.status === 'PENDING_REDRIVE') return { state: 'running' };
        return { state: 'ended', status: result.status ?? 'UNKNOWN', ...(result.error ? { error: result.error } : {}) };
      } catch (error) {
        if (error instanceof ExecutionDoesNotExist) return { state: 'missing' };
        return classifyAwsError(error, 'DescribeExecution');
      }
    },

    async startAt(executionArn, clusterId, extra = {}) {
      const { stateMachineArn, name } = parts(executionArn);
      if (!startable.has(stateMachineArn)) throw new RangeError(`not a cluster workflow: ${stateMachineArn}`);
      try {
        await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ clusterId, ...extra }) }));
      } catch (error) {
        if (error instanceof ExecutionAlreadyExists) return;
        classifyAwsError(error, 'StartExecution');
      }
    },
  };
}
