import { ExecutionAlreadyExists, ExecutionDoesNotExist, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { ServiceUnavailableError } from '../../domain/errors';
import type { WorkflowStarter } from '../../use-cases/ports';
import { classifyAwsError } from '../aws-errors';

const executionPrefix = (stateMachineArn: string) => stateMachineArn.replace(':stateMachine:', ':execution:');

/**
 * Starts and stops workflows. A create execution is named after the cluster, a delete execution after the cluster
 * and the delete request (`<id>-delete-<n>`: a DELETE_FAILED cluster can be deleted again), so a retried start finds
 * the same execution instead of starting a second one (Standard workflows are idempotent by name for 90 days: the same
 * name and input while the execution is open answers with it; a name whose execution has closed, or other input, gets
 * ExecutionAlreadyExists — https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
 * An update execution is named after the cluster and the update (`<id>-u<version>`), the same way.
 */
export function buildWorkflowStarter(client: SFNClient, stateMachines: { create: string; delete: string; update?: string }): WorkflowStarter {
  const deleteExecutionName = (clusterId: string, request: number) => `${clusterId}-delete-${request}`;
  return {
    ...buildUpdateStarter(client, stateMachines.update),

    async startCreate(clusterId) {
      try {
        const result = await client.send(
          new StartExecutionCommand({ stateMachineArn: stateMachines.create, name: clusterId, input: JSON.stringify({ clusterId }) }),
        );
        return result.executionArn ?? `${executionPrefix(stateMachines.create)}:${clusterId}`;
      } catch (error) {
        // The input is always `{clusterId}`, so a same-name execution with other input cannot exist: Step Functions
        // answers this only when the cluster's execution has already ended (a start repeated by a retried request).
        if (error instanceof ExecutionAlreadyExists) return `${executionPrefix(stateMachines.create)}:${clusterId}`;
        return classifyAwsError(error, 'StartExecution');
      }
    },

    deleteExecutionArn(clusterId, request) {
      return `${executionPrefix(stateMachines.delete)}:${deleteExecutionName(clusterId, request)}`;
    },

    async startDelete(clusterId, request) {
      const name = deleteExecutionName(clusterId, request);
      try {
        const result = await client.send(new StartExecutionCommand({ stateMachineArn: stateMachines.delete, name, input: JSON.stringify({ clusterId }) }));
        return result.executionArn ?? this.deleteExecutionArn(clusterId, request);
      } catch (error) {
        // This request's execution already ran (a start repeated after it ended): it is the one, nothing new starts.
        if (error instanceof ExecutionAlreadyExists) return this.deleteExecutionArn(clusterId, request);
        return classifyAwsError(error, 'StartExecution');
      }
    },

    async stop(executionArn, reason) {
      try {
        await client.send(new StopExecutionCommand({ executionArn, error: reason.error, cause: reason.cause }));
      } catch (error) {
        if (error instanceof ExecutionDoesNotExist) return;
        classifyAwsError(error, 'StopExecution');
      }
    },
  };
}

/** What the routes that change a running cluster need: starting the update workflow, and nothing else. */
export type UpdateStarter = Pick<WorkflowStarter, 'startUpdate' | 'updateExecutionArn'>;

/**
 * Starts the update workflow. Its own factory so that the routes that only start updates carry (and are allowed)
 * StartExecution alone. An execution is named `<cluster id>-<update id>`, its input `{ clusterId, updateId }`.
 */
export function buildUpdateStarter(client: SFNClient, stateMachineArn: string | undefined): UpdateStarter {
  const name = (clusterId: string, updateId: string) => `${clusterId}-${updateId}`;
  // Until the update workflow is deployed (UPDATE_CLUSTER_STATE_MACHINE_ARN unset) a change cannot start: a 503 the
  // caller may retry, and the record goes back to where it was.
  const machine = (): string => {
    if (!stateMachineArn) throw new ServiceUnavailableError('Changing a running cluster is not available in this deployment yet (no update workflow).');
    return stateMachineArn;
  };
  return {
    updateExecutionArn(clusterId, updateId) {
      return `${executionPrefix(stateMachineArn ?? 'arn:aws:states:::stateMachine:update-cluster')}:${name(clusterId, updateId)}`;
    },

    async startUpdate(clusterId, updateId) {
      const arn = machine();
      try {
        const result = await client.send(new StartExecutionCommand({ stateMachineArn: arn, name: name(clusterId, updateId), input: JSON.stringify({ clusterId, updateId }) }));
        return result.executionArn ?? `${executionPrefix(arn)}:${name(clusterId, updateId)}`;
      } catch (error) {
        // The input follows from the name, so this answer means this update's execution already ran: nothing new.
        if (error instanceof ExecutionAlreadyExists) return `${executionPrefix(arn)}:${name(clusterId, updateId)}`;
        return classifyAwsError(error, 'StartExecution');
      }
    },
  };
}
