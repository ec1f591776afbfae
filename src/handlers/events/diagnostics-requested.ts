/**
 * The diagnostics collector: runs a collection that POST /clusters/{id}/diagnostics recorded and handed over as a
 * `Cluster Diagnostics Requested` event on the default bus (the rule in serverless.yml invokes it asynchronously, so
 * it has its own 60 s, not the API's 29). It reads the nodes' console output and, on a READY cluster, runs `docker
 * info` and `docker node ls` on a manager, and stores the result `ready` (src/use-cases/cluster-diagnostics.ts).
 *
 * At least once: EventBridge retries a delivery it could not make, and Lambda an invocation that failed. A second
 * delivery finds the request no longer `collecting` and does nothing. An event someone else put with this source
 * does nothing either, unless it names the request a POST recorded.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import type { Dependencies } from '../../composition/dependencies';
import { clusterStore, diagnosticsStore, dynamoDBClient } from '../../composition/dynamodb';
import { consoleOutputReader, instanceInventory } from '../../composition/ec2';
import { nodeCommands } from '../../composition/ssm';
import { loadConfig } from '../../config';
import type { DIAGNOSTICS_REQUESTED, DiagnosticsJob } from '../../domain/diagnostics';
import { collectRequestedDiagnostics } from '../../use-cases/cluster-diagnostics';
import { systemClock } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';

/** The event as the rule delivers it: the envelope EventBridge adds, and the job the POST put as its detail. */
export type DiagnosticsRequestedEvent = EventBridgeEvent<typeof DIAGNOSTICS_REQUESTED, DiagnosticsJob>;

export function diagnosticsCollectorHandler(deps: Pick<Dependencies, 'store' | 'diagnostics' | 'instances' | 'consoleOutput' | 'nodeCommands' | 'clock'>) {
  return async (event: DiagnosticsRequestedEvent): Promise<void> => {
    await collectRequestedDiagnostics(deps, { clusterId: event.detail.clusterId, requestId: event.detail.requestId });
  };
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return diagnosticsCollectorHandler({
    store: clusterStore(config, dynamodb),
    diagnostics: diagnosticsStore(config, dynamodb),
    instances: instanceInventory(),
    consoleOutput: consoleOutputReader(),
    nodeCommands: nodeCommands(),
    clock: systemClock,
  });
});
