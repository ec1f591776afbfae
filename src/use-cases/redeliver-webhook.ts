import type { Caller } from '../domain/access';
import type { Cluster } from '../domain/cluster';
import { MAX_DELIVERY_ROUNDS, type Delivery } from '../domain/delivery';
import { ConflictError, NotFoundError, StaleDeliveryError } from '../domain/errors';
import { logger } from '../logger';
import { record } from './lifecycle';
import type { Clock, ClusterStore, DeliveryStore, DeliveryWorkflow } from './ports';
import { getCluster } from './read-clusters';

export interface RedeliverDeps {
  store: ClusterStore;
  deliveries: DeliveryStore;
  deliveryWorkflow: DeliveryWorkflow;
  clock: Clock;
}

function refuseWithoutEndpoint(cluster: Cluster): void {
  if (!cluster.webhook) throw new ConflictError('The cluster has no webhook to deliver to.');
  if (cluster.webhook.disabledAt !== undefined) {
    throw new ConflictError(`The webhook endpoint was disabled at ${cluster.webhook.disabledAt} after answering 410 Gone; nothing more is sent to it.`);
  }
}

/**
 * Primary course:
 * 1. Find the cluster (another owner's is a 404) and the delivery.
 * 2. Refuse with 409 when there is nowhere to send it (the endpoint was disabled by a 410) or the delivery has used
 *    up its rounds.
 * 3. Open the next round: pending again, conditional on the version read, so two racing requests open one round.
 * 4. Start the round's workflow: the same body and webhook-id, a new timestamp per attempt, the full retry
 *    schedule. An older round still waiting for its next attempt stops there without sending.
 * 5. If the workflow cannot be started, settle the round as failed and rethrow: never pending with nothing behind it.
 */
export async function redeliverWebhook(deps: RedeliverDeps, command: { caller: Caller | string; clusterId: string; deliveryId: string }): Promise<Delivery> {
  const cluster = await getCluster(deps.store, command.caller, command.clusterId, 'change');
  const delivery = await deps.deliveries.get(cluster.id, command.deliveryId);
  if (!delivery) throw new NotFoundError(`Cluster ${cluster.id} has no delivery ${command.deliveryId}.`);
  // A delivery to the Slack channel needs no webhook: the attempt step posts it with the bot token.
  if (!delivery.channel) refuseWithoutEndpoint(cluster);
  if (delivery.round >= MAX_DELIVERY_ROUNDS) throw new ConflictError(`The delivery has been sent in ${MAX_DELIVERY_ROUNDS} rounds, the most allowed.`);

  const now = deps.clock.now().toISOString();
  const round = delivery.round + 1;
  let opened: Delivery;
  try {
    opened = await deps.deliveries.update(delivery, { round, status: 'pending', statusReason: `redelivery requested (round ${round})`, updatedAt: now });
  } catch (error) {
    if (error instanceof StaleDeliveryError) throw new ConflictError('The delivery changed while the redelivery was being requested; try again.', { cause: error });
    throw error;
  }

  try {
    await deps.deliveryWorkflow.start({ clusterId: cluster.id, deliveryId: delivery.deliveryId, round });
  } catch (error) {
    logger.error('redelivery workflow could not be started; settling the round', { clusterId: cluster.id, deliveryId: delivery.deliveryId, round, error });
    await deps.deliveries
      .update(opened, { status: 'failed', statusReason: 'the redelivery could not be started', updatedAt: deps.clock.now().toISOString() })
      .catch((settleError: unknown) => logger.error('redelivery round could not be settled', { clusterId: cluster.id, deliveryId: delivery.deliveryId, round, error: settleError }));
    throw error;
  }
  await record(deps, cluster.id, 'webhook.redelivery_requested', `${delivery.eventType} redelivery requested (round ${round})`, {
    deliveryId: delivery.deliveryId,
    messageId: delivery.messageId,
    round,
  });
  logger.info('webhook redelivery started', { clusterId: cluster.id, deliveryId: delivery.deliveryId, round });
  return opened;
}
