import { accessPolicy } from '../../composition/access';
import type { Dependencies } from '../../composition/dependencies';
import { clusterReader } from '../../composition/dynamodb';
import { loadConfig } from '../../config';
import { listClusterNodes } from '../../use-cases/list-cluster-nodes';
import type { ClusterReader } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';
import { httpHandler } from './http-handler';
import { clusterIdParameter, nodesQueryParameters } from './route-parameters';
import { json, parseOrThrow } from './middleware';
import { callerOf } from './principal';

/** GET /clusters/{id}/nodes: the record only (no EC2 call); any query parameter is refused (422, as on every route). */
export function listClusterNodesHandler(deps: Pick<Dependencies, 'access'> & { store: ClusterReader }) {
  return httpHandler(
    async (event) => {
      const id = parseOrThrow(clusterIdParameter, event.pathParameters?.id, 'cluster id');
      parseOrThrow(nodesQueryParameters, event.queryStringParameters ?? {}, 'query');
      return json(200, await listClusterNodes(deps, { caller: callerOf(event), id }));
    },
    { access: deps.access },
  );
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return listClusterNodesHandler({ store: clusterReader(config), access: accessPolicy(config) });
});
