import { accessPolicy } from '../../composition/access';
import type { Dependencies } from '../../composition/dependencies';
import { clusterReader, deliveryReader, dynamoDBClient } from '../../composition/dynamodb';
import type { ClusterReader, DeliveryReader } from '../../use-cases/ports';
import { loadConfig } from '../../config';
import { listClusterDeliveries } from '../../use-cases/read-deliveries';
import { lazyHandler } from '../lazy';
import { httpHandler } from './http-handler';
import { json, parseOrThrow } from './middleware';
import { clusterIdParameter, pageQueryParameters } from './route-parameters';
import { callerOf } from './principal';
import { deliveryResource } from './representation';

/** GET /clusters/{id}/deliveries — the delivery log, oldest event first, each with its attempts. */
export function listClusterDeliveriesHandler(deps: Pick<Dependencies, 'access'> & { store: ClusterReader; deliveries: DeliveryReader }) {
  return httpHandler(
    async (event) => {
    const id = parseOrThrow(clusterIdParameter, event.pathParameters?.id, 'cluster id');
    const query = parseOrThrow(pageQueryParameters, event.queryStringParameters ?? {}, 'query');
    const page = await listClusterDeliveries(deps, callerOf(event), id, query);
    return json(200, { items: page.items.map(deliveryResource), nextCursor: page.nextCursor });
    },
    { access: deps.access },
  );
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return listClusterDeliveriesHandler({ store: clusterReader(config, dynamodb), deliveries: deliveryReader(config, dynamodb), access: accessPolicy(config) });
});
