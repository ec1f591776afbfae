import { accessPolicy } from '../../composition/access';
import type { Dependencies } from '../../composition/dependencies';
import { clusterReader, diagnosticsReader, dynamoDBClient } from '../../composition/dynamodb';
import { loadConfig } from '../../config';
import { readDiagnostics } from '../../use-cases/cluster-diagnostics';
import type { ClusterReader, DiagnosticsStore } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';
import { httpHandler } from './http-handler';
import { clusterIdParameter } from './route-parameters';
import { json, parseOrThrow } from './middleware';
import { callerOf } from './principal';

/** GET /clusters/{id}/diagnostics: the latest collected (a DynamoDB read; no EC2 call). */
export function getClusterDiagnosticsHandler(deps: Pick<Dependencies, 'access'> & { store: ClusterReader; diagnostics: Pick<DiagnosticsStore, 'get'> }) {
  return httpHandler(
    async (event) => {
      const id = parseOrThrow(clusterIdParameter, event.pathParameters?.id, 'cluster id');
      return json(200, await readDiagnostics(deps, { caller: callerOf(event), id }));
    },
    { access: deps.access },
  );
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return getClusterDiagnosticsHandler({ store: clusterReader(config, dynamodb), diagnostics: diagnosticsReader(config, dynamodb), access: accessPolicy(config) });
});
