import { accessPolicy } from '../../composition/access';
import { chatFollowUps } from '../../composition/chat';
import type { Dependencies } from '../../composition/dependencies';
import { clusterStore, dynamoDBClient, quotaLedger } from '../../composition/dynamodb';
import { workflowStarter } from '../../composition/stepfunctions';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { requestClusterDeletion } from '../../use-cases/request-cluster-deletion';
import { lazyHandler } from '../lazy';
import { httpHandler } from './http-handler';
import { clusterIdParameter } from './route-parameters';
import { json, parseOrThrow } from './middleware';
import { callerOf } from './principal';
import { clusterResource } from './representation';

/**
 * DELETE /clusters/{id} → 202 with the cluster in DELETING (a CREATING cluster's create is cancelled). The owner, or
 * an operator, may delete a cluster; anyone else gets a 404. Idempotent: a DELETING or DELETED cluster is answered
 * with its state and nothing new starts.
 */
export function deleteClusterHandler(deps: Pick<Dependencies, 'store' | 'workflows' | 'clock' | 'quotas' | 'followUps' | 'access'>) {
  return httpHandler(
    async (event) => {
      const id = parseOrThrow(clusterIdParameter, event.pathParameters?.id, 'cluster id');
      const cluster = await requestClusterDeletion(deps, { caller: callerOf(event), id });
      return json(202, clusterResource(cluster), { location: `/clusters/${cluster.id}` });
    },
    { access: deps.access },
  );
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return deleteClusterHandler({
    store: clusterStore(config, dynamodb),
    workflows: workflowStarter(config),
    clock: systemClock,
    quotas: quotaLedger(config, dynamodb),
    followUps: chatFollowUps(config),
    access: accessPolicy(config),
  });
});
