import { clusterStore, instanceInventory, type Dependencies } from '../../composition';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { listClusterNodes } from '../../use-cases/list-cluster-nodes';
import { lazyHandler } from '../lazy';
import { clusterIdSchema, nodesQuerySchema } from './api-schemas';
import { httpHandler } from './http-handler';
import { json, parseOrThrow } from './middleware';
import { principalOf } from './principal';

/** GET /clusters/{id}/nodes[?refresh=true] */
export function listClusterNodesHandler(deps: Pick<Dependencies, 'store' | 'instances' | 'clock'>) {
  return httpHandler(async (event) => {
    const owner = principalOf(event);
    const id = parseOrThrow(clusterIdSchema, event.pathParameters?.id, 'cluster id');
    const query = parseOrThrow(nodesQuerySchema, event.queryStringParameters ?? {}, 'query');
    return json(200, await listClusterNodes(deps, { owner, id, refresh: query.refresh === 'true' }));
  });
}

export const handler = lazyHandler(() => listClusterNodesHandler({ store: clusterStore(loadConfig()), instances: instanceInventory(), clock: systemClock }));
