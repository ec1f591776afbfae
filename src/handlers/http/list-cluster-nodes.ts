import { accessPolicy } from '../../composition/access';
import type { Dependencies } from '../../composition/dependencies';
import { clusterStore } from '../../composition/dynamodb';
import { instanceInventory } from '../../composition/ec2';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { listClusterNodes } from '../../use-cases/list-cluster-nodes';
import { lazyHandler } from '../lazy';
import { httpHandler } from './http-handler';
import { clusterIdParameter, nodesQueryParameters } from './route-parameters';
import { json, parseOrThrow } from './middleware';
import { callerOf } from './principal';

/** GET /clusters/{id}/nodes[?refresh=true] */
export function listClusterNodesHandler(deps: Pick<Dependencies, 'store' | 'instances' | 'clock' | 'access'>) {
  return httpHandler(
    async (event) => {
      const id = parseOrThrow(clusterIdParameter, event.pathParameters?.id, 'cluster id');
      const query = parseOrThrow(nodesQueryParameters, event.queryStringParameters ?? {}, 'query');
      return json(200, await listClusterNodes(deps, { caller: callerOf(event), id, refresh: query.refresh === 'true' }));
    },
    { access: deps.access },
  );
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return listClusterNodesHandler({ store: clusterStore(config), instances: instanceInventory(), clock: systemClock, access: accessPolicy(config) });
});
