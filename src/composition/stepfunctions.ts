/** Builders on the Step Functions client: starting the create/delete workflows, reading executions, deliveries. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { buildDeliveryWorkflow } from '../adapters/stepfunctions/delivery-workflow';
import { buildWorkflowExecutions } from '../adapters/stepfunctions/workflow-executions';
import { buildWorkflowStarter } from '../adapters/stepfunctions/workflow-starter';
import type { Config } from '../config';
import type { DeliveryWorkflow, WorkflowExecutions, WorkflowStarter } from '../use-cases/ports';

export function workflowStarter(config: Config): WorkflowStarter {
  return buildWorkflowStarter(new SFNClient({ region: config.region }), { create: config.createClusterStateMachineArn, delete: config.deleteClusterStateMachineArn });
}

/** The reconciler's: DescribeExecution, and StartExecution of the create and delete workflows under a given name. */
export function workflowExecutions(config: Config, client: SFNClient = new SFNClient({ region: config.region })): WorkflowExecutions {
  return buildWorkflowExecutions(client, { create: config.createClusterStateMachineArn, delete: config.deleteClusterStateMachineArn });
}

export function deliveryWorkflow(config: Config, client: SFNClient = new SFNClient({ region: config.region })): DeliveryWorkflow {
  return buildDeliveryWorkflow(client, config.deliverWebhookStateMachineArn);
}

/** The ARN prefix of create executions: the execution ARN is this + ':' + the cluster id. */
export function createExecutionPrefix(config: Pick<Config, 'createClusterStateMachineArn'>): string {
  return config.createClusterStateMachineArn.replace(':stateMachine:', ':execution:');
}
