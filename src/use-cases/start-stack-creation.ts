import { CLUSTER_TAGS, stackTags } from '../domain/cluster';
import { StackAlreadyExistsError, StackNameTakenError, StaleClusterError } from '../domain/errors';
import { templateParameters } from '../domain/parameters';
import { openWait, type WaitTicket } from '../domain/stack-wait';
import { logger } from '../logger';
import { loadCluster, record } from './lifecycle';
import type { Clock, ClusterStore, StackGateway } from './ports';

export interface StartStackCreationDeps {
  store: ClusterStore;
  stacks: StackGateway;
  clock: Clock;
}

export type StartStackCreationResult = { proceed: false; status: string } | { proceed: true; stackId: string; wait: WaitTicket };

/** The create's wait key: one create per cluster. */
export const CREATE_WAIT = 'create';

/**
 * Primary course:
 * 1. Load the cluster; only a CREATING cluster gets a stack (a cancelled one does not).
 * 2. Claim the stack with a conditional write (`stackRequestedAt`) before calling CreateStack. A delete that cancels
 *    the create wins or loses this race on the version: if it wins, no stack is ever made; if it loses, the record
 *    it reads says a stack may exist, and the delete workflow waits for it under the deterministic name. The same
 *    write opens the create's wait; the stack resources record (progress) is opened beside the cluster item, so every
 *    event of the stack finds both.
 * 3. CreateStack with the deterministic name, a ClientRequestToken, our tags and the service role.
 * 4. A retried create that finds the stack already there adopts it when its cluster-id tag says it is ours.
 * 5. Remember the stack id and tell the timeline; if the cluster was cancelled meanwhile, stop here and leave the
 *    stack to the delete workflow.
 */
export async function startStackCreation(deps: StartStackCreationDeps, clusterId: string): Promise<StartStackCreationResult> {
  const loaded = await loadCluster(deps.store, clusterId);
  if (loaded.status !== 'CREATING') return { proceed: false, status: loaded.status };
  const cluster = loaded.stackRequestedAt
    ? loaded
    : await deps.store.update(loaded, {
        stackRequestedAt: deps.clock.now().toISOString(),
        statusReason: 'creating the CloudFormation stack',
        stackWait: openWait(CREATE_WAIT, 'create', deps.clock.now()),
        updatedAt: deps.clock.now().toISOString(),
      });
  // Before CreateStack, so that every resource event of the stack finds it; a retry keeps what was recorded.
  await deps.store.openStackResources(cluster.id, deps.stacks.plannedResourceCount?.());

  let stackId: string;
  try {
    stackId = await deps.stacks.createStack({
      region: cluster.region,
      stackName: cluster.stackName,
      clientRequestToken: `create-${cluster.id}`,
      parameters: templateParameters(cluster.id, cluster.parameters),
      tags: stackTags(cluster),
    });
  } catch (error) {
    if (!(error instanceof StackAlreadyExistsError)) throw error;
    const existing = await deps.stacks.describeStack(cluster.region, cluster.stackName);
    if (existing?.tags[CLUSTER_TAGS.clusterId] !== cluster.id) throw new StackNameTakenError(cluster.stackName);
    logger.info('stack already existed and is ours; adopting it', { clusterId, stackId: existing.stackId });
    stackId = existing.stackId;
  }

  if (cluster.stackId !== stackId) {
    try {
      await deps.store.update(cluster, { stackId, statusReason: 'creating the CloudFormation stack', updatedAt: deps.clock.now().toISOString() });
    } catch (error) {
      if (!(error instanceof StaleClusterError)) throw error;
      const now = await loadCluster(deps.store, clusterId);
      if (now.status === 'CREATING') throw error;
      logger.info('cluster left CREATING while its stack was being created; the delete workflow removes the stack', { clusterId, status: now.status, stackId });
      return { proceed: false, status: now.status };
    }
    await record(deps, clusterId, 'stack.create_started', `stack ${cluster.stackName} create started`, { stackId });
  }
  return { proceed: true, stackId, wait: { key: CREATE_WAIT } };
}
