import { accessPolicy } from '../../composition/access';
import { clusterStore, dynamoDBClient, quotaLedger } from '../../composition/dynamodb';
import { updateStarter } from '../../composition/stepfunctions';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';
import { clusterOperationHandler, type ClusterOperationDeps } from './cluster-operation';

/** POST /clusters/{id}/wake → 202: a HIBERNATED cluster gets back the workers it had; ends READY. */
export function wakeClusterHandler(deps: ClusterOperationDeps) {
  return clusterOperationHandler('wake', deps);
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return wakeClusterHandler({
    config,
    store: clusterStore(config, dynamodb),
    clock: systemClock,
    access: accessPolicy(config),
    workflows: updateStarter(config),
    quotas: quotaLedger(config, dynamodb),
  });
});
