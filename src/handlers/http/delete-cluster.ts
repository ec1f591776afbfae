import { clusterStore, workflowStarter, type Dependencies } from '../../composition';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { requestClusterDeletion } from '../../use-cases/request-cluster-deletion';
import { lazyHandler } from '../lazy';
import { clusterIdSchema } from './api-schemas';
import { httpHandler } from './http-handler';
import { json, parseOrThrow } from './middleware';
import { principalOf } from './principal';
import { clusterResource } from './representation';

/**
 * DELETE /clusters/{id} → 202 with the cluster in DELETING (a CREATING cluster's create is cancelled). Idempotent:
 * a DELETING or DELETED cluster is answered with its state and nothing new starts.
 */
export function deleteClusterHandler(deps: Pick<Dependencies, 'store' | 'workflows' | 'clock'>) {
  return httpHandler(async (event) => {
    const owner = principalOf(event);
    const id = parseOrThrow(clusterIdSchema, event.pathParameters?.id, 'cluster id');
    const cluster = await requestClusterDeletion(deps, { owner, id });
    return json(202, clusterResource(cluster), { location: `/clusters/${cluster.id}` });
  });
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return deleteClusterHandler({ store: clusterStore(config), workflows: workflowStarter(config), clock: systemClock });
});
