/**
 * The deliver-webhook workflow's Lambda tasks (statemachines/deliver-webhook.asl.json), one export per Task state.
 */
import type { Dependencies } from '../../composition/dependencies';
import { clusterStore, deliveryStore, dynamoDBClient } from '../../composition/dynamodb';
import { webhookSender } from '../../composition/webhook-sender';
import type { Config } from '../../config';
import { attemptWebhookDelivery, failWebhookDelivery } from '../../use-cases/attempt-webhook-delivery';
import { systemClock, type DeliveryExecutionInput } from '../../use-cases/ports';
import { lambdaStep, workflowTask } from './task';

export type DeliverWebhookDeps = Pick<Dependencies, 'config' | 'store' | 'deliveries' | 'sendWebhook' | 'clock'> & {
  /** The jitter source; Math.random unless a test pins it. */
  random?: () => number;
};

export function deliverWebhookSteps(deps: DeliverWebhookDeps) {
  const attemptDeps = { ...deps, send: deps.sendWebhook, timeScale: deps.config.webhook.retryTimeScale };
  return {
    attemptDelivery: workflowTask('attempt delivery', (input: DeliveryExecutionInput) => attemptWebhookDelivery(attemptDeps, input)),
    failDelivery: workflowTask('fail delivery', (input: { clusterId: string; deliveryId: string; round: number; error?: string }) => failWebhookDelivery(deps, input)),
  };
}

export type DeliverWebhookSteps = ReturnType<typeof deliverWebhookSteps>;

/** Only what the delivery tasks use, so their bundle carries no CloudFormation or EC2 client. */
function build(config: Config): DeliverWebhookSteps {
  const dynamodb = dynamoDBClient(config);
  return deliverWebhookSteps({
    config,
    clock: systemClock,
    store: clusterStore(config, dynamodb),
    deliveries: deliveryStore(config, dynamodb),
    sendWebhook: webhookSender(config),
  });
}

export const attemptDelivery = /* @__PURE__ */ lambdaStep((config) => build(config).attemptDelivery);
export const failDelivery = /* @__PURE__ */ lambdaStep((config) => build(config).failDelivery);

/** The DefinitionSubstitutions of statemachines/deliver-webhook.asl.json and the step each one stands for. */
export const DELIVER_WEBHOOK_TASKS = {
  AttemptDeliveryFunctionArn: 'attemptDelivery',
  FailDeliveryFunctionArn: 'failDelivery',
} as const satisfies Record<string, keyof DeliverWebhookSteps>;
