import { clusterStore, type Dependencies } from '../../composition';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { updateClusterLifecycle } from '../../use-cases/update-cluster-lifecycle';
import { lazyHandler } from '../lazy';
import { clusterIdSchema, lifecycleChangesSchema } from './api-schemas';
import { httpHandler } from './http-handler';
import { json, jsonBody, parseOrThrow } from './middleware';
import { principalOf } from './principal';
import { clusterResource } from './representation';

/** PATCH /clusters/{id} — only `expiresAt` and `idleTimeout` (null clears); any other field is a 422. */
export function updateClusterHandler(deps: Pick<Dependencies, 'store' | 'clock'>) {
  return httpHandler(async (event) => {
    const owner = principalOf(event);
    const id = parseOrThrow(clusterIdSchema, event.pathParameters?.id, 'cluster id');
    const changes = parseOrThrow(lifecycleChangesSchema, event.jsonBody, 'lifecycle change');
    return json(200, clusterResource(await updateClusterLifecycle(deps, { owner, id, changes })));
  }).use(jsonBody());
}

export const handler = lazyHandler(() => updateClusterHandler({ store: clusterStore(loadConfig()), clock: systemClock }));
