import { clusterStore, type Dependencies } from '../../composition';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { recordClusterActivity } from '../../use-cases/record-cluster-activity';
import { lazyHandler } from '../lazy';
import { clusterIdSchema } from './api-schemas';
import { httpHandler } from './http-handler';
import { json, parseOrThrow } from './middleware';
import { principalOf } from './principal';
import { clusterResource } from './representation';

/** POST /clusters/{id}/activity — "someone is using this cluster": resets the idle clock. No body. */
export function recordClusterActivityHandler(deps: Pick<Dependencies, 'store' | 'clock'>) {
  return httpHandler(async (event) => {
    const owner = principalOf(event);
    const id = parseOrThrow(clusterIdSchema, event.pathParameters?.id, 'cluster id');
    return json(200, clusterResource(await recordClusterActivity(deps, { owner, id })));
  });
}

export const handler = lazyHandler(() => recordClusterActivityHandler({ store: clusterStore(loadConfig()), clock: systemClock }));
