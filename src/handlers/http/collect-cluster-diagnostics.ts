import { accessPolicy } from '../../composition/access';
import type { Dependencies } from '../../composition/dependencies';
import { clusterStore, diagnosticsStore, dynamoDBClient } from '../../composition/dynamodb';
import { consoleOutputReader, instanceInventory } from '../../composition/ec2';
import { nodeCommands } from '../../composition/ssm';
import { loadConfig } from '../../config';
import { requestDiagnostics } from '../../use-cases/cluster-diagnostics';
import { systemClock } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';
import { httpHandler } from './http-handler';
import { clusterIdParameter } from './route-parameters';
import { json, parseOrThrow } from './middleware';
import { callerOf } from './principal';

/** POST /clusters/{id}/diagnostics: collects now (at most five GetConsoleOutput calls; on a READY cluster, docker info and docker node ls on a manager) and answers 202 with the result. */
export function collectClusterDiagnosticsHandler(deps: Pick<Dependencies, 'access' | 'diagnostics' | 'store' | 'instances' | 'consoleOutput' | 'clock' | 'nodeCommands'>) {
  return httpHandler(
    async (event) => {
      const id = parseOrThrow(clusterIdParameter, event.pathParameters?.id, 'cluster id');
      return json(202, await requestDiagnostics(deps, { caller: callerOf(event), id }));
    },
    { access: deps.access },
  );
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return collectClusterDiagnosticsHandler({
    store: clusterStore(config, dynamodb),
    diagnostics: diagnosticsStore(config, dynamodb),
    instances: instanceInventory(),
    consoleOutput: consoleOutputReader(),
    nodeCommands: nodeCommands(),
    clock: systemClock,
    access: accessPolicy(config),
  });
});
