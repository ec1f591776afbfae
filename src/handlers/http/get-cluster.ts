import { accessPolicy } from '../../composition/access';
import type { Dependencies } from '../../composition/dependencies';
import { clusterReader } from '../../composition/dynamodb';
import type { ClusterReader } from '../../use-cases/ports';
import { loadConfig } from '../../config';
import { getClusterWithProgress } from '../../use-cases/read-clusters';
import { lazyHandler } from '../lazy';
import { httpHandler } from './http-handler';
import { clusterIdParameter } from './route-parameters';
import { json, parseOrThrow } from './middleware';
import { callerOf } from './principal';
import { clusterResource } from './representation';

/** GET /clusters/{id} — the owner's cluster, or any cluster for an operator; 404 for anyone else. */
export function getClusterHandler(deps: Pick<Dependencies, 'access'> & { store: ClusterReader }) {
  return httpHandler(
    async (event) => {
      const id = parseOrThrow(clusterIdParameter, event.pathParameters?.id, 'cluster id');
      return json(200, clusterResource(await getClusterWithProgress(deps.store, callerOf(event), id)));
    },
    { access: deps.access },
  );
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return getClusterHandler({ store: clusterReader(config), access: accessPolicy(config) });
});
