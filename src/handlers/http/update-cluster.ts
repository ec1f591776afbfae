import type { Dependencies } from '../../composition/dependencies';
import { CHANGEABLE_FIELDS, hasParameterChanges, type ParameterChanges } from '../../domain/cluster-update';
import { requestClusterUpdate, type RequestUpdateDeps } from '../../use-cases/request-cluster-update';
import { assertLifecycleRules, updateClusterLifecycle, type LifecycleChanges } from '../../use-cases/update-cluster-lifecycle';
import { lazyHandler } from '../lazy';
import { clusterOperationDeps } from './cluster-operation';
import { httpHandler } from './http-handler';
import { clusterChangesParameters, clusterIdParameter } from './route-parameters';
import { json, jsonBody, parseOrThrow } from './middleware';
import { callerOf } from './principal';
import { clusterResource } from './representation';

export type UpdateClusterHandlerDeps = Pick<Dependencies, 'config' | 'store' | 'clock' | 'access' | 'quotas'> & { workflows: RequestUpdateDeps['workflows'] };

/**
 * PATCH /clusters/{id}. Owner only.
 * - Lifecycle fields only (`expiresAt`, `idleTimeout`, `idleAction`; null clears one): applied at once, 200.
 * - Any parameter field (`workers`, `managers`, instance types, disks): the change goes to the update workflow, 202
 *   with the cluster UPDATING and a Location; lifecycle fields in the same body are written with it.
 */
export function updateClusterHandler(deps: UpdateClusterHandlerDeps) {
  return httpHandler(
    async (event) => {
      const id = parseOrThrow(clusterIdParameter, event.pathParameters?.id, 'cluster id');
      // Checked without a schema library (route-parameters.ts), to the rules of api-schemas.ts `clusterChangesSchema`.
      const body = parseOrThrow(clusterChangesParameters, event.jsonBody, 'change');
      const { expiresAt, idleTimeout, idleAction, ...rest } = body;
      const lifecycle: LifecycleChanges = Object.fromEntries(Object.entries({ expiresAt, idleTimeout, idleAction }).filter(([, v]) => v !== undefined));
      if (!hasParameterChanges(rest)) {
        return json(200, clusterResource(await updateClusterLifecycle(deps, { caller: callerOf(event), id, changes: lifecycle })));
      }
      assertLifecycleRules(lifecycle, deps.clock.now());
      const changes: ParameterChanges = Object.fromEntries(CHANGEABLE_FIELDS.filter((f) => rest[f] !== undefined).map((f) => [f, rest[f]]));
      const { cluster } = await requestClusterUpdate(
        { store: deps.store, workflows: deps.workflows, clock: deps.clock, quotas: deps.quotas, quotaLimits: deps.config.quota },
        { caller: callerOf(event), id, request: { operation: 'change', changes }, lifecycle },
      );
      return json(202, clusterResource(cluster), { location: `/clusters/${cluster.id}` });
    },
    { access: deps.access },
  ).use(jsonBody());
}

export const handler = lazyHandler(() => updateClusterHandler(clusterOperationDeps()));
