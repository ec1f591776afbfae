/**
 * The instance proof of a delete, by events: one look at DELETE_COMPLETE, then EC2's `terminated` events for whatever
 * was still running. See docs/workflows.md, "The delete workflow".
 */
import { INSTANCES_NOT_TERMINATED } from '../domain/errors';
import { observedAt, TERMINATED } from '../domain/nodes';
import type { InstancesOutcome } from '../domain/stack-wait';
import { logger } from '../logger';
import { instancesOf } from './finish-cluster-deletion';
import { loadCluster, record } from './lifecycle';
import type { Clock, ClusterNodes, ClusterStore, InstanceInventory, InstanceWaits, TaskTokens } from './ports';

export interface AwaitInstancesDeps {
  store: ClusterStore;
  instances: InstanceInventory;
  waits: InstanceWaits;
  tokens: TaskTokens;
  clock: Clock;
  /** Looks (the first and one per safety-net round) before the delete ends DELETE_FAILED naming the instances. */
  maxRounds: number;
}

const STUCK_IDS_SHOWN = 10;
const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/**
 * Primary course (every entry of the waiting state: the first, and each safety-net round after a timeout):
 * 1. One DescribeInstances (tag query plus the inventory recorded at READY): which instances are not `terminated`.
 * 2. None: resume the workflow at once with the total.
 * 3. Rounds spent: fail the wait with the instances that did not go, for the DELETE_FAILED reason.
 * 4. Otherwise show the stage ("waiting for N instances to terminate", on the first round), map each remaining
 *    instance to the cluster, and open the wait with the token; an instance EC2 reported terminated in the meantime
 *    is taken out, and if that leaves none, resume at once.
 */
export async function awaitInstances(deps: AwaitInstancesDeps, input: { clusterId: string; taskToken: string }): Promise<{ waiting: boolean }> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  // Stamped with the read's time, so that an event older than what this read saw does not overwrite it.
  const nodes = observedAt(await instancesOf(deps, cluster), deps.clock.now().toISOString());
  const running = nodes.filter((node) => node.state !== 'terminated');
  const done: InstancesOutcome = { remaining: 0, total: nodes.length };
  if (running.length === 0) {
    await deps.tokens.succeed(input.taskToken, { ...done });
    return { waiting: false };
  }

  const key = `instances-${cluster.deleteRequests ?? 1}`;
  const round = cluster.instanceWait?.key === key ? cluster.instanceWait.round + 1 : 1;
  if (round > deps.maxRounds) {
    const stuck = running.slice(0, STUCK_IDS_SHOWN).map((node) => `${node.instanceId} (${node.state})`).join(', ');
    const reason = `the stack is deleted but ${running.length} ${plural(running.length, 'instance has', 'instances have')} not terminated in the time allowed: ${stuck}`;
    await deps.tokens.fail(input.taskToken, INSTANCES_NOT_TERMINATED, reason);
    return { waiting: false };
  }
  if (round === 1) {
    const message = `waiting for ${running.length} ${plural(running.length, 'instance', 'instances')} to terminate`;
    await deps.store.update(cluster, { statusReason: message, nodes, updatedAt: deps.clock.now().toISOString() });
    await record(deps, cluster.id, 'instances.terminating', message, { remaining: running.length, total: nodes.length });
  }

  const ids = running.map((node) => node.instanceId);
  await deps.waits.watch(cluster.id, ids);
  const left = await deps.waits.attach(cluster.id, { key, round, total: nodes.length, token: input.taskToken }, ids);
  if (left.length === 0) {
    await deps.tokens.succeed(input.taskToken, { ...done });
    return { waiting: false };
  }
  logger.info('waiting for instances to terminate', { clusterId: cluster.id, remaining: left.length, round });
  return { waiting: true };
}

/**
 * Primary course (EC2 Instance State-change Notification, any state):
 * 1. Find the cluster the instance is mapped to (at READY, at a replacement's launch, or by the delete's wait); any
 *    other instance is ignored. Every instance state change of the account comes here, so for an instance that is not
 *    ours this one GetItem is all there is.
 * 2. Record the state on the cluster's node inventory (ordered by the event's time: older news changes nothing).
 * 3. `terminated`: note it for the delete's wait (idempotent set writes), retire the mapping (its TTL), and if it was
 *    the last one the wait was for, resume the workflow.
 */
export async function onInstanceState(
  deps: { waits: InstanceWaits; nodes: Pick<ClusterNodes, 'recordState' | 'retireInstance'>; tokens: TaskTokens },
  report: { instanceId: string; state: string; time: string },
): Promise<'resumed' | 'recorded' | 'ignored'> {
  const clusterId = await deps.waits.clusterOf(report.instanceId);
  if (!clusterId) return 'ignored';
  const recorded = await deps.nodes.recordState(clusterId, report.instanceId, { state: report.state, at: report.time });
  if (report.state !== TERMINATED) return recorded ? 'recorded' : 'ignored';
  const after = await deps.waits.recordTerminated(clusterId, report.instanceId);
  // Only now, with the instance in the wait's terminated set, does no wait need the mapping any more.
  await deps.nodes.retireInstance(report.instanceId, new Date(Date.parse(report.time)).toISOString());
  if (!after?.wait?.token || after.remaining.length > 0) return 'recorded';
  const resumed = await deps.tokens.succeed(after.wait.token, { remaining: 0, total: after.wait.total } satisfies InstancesOutcome);
  logger.info('last instance terminated; delete workflow resumed', { clusterId, resumed });
  return resumed ? 'resumed' : 'recorded';
}
