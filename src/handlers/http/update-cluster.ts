import { accessPolicy } from '../../composition/access';
import type { Dependencies } from '../../composition/dependencies';
import { clusterStore } from '../../composition/dynamodb';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { updateClusterLifecycle } from '../../use-cases/update-cluster-lifecycle';
import { lazyHandler } from '../lazy';
import { lifecycleChangesSchema } from './api-schemas';
import { httpHandler } from './http-handler';
import { clusterIdParameter } from './route-parameters';
import { json, jsonBody, parseOrThrow } from './middleware';
import { callerOf } from './principal';
import { clusterResource } from './representation';

/** PATCH /clusters/{id} — only `expiresAt` and `idleTimeout` (null clears); any other field is a 422. Owner only. */
export function updateClusterHandler(deps: Pick<Dependencies, 'store' | 'clock' | 'access'>) {
  return httpHandler(
    async (event) => {
      const id = parseOrThrow(clusterIdParameter, event.pathParameters?.id, 'cluster id');
      const changes = parseOrThrow(lifecycleChangesSchema, event.jsonBody, 'lifecycle change');
      return json(200, clusterResource(await updateClusterLifecycle(deps, { caller: callerOf(event), id, changes })));
    },
    { access: deps.access },
  ).use(jsonBody());
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return updateClusterHandler({ store: clusterStore(config), clock: systemClock, access: accessPolicy(config) });
});
