import { accessPolicy } from '../../composition/access';
import type { Dependencies } from '../../composition/dependencies';
import { clusterReader } from '../../composition/dynamodb';
import type { ClusterReader } from '../../use-cases/ports';
import { loadConfig } from '../../config';
import { listClusters } from '../../use-cases/read-clusters';
import { lazyHandler } from '../lazy';
import { httpHandler } from './http-handler';
import { json, parseOrThrow } from './middleware';
import { listClustersQueryParameters } from './route-parameters';
import { callerOf } from './principal';
import { clusterResource } from './representation';

/**
 * GET /clusters?status=&idleSince=&limit=&cursor=&owner= — the caller's clusters from an index (never a Scan): newest
 * first, or with `idleSince` those with no activity since then, least recently active first. `owner` lets an
 * operator list another owner's clusters; anyone else naming another owner gets 403.
 */
export function listClustersHandler(deps: Pick<Dependencies, 'access'> & { store: ClusterReader }) {
  return httpHandler(
    async (event) => {
      const query = parseOrThrow(listClustersQueryParameters, event.queryStringParameters ?? {}, 'query');
      const page = await listClusters(deps.store, callerOf(event), query);
      return json(200, { items: page.items.map(clusterResource), nextCursor: page.nextCursor });
    },
    { access: deps.access },
  );
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return listClustersHandler({ store: clusterReader(config), access: accessPolicy(config) });
});
