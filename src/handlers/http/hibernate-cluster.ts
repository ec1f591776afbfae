import { accessPolicy } from '../../composition/access';
import { clusterStore, dynamoDBClient, quotaLedger } from '../../composition/dynamodb';
import { updateStarter } from '../../composition/stepfunctions';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';
import { clusterOperationHandler, type ClusterOperationDeps } from './cluster-operation';

/** POST /clusters/{id}/hibernate → 202: the workers go (their count is remembered), the managers and the swarm state stay; ends HIBERNATED. */
export function hibernateClusterHandler(deps: ClusterOperationDeps) {
  return clusterOperationHandler('hibernate', deps);
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return hibernateClusterHandler({
    config,
    store: clusterStore(config, dynamodb),
    clock: systemClock,
    access: accessPolicy(config),
    workflows: updateStarter(config),
    quotas: quotaLedger(config, dynamodb),
  });
});
