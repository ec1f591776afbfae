import { accessPolicy } from '../../composition/access';
import { clusterStore, dynamoDBClient, quotaLedger } from '../../composition/dynamodb';
import { updateStarter } from '../../composition/stepfunctions';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';
import { clusterOperationHandler, type ClusterOperationDeps } from './cluster-operation';

/** POST /clusters/{id}/upgrade → 202: every node replaced, one at a time and drained first, with the newest AMI and the pinned Docker version. */
export function upgradeClusterHandler(deps: ClusterOperationDeps) {
  return clusterOperationHandler('upgrade', deps);
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return upgradeClusterHandler({
    config,
    store: clusterStore(config, dynamodb),
    clock: systemClock,
    access: accessPolicy(config),
    workflows: updateStarter(config),
    quotas: quotaLedger(config, dynamodb),
  });
});
