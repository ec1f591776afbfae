import { clusterStore, type Dependencies } from '../../composition';
import { loadConfig } from '../../config';
import { getCluster } from '../../use-cases/read-clusters';
import { lazyHandler } from '../lazy';
import { clusterIdSchema } from './api-schemas';
import { httpHandler } from './http-handler';
import { json, parseOrThrow } from './middleware';
import { principalOf } from './principal';
import { clusterResource } from './representation';

/** GET /clusters/{id} */
export function getClusterHandler(deps: Pick<Dependencies, 'store'>) {
  return httpHandler(async (event) => {
    const owner = principalOf(event);
    const id = parseOrThrow(clusterIdSchema, event.pathParameters?.id, 'cluster id');
    return json(200, clusterResource(await getCluster(deps.store, owner, id)));
  });
}

export const handler = lazyHandler(() => getClusterHandler({ store: clusterStore(loadConfig()) }));
