import { accessPolicy } from '../../composition/access';
import type { Dependencies } from '../../composition/dependencies';
import { clusterReader } from '../../composition/dynamodb';
import type { ClusterReader } from '../../use-cases/ports';
import { loadConfig } from '../../config';
import { listClusterEvents } from '../../use-cases/read-clusters';
import { lazyHandler } from '../lazy';
import { httpHandler } from './http-handler';
import { json, parseOrThrow } from './middleware';
import { clusterIdParameter, pageQueryParameters } from './route-parameters';
import { callerOf } from './principal';
import { eventResource } from './representation';

/** GET /clusters/{id}/events — the timeline, oldest first. */
export function listClusterEventsHandler(deps: Pick<Dependencies, 'access'> & { store: ClusterReader }) {
  return httpHandler(
    async (event) => {
      const id = parseOrThrow(clusterIdParameter, event.pathParameters?.id, 'cluster id');
      const query = parseOrThrow(pageQueryParameters, event.queryStringParameters ?? {}, 'query');
      const page = await listClusterEvents(deps.store, callerOf(event), id, query);
      return json(200, { items: page.items.map(eventResource), nextCursor: page.nextCursor });
    },
    { access: deps.access },
  );
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return listClusterEventsHandler({ store: clusterReader(config), access: accessPolicy(config) });
});
