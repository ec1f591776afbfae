/**
 * The deliver-webhook workflow's Lambda tasks (statemachines/deliver-webhook.asl.json), one builder per Task state.
 * Each function's entry point is its own file under deliver-webhook/; only attemptDelivery's builds the webhook sender
 * (and so carries undici), failDelivery's only the stores.
 */
import type { Dependencies } from '../../composition/dependencies';
import { attemptWebhookDelivery, failWebhookDelivery } from '../../use-cases/attempt-webhook-delivery';
import type { DeliveryExecutionInput } from '../../use-cases/ports';
import { workflowTask } from './task';

export type DeliverWebhookDeps = Pick<Dependencies, 'config' | 'store' | 'deliveries' | 'sendWebhook' | 'postToChannel' | 'clock'> & {
  /** The jitter source; Math.random unless a test pins it. */
  random?: () => number;
};

/** Each step from exactly the dependencies its use case takes. */
export const deliverWebhookStep = {
  attemptDelivery: (deps: DeliverWebhookDeps) => {
    const attemptDeps = { ...deps, send: deps.sendWebhook, timeScale: deps.config.webhook.retryTimeScale };
    return workflowTask('attempt delivery', (input: DeliveryExecutionInput) => attemptWebhookDelivery(attemptDeps, input));
  },
  failDelivery: (deps: Pick<Dependencies, 'store' | 'deliveries' | 'clock'>) =>
    workflowTask('fail delivery', (input: { clusterId: string; deliveryId: string; round: number; error?: string }) => failWebhookDelivery(deps, input)),
};

/** Every step from one set of dependencies (the local cloud, the state-machine tests). */
export function deliverWebhookSteps(deps: DeliverWebhookDeps) {
  return {
    attemptDelivery: deliverWebhookStep.attemptDelivery(deps),
    failDelivery: deliverWebhookStep.failDelivery(deps),
  };
}

export type DeliverWebhookSteps = ReturnType<typeof deliverWebhookSteps>;

/** The DefinitionSubstitutions of statemachines/deliver-webhook.asl.json and the step each one stands for. */
export const DELIVER_WEBHOOK_TASKS = {
  AttemptDeliveryFunctionArn: 'attemptDelivery',
  FailDeliveryFunctionArn: 'failDelivery',
} as const satisfies Record<string, keyof DeliverWebhookSteps>;
