/**
 * POST /clusters/{id}/upgrade, /hibernate and /wake: one handler shape, one use case (request-cluster-update.ts).
 * No body. Owner only. 202 with the cluster UPDATING and a Location; 409 when the cluster cannot take it now (an
 * operation running, already hibernated, nothing to wake). A retry of the same operation while it runs is a 202 with
 * the cluster as it is, not a 409.
 */
import { accessPolicy } from '../../composition/access';
import type { Dependencies } from '../../composition/dependencies';
import { clusterStore, dynamoDBClient, quotaLedger } from '../../composition/dynamodb';
import { updateStarter } from '../../composition/stepfunctions';
import { loadConfig, type Config } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { requestClusterUpdate, type RequestUpdateDeps } from '../../use-cases/request-cluster-update';
import { lazyHandler } from '../lazy';
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

/** POST /clusters/{id}/upgrade → 202: the same parameters through UpdateStack, so the nodes roll to the newest AMI and the pinned Docker. */
export const upgradeClusterHandler = (deps: ClusterOperationDeps) => clusterOperationHandler('upgrade', deps);
/** POST /clusters/{id}/hibernate → 202: the workers go (their count is remembered), the managers and the swarm state stay; ends HIBERNATED. */
export const hibernateClusterHandler = (deps: ClusterOperationDeps) => clusterOperationHandler('hibernate', deps);
/** POST /clusters/{id}/wake → 202: the remembered number of workers comes back; ends READY. */
export const wakeClusterHandler = (deps: ClusterOperationDeps) => clusterOperationHandler('wake', deps);

/** What every route that starts an update builds (PATCH's too): the store, the quota ledger and the update starter. */
export function clusterOperationDeps(config: Config = loadConfig()): ClusterOperationDeps {
  const dynamodb = dynamoDBClient(config);
  return {
    config,
    store: clusterStore(config, dynamodb),
    clock: systemClock,
    access: accessPolicy(config),
    workflows: updateStarter(config),
    quotas: quotaLedger(config, dynamodb),
  };
}

// The three routes' Lambda entry points (serverless.yml: cluster-operation.upgrade, .hibernate, .wake): one bundle.
export const upgrade = lazyHandler(() => upgradeClusterHandler(clusterOperationDeps()));
export const hibernate = lazyHandler(() => hibernateClusterHandler(clusterOperationDeps()));
export const wake = lazyHandler(() => wakeClusterHandler(clusterOperationDeps()));
