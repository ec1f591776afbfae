import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { deliveryExecutionName } from '../../domain/delivery';
import type { DeliveryExecutionInput, DeliveryWorkflow } from '../../use-cases/ports';
import { classifyAwsError } from '../aws-errors';

/**
 * Starts the deliver-webhook workflow, one execution per delivery round. The name comes from the delivery id and the
 * round, so a repeated start (a retried Notify step, a redelivery request retried by its caller) finds the execution
 * instead of starting a second sequence of attempts: AWS answers a repeat for a running execution with that
 * execution, and for a finished one with ExecutionAlreadyExists, which here means "already done", not a failure.
 */
export function buildDeliveryWorkflow(client: SFNClient, stateMachineArn: string): DeliveryWorkflow {
  const executionArn = (name: string) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  return {
    async start({ clusterId, deliveryId, round }) {
      const name = deliveryExecutionName(deliveryId, round);
      const input: DeliveryExecutionInput = { clusterId, deliveryId, round, attempt: 1 };
      try {
        const result = await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
        return result.executionArn ?? executionArn(name);
      } catch (error) {
        if (error instanceof ExecutionAlreadyExists) return executionArn(name);
        return classifyAwsError(error, 'StartExecution');
      }
    },
  };
}
