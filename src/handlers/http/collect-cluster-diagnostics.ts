import { accessPolicy } from '../../composition/access';
import type { Dependencies } from '../../composition/dependencies';
import { clusterReader, diagnosticsStore, dynamoDBClient } from '../../composition/dynamodb';
import { diagnosticsRequests } from '../../composition/eventbridge';
import { loadConfig } from '../../config';
import { requestDiagnostics } from '../../use-cases/cluster-diagnostics';
import type { ClusterReader } from '../../use-cases/ports';
import { systemClock } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';
import { httpHandler } from './http-handler';
import { clusterIdParameter } from './route-parameters';
import { json, parseOrThrow } from './middleware';
import { callerOf } from './principal';

/**
 * POST /clusters/{id}/diagnostics: records the request and hands the collection to the collector function (an event
 * on the default bus); answers 202 at once with the request (`status: collecting`), the same one while it runs.
 * GET shows it `ready` (or `failed`) once collected. No EC2 or SSM client here.
 */
export function collectClusterDiagnosticsHandler(deps: Pick<Dependencies, 'access' | 'diagnostics' | 'clock' | 'diagnosticsRequests'> & { store: ClusterReader }) {
  return httpHandler(
    async (event) => {
      const id = parseOrThrow(clusterIdParameter, event.pathParameters?.id, 'cluster id');
      const diagnostics = await requestDiagnostics(
        { store: deps.store, diagnostics: deps.diagnostics, requests: deps.diagnosticsRequests, clock: deps.clock },
        { caller: callerOf(event), id },
      );
      return json(202, diagnostics, { location: `/clusters/${id}/diagnostics` });
    },
    { access: deps.access },
  );
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return collectClusterDiagnosticsHandler({
    store: clusterReader(config, dynamodb),
    diagnostics: diagnosticsStore(config, dynamodb),
    diagnosticsRequests: diagnosticsRequests(config),
    clock: systemClock,
    access: accessPolicy(config),
  });
});
