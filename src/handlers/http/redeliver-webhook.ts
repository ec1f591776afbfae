import { accessPolicy } from '../../composition/access';
import type { Dependencies } from '../../composition/dependencies';
import { clusterStore, deliveryStore, dynamoDBClient } from '../../composition/dynamodb';
import { deliveryWorkflow } from '../../composition/stepfunctions';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { redeliverWebhook } from '../../use-cases/redeliver-webhook';
import { lazyHandler } from '../lazy';
import { httpHandler } from './http-handler';
import { json, parseOrThrow } from './middleware';
// Both ids parsed as one object, so a problem names the parameter at fault.
import { redeliveryPathParameters } from './route-parameters';
import { callerOf } from './principal';
import { deliveryResource } from './representation';

/** POST /clusters/{id}/deliveries/{deliveryId}/redeliver → 202: the same event and webhook-id, sent again. */
export function redeliverWebhookHandler(deps: Pick<Dependencies, 'store' | 'deliveries' | 'deliveryWorkflow' | 'clock' | 'access'>) {
  return httpHandler(
    async (event) => {
    const { id: clusterId, deliveryId } = parseOrThrow(redeliveryPathParameters, event.pathParameters ?? {}, 'path');
    const delivery = await redeliverWebhook(deps, { caller: callerOf(event), clusterId, deliveryId });
    return json(202, deliveryResource(delivery), { location: `/clusters/${clusterId}/deliveries` });
    },
    { access: deps.access },
  );
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return redeliverWebhookHandler({
    clock: systemClock,
    store: clusterStore(config, dynamodb),
    deliveries: deliveryStore(config, dynamodb),
    deliveryWorkflow: deliveryWorkflow(config),
    access: accessPolicy(config),
  });
});
