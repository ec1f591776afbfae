import { accessPolicy } from '../../composition/access';
import type { Dependencies } from '../../composition/dependencies';
import { clusterReader } from '../../composition/dynamodb';
import { loadConfig } from '../../config';
import { connectCluster } from '../../use-cases/connect-cluster';
import type { ClusterReader } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';
import { httpHandler } from './http-handler';
import { clusterIdParameter, nodesQueryParameters } from './route-parameters';
import { json, parseOrThrow } from './middleware';
import { callerOf } from './principal';

/** GET /clusters/{id}/connect: the record only (no AWS call); 409 when no manager of the cluster is running. */
export function connectClusterHandler(deps: Pick<Dependencies, 'access'> & { store: ClusterReader }) {
  return httpHandler(
    async (event) => {
      const id = parseOrThrow(clusterIdParameter, event.pathParameters?.id, 'cluster id');
      // No query parameters, like the nodes route: an unknown one is a 422.
      parseOrThrow(nodesQueryParameters, event.queryStringParameters ?? {}, 'query');
      return json(200, await connectCluster(deps, { caller: callerOf(event), id }));
    },
    { access: deps.access },
  );
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return connectClusterHandler({ store: clusterReader(config), access: accessPolicy(config) });
});
