/**
 * POST /clusters/{id}/upgrade, /hibernate and /wake: one handler shape, one use case (request-cluster-update.ts).
 * No body. Owner only. 202 with the cluster UPDATING and a Location; 409 when the cluster cannot take it now (an
 * operation running, already hibernated, nothing to wake). A retry of the same operation while it runs is a 202 with
 * the cluster as it is, not a 409.
 */
import type { Dependencies } from '../../composition/dependencies';
import { requestClusterUpdate, type RequestUpdateDeps } from '../../use-cases/request-cluster-update';
import { httpHandler } from './http-handler';
import { clusterIdParameter } from './route-parameters';
import { json, parseOrThrow } from './middleware';
import { callerOf } from './principal';
import { clusterResource } from './representation';

export type ClusterOperationDeps = Pick<Dependencies, 'config' | 'store' | 'clock' | 'access' | 'quotas'> & { workflows: RequestUpdateDeps['workflows'] };

export function clusterOperationHandler(operation: 'upgrade' | 'hibernate' | 'wake', deps: ClusterOperationDeps) {
  return httpHandler(
    async (event) => {
      const id = parseOrThrow(clusterIdParameter, event.pathParameters?.id, 'cluster id');
      const { cluster } = await requestClusterUpdate(
        { store: deps.store, workflows: deps.workflows, clock: deps.clock, quotas: deps.quotas, quotaLimits: deps.config.quota },
        { caller: callerOf(event), id, request: { operation } },
      );
      return json(202, clusterResource(cluster), { location: `/clusters/${cluster.id}` });
    },
    { access: deps.access },
  );
}
