/**
 * The node inventory as events keep it: the order of an instance's states, the Auto Scaling groups that are ours, and
 * how long an instance's mapping to its cluster outlives the instance. No AWS in here.
 */
import { STACK_NAME_PREFIX, type ClusterNode, type NodeRole } from './cluster';
import { counted, nodeCounts } from './words';

/**
 * EC2's instance states in the order an instance goes through them
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html). `terminated` is last and final.
 */
const STATE_RANK: Record<string, number> = { pending: 1, running: 2, stopping: 3, stopped: 4, 'shutting-down': 5, terminated: 6 };

export const TERMINATED = 'terminated';

/**
 * The order of one instance's reports: the time, to the second, then the state's place in the lifecycle. EventBridge's
 * `time` has no fraction, so two changes in the same second (pending and running, say) still sort in lifecycle order;
 * an inventory read from EC2 at 12:00:00.700 sorts with the events of 12:00:00 by its states too. A report that does
 * not sort after the recorded one is older news and changes nothing.
 */
export function nodeStateOrder(at: string, state: string): string {
  const second = new Date(Date.parse(at));
  second.setUTCMilliseconds(0);
  return `${second.toISOString()}#${STATE_RANK[state] ?? 0}`;
}

/** Nodes as every listing shows them: managers first, then by zone and id. */
export const byRoleZoneId = (a: ClusterNode, b: ClusterNode): number =>
  a.role.localeCompare(b.role) || a.availabilityZone.localeCompare(b.availabilityZone) || a.instanceId.localeCompare(b.instanceId);

/** The shape of an inventory in words, for a status reason: "3 managers and 5 workers over 3 availability zones". */
export function describeNodes(nodes: ClusterNode[]): string {
  const managers = nodes.filter((n) => n.role === 'manager').length;
  const zones = new Set(nodes.map((n) => n.availabilityZone)).size;
  return `${nodeCounts({ managers, workers: nodes.length - managers })} over ${counted(zones, 'availability zone')}`;
}

/** The same nodes, each stamped with when its state was read (an inventory from DescribeInstances). */
export const observedAt = (nodes: ClusterNode[], at: string): ClusterNode[] => nodes.map((node) => ({ ...node, stateAt: at }));

/**
 * The cluster an Auto Scaling group belongs to. templates/swarm.yaml names its groups `<stack name>-managers` and
 * `<stack name>-workers` (a group CloudFormation names itself is `<stack name>-<logical id>-<suffix>`), and our stacks
 * are `swarm-<cluster id>` with cluster ids `c-` and lowercase base 32, so the id is what follows `swarm-` up to the
 * next dash but one. Undefined for a group that is not one of ours.
 */
export function clusterIdOfAutoScalingGroup(groupName: string): string | undefined {
  const match = /^(c-[0-9a-z]+)-[A-Za-z0-9]/.exec(groupName.startsWith(STACK_NAME_PREFIX) ? groupName.slice(STACK_NAME_PREFIX.length) : '');
  return match?.[1];
}

/** The role of a group's instances, from its name: `-managers` (or a logical id ManagerAsg) runs managers. */
export function roleOfAutoScalingGroup(groupName: string): NodeRole {
  return /^swarm-c-[0-9a-z]+-manager/i.test(groupName) ? 'manager' : 'worker';
}

/**
 * How long the instance → cluster mapping stays after its instance terminated, as a DynamoDB TTL: long enough for a
 * late or repeated event of that instance to still find its cluster (and change nothing), short enough that replaced
 * instances do not pile up. DynamoDB deletes expired items within a few days of the time; the local DynamoDB
 * (dynalite) never does, so locally the items stay.
 */
export const INSTANCE_MAPPING_GRACE_SECONDS = 24 * 60 * 60;
