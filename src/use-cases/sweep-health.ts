/**
 * The health sweep: a READY or HIBERNATED cluster's record says what the service did; this compares it with what AWS
 * says (the stack, the instances, the Auto Scaling groups, the managers' SSM agents) and records the finding as
 * `health`, never touching `status`. With the cluster's opt-in `autoRepair`, it also has a group replace a hung
 * manager (domain/health.ts repairChoice says which, and when).
 */
import type { Cluster } from '../domain/cluster';
import { assessHealth, expectedInstances, healthEvent, healthText, repairChoice, sameHealth, type ClusterHealth, type HealthObservation } from '../domain/health';
import { logger } from '../logger';
import { record } from './lifecycle';
import { notifyChatChannel, notifyClusterOutcome, recordWebhookGivenUp } from './notify-cluster-outcome';
import type { Clock, ClusterGroups, ClusterStore, DeliveryStore, DeliveryWorkflow, InstanceInventory, NodeAgents, StackReader } from './ports';
import { sweep, visitGuarded } from './sweep';

export interface HealthSweepDeps {
  store: ClusterStore;
  /** Only describeStack (DescribeStacks): one call per cluster. */
  stacks: Pick<StackReader, 'describeStack'>;
  /** Only instancesOfCluster (DescribeInstances by the cluster-id tag): one call per cluster (100 instances a page). */
  instances: Pick<InstanceInventory, 'instancesOfCluster'>;
  /**
   * groupsOfCluster (DescribeAutoScalingGroups by the cluster-id tag): one call per cluster, both groups and their
   * instances in one page. markUnhealthy (SetInstanceHealth): only for an autoRepair, at most one per cluster a run.
   */
  groups: Pick<ClusterGroups, 'groupsOfCluster' | 'markUnhealthy'>;
  /** agentsOf (DescribeInstanceInformation by the running managers' ids, at most 7): one call per cluster, none without a running manager. */
  agents: NodeAgents;
  clock: Clock;
  /** A change of health goes to the webhook through the durable delivery, like every other event. */
  deliveries: DeliveryStore;
  deliveryWorkflow: DeliveryWorkflow;
  /** Whether the Slack bot token is configured: a cluster made from Slack then gets its health events in its channel. */
  channelPosts?: boolean;
  /** Clusters one run looks at most; the rest are next run's. */
  batchSize: number;
}

export interface HealthSweepSummary {
  examined: number;
  healthy: number;
  degraded: number;
  drifted: number;
  /** Clusters whose health changed this run (an event was recorded and a webhook scheduled). */
  changed: number;
  /** The record changed between the read and the write (a transition): left for the next run. */
  raced: number;
  failed: number;
  /** Nodes autoRepair had their group replace (SetInstanceHealth Unhealthy). */
  repaired: number;
}

const SETTLED = new Set(['READY', 'HIBERNATED']);

/**
 * An unchanged finding rewrites `checkedAt` at most this often. An UpdateItem is charged on the whole item (a cluster
 * record is several KB), so refreshing it every 5-minute run would be most of the sweep's cost at 10,000 clusters.
 */
export const CHECKED_AT_REFRESH_MS = 60 * 60 * 1000;

const HEALTH_SWEEP = { name: 'health sweep', failure: 'health sweep could not check a cluster' };

/**
 * Primary course (a scheduled run):
 * 1. Query the sparse index of READY and HIBERNATED clusters, in pages (never a Scan).
 * 2. Read each one again, consistently; skip it if it is no longer READY or HIBERNATED (it started changing).
 * 3. Ask AWS: DescribeStacks for its stack, DescribeInstances for its tagged instances, DescribeAutoScalingGroups for
 *    its groups (these three at once), then DescribeInstanceInformation for its running managers' SSM agents: 4 calls.
 * 4. Decide (domain/health.ts) and write `health` conditioned on the version read, so a transition that happened
 *    meanwhile wins and the cluster is looked at again next run. An unchanged finding only refreshes `checkedAt`
 *    (no version bump), and only once it is CHECKED_AT_REFRESH_MS old; a changed one bumps the version, goes on the timeline, and schedules `cluster.degraded`,
 *    `cluster.drifted` or `cluster.recovered` on the durable webhook delivery (keyed by that version), and, for a
 *    cluster made from Slack, the same event to its channel on the same durable delivery (skipped without a bot token).
 * 5. With `autoRepair` on, a manager repairChoice picks (unreachable on two runs in a row, one at a time, quorum kept)
 *    is set Unhealthy in its group (SetInstanceHealth, respecting the grace period), which replaces it; the timeline
 *    says `node.repairing`, naming it and why.
 * One cluster's failure (an AWS error, say) is logged and does not stop the others.
 */
export async function sweepHealth(deps: HealthSweepDeps): Promise<HealthSweepSummary> {
  const summary: HealthSweepSummary = { examined: 0, healthy: 0, degraded: 0, drifted: 0, changed: 0, raced: 0, failed: 0, repaired: 0 };
  summary.examined = await sweep((page) => deps.store.listSettled(page), deps.batchSize, (candidate) => visitGuarded(HEALTH_SWEEP, candidate.id, summary, () => checkOne(deps, candidate.id, summary)));
  if (summary.changed + summary.failed + summary.repaired > 0) logger.info('health sweep finished', { ...summary });
  return summary;
}

async function checkOne(deps: HealthSweepDeps, clusterId: string, summary: HealthSweepSummary): Promise<void> {
  const cluster = await deps.store.get(clusterId);
  if (!cluster || !SETTLED.has(cluster.status)) return;
  const [stack, instances, groups] = await Promise.all([
    deps.stacks.describeStack(cluster.region, cluster.stackId ?? cluster.stackName),
    deps.instances.instancesOfCluster(cluster.region, cluster.id),
    deps.groups.groupsOfCluster(cluster.region, cluster.id),
  ]);
  const managers = instances.filter((node) => node.role === 'manager' && node.state === 'running').map((node) => node.instanceId);
  const agents = managers.length > 0 ? await deps.agents.agentsOf(cluster.region, managers) : [];
  const observation: HealthObservation = { stack, instances, groups, agents };
  const finding = assessHealth(cluster, observation);
  const health: ClusterHealth = { ...finding, checkedAt: deps.clock.now().toISOString() };
  summary[health.status] += 1;
  if (sameHealth(cluster.health, health)) {
    const recorded = cluster.health ? Date.parse(cluster.health.checkedAt) : Number.NEGATIVE_INFINITY;
    if (Date.parse(health.checkedAt) - recorded >= CHECKED_AT_REFRESH_MS) await deps.store.touchHealth(cluster, health);
  } else {
    await changed(deps, cluster, health);
    summary.changed += 1;
  }
  if (cluster.autoRepair === true) await repair(deps, cluster, health, observation, summary);
}

/** autoRepair: the group replaces the manager repairChoice picks; the finding on record is the previous run's. */
async function repair(deps: HealthSweepDeps, cluster: Cluster, health: ClusterHealth, observation: HealthObservation, summary: HealthSweepSummary): Promise<void> {
  const choice = repairChoice(cluster.health, health, observation, expectedInstances(cluster).managers);
  if (!choice) return;
  await deps.groups.markUnhealthy(cluster.region, choice.instanceId);
  summary.repaired += 1;
  logger.info('autoRepair: node set Unhealthy for its group to replace', { clusterId: cluster.id, instanceId: choice.instanceId });
  await record(deps, cluster.id, 'node.repairing', `autoRepair: ${choice.instanceId} set Unhealthy so its Auto Scaling group replaces it (${choice.reason})`, {
    instanceId: choice.instanceId,
    reason: choice.reason,
  });
}

async function changed(deps: HealthSweepDeps, cluster: Cluster, health: ClusterHealth): Promise<void> {
  const event = healthEvent(cluster.health, health);
  const updated = await deps.store.update(cluster, { health, updatedAt: health.checkedAt });
  // A changed finding is not always news (healthEvent: a reason that went away while others stay); the record changes anyway.
  if (!event) return;
  await record(deps, cluster.id, event, healthText(health), { status: health.status, reasons: health.reasons, previous: cluster.health?.status ?? 'healthy' });
  const notice = { clusterId: cluster.id, event, version: updated.version };
  try {
    await notifyClusterOutcome(deps, notice);
  } catch (error) {
    // Only scheduling can fail here; the finding is written and the timeline says so.
    logger.error(`${event} could not be scheduled`, { clusterId: cluster.id, error });
    await recordWebhookGivenUp(deps, notice).catch((givenUpError: unknown) => logger.error(`${event} failure could not be recorded`, { clusterId: cluster.id, error: givenUpError }));
  }
  try {
    await notifyChatChannel(deps, notice);
  } catch (error) {
    // As above: the finding stands; the channel misses this one post, and the log and the timeline say so.
    logger.error(`${event} could not be scheduled for the Slack channel`, { clusterId: cluster.id, error });
    await record(deps, cluster.id, 'webhook.failed', `${event} to the Slack channel could not be scheduled; it was not sent`, { event }).catch((recordError: unknown) => logger.error(`${event} channel failure could not be recorded`, { clusterId: cluster.id, error: recordError }));
  }
}
