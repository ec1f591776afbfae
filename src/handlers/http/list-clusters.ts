import { clusterStore, type Dependencies } from '../../composition';
import { loadConfig } from '../../config';
import { listClusters } from '../../use-cases/read-clusters';
import { lazyHandler } from '../lazy';
import { listClustersQuerySchema } from './api-schemas';
import { httpHandler } from './http-handler';
import { json, parseOrThrow } from './middleware';
import { principalOf } from './principal';
import { clusterResource } from './representation';

/**
 * GET /clusters?status=&idleSince=&limit=&cursor= — the caller's clusters from an index (never a Scan): newest
 * first, or with `idleSince` those with no activity since then, least recently active first.
 */
export function listClustersHandler(deps: Pick<Dependencies, 'store'>) {
  return httpHandler(async (event) => {
    const owner = principalOf(event);
    const query = parseOrThrow(listClustersQuerySchema, event.queryStringParameters ?? {}, 'query');
    const page = await listClusters(deps.store, owner, query);
    return json(200, { items: page.items.map(clusterResource), nextCursor: page.nextCursor });
  });
}

export const handler = lazyHandler(() => listClustersHandler({ store: clusterStore(loadConfig()) }));
