import { clusterStore, type Dependencies } from '../../composition';
import { loadConfig } from '../../config';
import { listClusterEvents } from '../../use-cases/read-clusters';
import { lazyHandler } from '../lazy';
import { clusterIdSchema, pageQuerySchema } from './api-schemas';
import { httpHandler } from './http-handler';
import { json, parseOrThrow } from './middleware';
import { principalOf } from './principal';
import { eventResource } from './representation';

/** GET /clusters/{id}/events — the timeline, oldest first. */
export function listClusterEventsHandler(deps: Pick<Dependencies, 'store'>) {
  return httpHandler(async (event) => {
    const owner = principalOf(event);
    const id = parseOrThrow(clusterIdSchema, event.pathParameters?.id, 'cluster id');
    const query = parseOrThrow(pageQuerySchema, event.queryStringParameters ?? {}, 'query');
    const page = await listClusterEvents(deps.store, owner, id, query);
    return json(200, { items: page.items.map(eventResource), nextCursor: page.nextCursor });
  });
}

export const handler = lazyHandler(() => listClusterEventsHandler({ store: clusterStore(loadConfig()) }));
