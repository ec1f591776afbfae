/**
 * A READY cluster's Auto Scaling groups replace instances on their own (a failed health check, a lost zone). EC2's
 * state-change events carry no tags, so they cannot say which cluster a new instance belongs to; Auto Scaling's
 * `EC2 Instance Launch Successful` / `EC2 Instance Terminate Successful` name the group, and the group's name names
 * the stack (domain/nodes.ts). Those events are delivered best effort
 * (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-autoscaling.html): a lost one leaves the inventory
 * without the replacement (or with the replaced node, whose state EC2's events still move to terminated); the delete
 * workflow does not depend on it (it reads EC2 by tag).
 *
 * They also tell the cluster's timeline the story of each node a group replaces or removes: `node.draining` when the
 * group puts it in Terminating:Wait (`EC2 Instance-terminate Lifecycle Action`: the template's swarm-leave hook now
 * drains it, demotes a manager and leaves the swarm before it completes the hook), `node.left` once it is terminated,
 * `node.joined` for its replacement. The create's and the delete's own instances are told as a whole by their workflows.
 */
import type { ClusterNode } from '../domain/cluster';
import { clusterIdOfAutoScalingGroup, roleOfAutoScalingGroup, TERMINATED } from '../domain/nodes';
import { logger } from '../logger';
import type { Clock, ClusterNodes, ClusterReader, ClusterTimeline, InstanceInventory } from './ports';

export interface GroupReport {
  groupName: string;
  instanceId: string;
  /** The event's `Details`."Availability Zone". */
  availabilityZone: string;
  /** The event's `time`. */
  time: string;
}

/** A cluster whose inventory follows its groups: READY, UPDATING (scale, rolling replacement), HIBERNATED. */
const FOLLOWED: ReadonlySet<string> = new Set(['READY', 'UPDATING', 'HIBERNATED']);

/**
 * Primary course (EC2 Instance Launch Successful):
 * 1. The cluster, from the group's name; a group that is not ours, or a cluster that is not READY, UPDATING or HIBERNATED, is left alone (the
 *    create's own instances are in the inventory READY records).
 * 2. Map the instance to the cluster, so EC2's state events for it find the cluster from now on (not when it is
 *    already known terminated: a late launch event).
 * 3. Read the instance from EC2 (its state, type and addresses; the event has none of them) and add it to the
 *    inventory, unless the inventory has it already.
 */
export async function onInstanceLaunched(
  deps: {
    store: Pick<ClusterReader, 'get'>;
    nodes: Pick<ClusterNodes, 'mapInstance' | 'join'>;
    instances: Pick<InstanceInventory, 'instancesById'>;
    timeline: Pick<ClusterTimeline, 'appendEvent'>;
    clock: Clock;
  },
  report: GroupReport,
): Promise<'joined' | 'ignored'> {
  const clusterId = clusterIdOfAutoScalingGroup(report.groupName);
  const cluster = clusterId ? await deps.store.get(clusterId) : undefined;
  if (!cluster || !FOLLOWED.has(cluster.status)) return 'ignored';
  if (!(await deps.nodes.mapInstance(cluster.id, report.instanceId))) return 'ignored';

  const [described] = await deps.instances.instancesById(cluster.region, [report.instanceId]);
  if (described?.state === TERMINATED || described?.state === 'shutting-down') return 'ignored';
  const node: ClusterNode = described
    ? { ...described, role: roleOfAutoScalingGroup(report.groupName), stateAt: deps.clock.now().toISOString() }
    : // EC2 does not list it yet (its reads are eventually consistent): what the event says, and EC2's events follow.
      { instanceId: report.instanceId, role: roleOfAutoScalingGroup(report.groupName), availabilityZone: report.availabilityZone, state: 'pending', stateAt: report.time };
  const joined = await deps.nodes.join(cluster.id, node);
  logger.info('replacement instance launched', { clusterId: cluster.id, instanceId: report.instanceId, joined });
  if (!joined) return 'ignored';
  await deps.timeline.appendEvent({
    clusterId: cluster.id,
    at: report.time,
    type: 'node.joined',
    message: `node ${node.instanceId} (${node.role}, ${node.availabilityZone}) launched by its group`,
    details: { instanceId: node.instanceId, role: node.role, availabilityZone: node.availabilityZone },
  });
  return 'joined';
}

/**
 * Primary course (EC2 Instance Terminate Successful):
 * 1. The cluster, from the group's name; a group that is not ours is left alone.
 * 2. Take the node out of a READY, UPDATING or HIBERNATED cluster's inventory (a deleting cluster keeps its nodes, as
 *    terminated). An update's outcome may have rewritten the inventory without it already.
 * 3. Retire the instance's mapping (its TTL): EC2's own terminated event may still come and finds it until then.
 * 4. Tell the timeline of such a cluster, once per instance (the delete's terminations are told by its workflow).
 */
export async function onInstanceTerminated(
  deps: { store: Pick<ClusterReader, 'get'>; nodes: Pick<ClusterNodes, 'leave' | 'retireInstance'>; timeline: Pick<ClusterTimeline, 'appendEventOnce'> },
  report: GroupReport,
): Promise<'left' | 'ignored'> {
  const clusterId = clusterIdOfAutoScalingGroup(report.groupName);
  if (!clusterId) return 'ignored';
  const left = await deps.nodes.leave(clusterId, report.instanceId);
  await deps.nodes.retireInstance(report.instanceId, new Date(Date.parse(report.time)).toISOString());
  if (left) logger.info('instance terminated by its group', { clusterId, instanceId: report.instanceId });
  const cluster = await deps.store.get(clusterId);
  if (!cluster || !FOLLOWED.has(cluster.status)) return left ? 'left' : 'ignored';
  const role = roleOfAutoScalingGroup(report.groupName);
  const told = await deps.timeline.appendEventOnce(
    {
      clusterId,
      at: report.time,
      type: 'node.left',
      message: `node ${report.instanceId} (${role}, ${report.availabilityZone}) terminated by its group`,
      details: { instanceId: report.instanceId, role, availabilityZone: report.availabilityZone },
    },
    `left#${report.instanceId}`,
  );
  return left || told ? 'left' : 'ignored';
}

export interface LifecycleActionReport {
  groupName: string;
  instanceId: string;
  /** The event's `LifecycleHookName`. */
  hookName: string;
  /** The event's `LifecycleActionToken`: one per instance and transition, the same in a redelivered copy. */
  token: string;
  /** The event's `time`. */
  time: string;
}

/**
 * Primary course (EC2 Instance-terminate Lifecycle Action):
 * 1. The cluster, from the group's name; a group that is not ours, or a cluster whose inventory its groups do not
 *    drive (see FOLLOWED), is left alone.
 * 2. Tell the timeline, once per lifecycle action, that the node is draining before it leaves; its zone from the
 *    inventory (the event has none).
 * Nothing here completes the hook: the node does it itself once it has left the swarm (templates/swarm.yaml).
 */
export async function onInstanceTerminating(
  deps: { store: Pick<ClusterReader, 'get'>; timeline: Pick<ClusterTimeline, 'appendEventOnce'> },
  report: LifecycleActionReport,
): Promise<'told' | 'ignored'> {
  const clusterId = clusterIdOfAutoScalingGroup(report.groupName);
  const cluster = clusterId ? await deps.store.get(clusterId) : undefined;
  if (!cluster || !FOLLOWED.has(cluster.status)) return 'ignored';
  const role = roleOfAutoScalingGroup(report.groupName);
  const zone = cluster.nodes.find((node) => node.instanceId === report.instanceId)?.availabilityZone;
  const told = await deps.timeline.appendEventOnce(
    {
      clusterId: cluster.id,
      at: report.time,
      type: 'node.draining',
      message:
        `node ${report.instanceId} (${role}${zone ? `, ${zone}` : ''}) is draining: its tasks move to other nodes` +
        `${role === 'manager' ? ', it is demoted' : ''} and it leaves the swarm before it is terminated (lifecycle hook ${report.hookName})`,
      details: { instanceId: report.instanceId, role, ...(zone ? { availabilityZone: zone } : {}), lifecycleHook: report.hookName },
    },
    `drain#${report.token}`,
  );
  return told ? 'told' : 'ignored';
}
