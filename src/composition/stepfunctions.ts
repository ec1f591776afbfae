/** Builders on the Step Functions client: starting the create/delete workflows, reading executions, deliveries. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { buildDeliveryWorkflow } from '../adapters/stepfunctions/delivery-workflow';
import { buildTaskTokens } from '../adapters/stepfunctions/task-tokens';
import { buildWorkflowExecutions } from '../adapters/stepfunctions/workflow-executions';
import { buildUpdateStarter, buildWorkflowStarter, type UpdateStarter } from '../adapters/stepfunctions/workflow-starter';
import type { Config } from '../config';
import type { DeliveryWorkflow, TaskTokens, WorkflowExecutions, WorkflowStarter } from '../use-cases/ports';

/** SendTaskSuccess/Failure/Heartbeat, for the functions that resume a waiting workflow. */
export function taskTokens(config: Pick<Config, 'region'>): TaskTokens {
  return buildTaskTokens(new SFNClient({ region: config.region }));
}

export function workflowStarter(config: Config): WorkflowStarter {
  return buildWorkflowStarter(new SFNClient({ region: config.region }), {
    create: config.createClusterStateMachineArn,
    delete: config.deleteClusterStateMachineArn,
    update: config.updateClusterStateMachineArn,
  });
}

/** For the routes that change a running cluster: StartExecution of the update workflow only. */
export function updateStarter(config: Config): UpdateStarter {
  return buildUpdateStarter(new SFNClient({ region: config.region }), config.updateClusterStateMachineArn);
}

/** The reconciler's: DescribeExecution, and StartExecution of the create and delete workflows under a given name. */
export function workflowExecutions(config: Config, client: SFNClient = new SFNClient({ region: config.region })): WorkflowExecutions {
  return buildWorkflowExecutions(client, {
    create: config.createClusterStateMachineArn,
    delete: config.deleteClusterStateMachineArn,
    update: config.updateClusterStateMachineArn,
  });
}

export function deliveryWorkflow(config: Config, client: SFNClient = new SFNClient({ region: config.region })): DeliveryWorkflow {
  return buildDeliveryWorkflow(client, config.deliverWebhookStateMachineArn);
}

/** The ARN prefix of create executions: the execution ARN is this + ':' + the cluster id. */
export function createExecutionPrefix(config: Pick<Config, 'createClusterStateMachineArn'>): string {
  return config.createClusterStateMachineArn.replace(':stateMachine:', ':execution:');
}
