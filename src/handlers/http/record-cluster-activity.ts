import { accessPolicy } from '../../composition/access';
import type { Dependencies } from '../../composition/dependencies';
import { clusterStore } from '../../composition/dynamodb';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { recordClusterActivity } from '../../use-cases/record-cluster-activity';
import { lazyHandler } from '../lazy';
import { httpHandler } from './http-handler';
import { clusterIdParameter } from './route-parameters';
import { json, parseOrThrow } from './middleware';
import { callerOf } from './principal';
import { clusterResource } from './representation';

/** POST /clusters/{id}/activity — "someone is using this cluster": resets the idle clock. No body. Owner only. */
export function recordClusterActivityHandler(deps: Pick<Dependencies, 'store' | 'clock' | 'access'>) {
  return httpHandler(
    async (event) => {
      const id = parseOrThrow(clusterIdParameter, event.pathParameters?.id, 'cluster id');
      return json(200, clusterResource(await recordClusterActivity(deps, { caller: callerOf(event), id })));
    },
    { access: deps.access },
  );
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return recordClusterActivityHandler({ store: clusterStore(config), clock: systemClock, access: accessPolicy(config) });
});
