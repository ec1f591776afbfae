/**
 * Health and drift of a running cluster (READY or HIBERNATED): what AWS says about its stack and instances, compared
 * with what the service did. Pure: the sweep (use-cases/sweep-health.ts) gathers the observation, this decides.
 */
import type { ClusterParameters } from './parameters';
import { counted } from './words';

/**
 * The part of a cluster record health is judged from. Spelled out, not `Pick<Cluster, ...>`: cluster.ts holds
 * `health` and so imports this module, and domain modules do not import each other in a circle.
 */
export interface HealthSubject {
  status: string;
  stackName: string;
  parameters: Pick<ClusterParameters, 'managers' | 'workers'>;
  /** When the create ended (the cluster went READY): a stack updated after that, and after `lastUpdate`, was not us. */
  readyAt?: string;
  /** Set once an update of ours ended: the stack's UPDATE_COMPLETE is then ours, if it is not newer than `endedAt`. */
  lastUpdate?: { endedAt: string };
}

/** The part of a node health looks at (a ClusterNode fits). */
export interface ObservedInstance {
  instanceId?: string;
  role: 'manager' | 'worker';
  state: string;
}

/**
 * An instance as its Auto Scaling group reports it (DescribeAutoScalingGroups): LifecycleState `Pending`,
 * `InService`, `Terminating`… and HealthStatus `Healthy` or `Unhealthy`.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Instance.html
 */
export interface ObservedGroupInstance {
  instanceId: string;
  lifecycleState: string;
  healthStatus: string;
}

/** One of the cluster's Auto Scaling groups: its role (from its role tag) and its instances. */
export interface ObservedGroup {
  role: 'manager' | 'worker';
  desiredCapacity: number;
  instances: ObservedGroupInstance[];
}

/**
 * A node's SSM agent (DescribeInstanceInformation): `Online`, or `ConnectionLost` when it stopped reporting (the
 * instance hangs, or lost its network). https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformation.html
 */
export interface ObservedAgent {
  instanceId: string;
  pingStatus: string;
}

export const HEALTH_STATUSES = ['healthy', 'degraded', 'drifted'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** Machine-readable reason codes; docs/operations.md "Health and drift" says what each means and what to do. */
export const HEALTH_REASON_CODES = ['stack_missing', 'stack_changed', 'stack_deleting', 'instances_missing', 'manager_down', 'instances_unhealthy', 'manager_unreachable'] as const;
export type HealthReasonCode = (typeof HEALTH_REASON_CODES)[number];

export interface HealthReason {
  code: HealthReasonCode;
  message: string;
  /** The instances the reason is about, where it is about some (instances_unhealthy, manager_unreachable). */
  instanceIds?: string[];
}

export interface ClusterHealth {
  status: HealthStatus;
  reasons: HealthReason[];
  checkedAt: string;
}

/**
 * What the sweep saw: the stack (undefined = DescribeStacks says it does not exist), the tagged instances, and, when
 * read, the cluster's Auto Scaling groups and its running managers' SSM agents (an agent SSM does not list is not
 * judged: it may not have registered yet). The
 * stack's `lastUpdatedTime` is DescribeStacks' LastUpdatedTime (ISO), absent until the stack's first update.
 */
export interface HealthObservation {
  stack?: { status: string; lastUpdatedTime?: string };
  instances: ObservedInstance[];
  groups?: ObservedGroup[];
  agents?: ObservedAgent[];
}

/** PingStatus values that say the agent stopped reporting (Inactive is the deprecated spelling). */
const LOST_AGENT: ReadonlySet<string> = /* @__PURE__ */ new Set(['ConnectionLost', 'Inactive']);

/**
 * Stack statuses a settled cluster's stack is in when nothing happened behind the service's back: the end of our
 * create, or of our last update (which may have rolled back). Anything else while READY/HIBERNATED (the sweep never
 * looks at UPDATING clusters) was caused by someone else: an update, a delete, a drift.
 */
const SETTLED_STACK_STATUSES: ReadonlySet<string> = /* @__PURE__ */ new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE']);

/**
 * How much later than the end of our last create or update the stack's LastUpdatedTime may be and still be ours.
 * CloudFormation stamps an update while it runs, before the service hears its outcome and records `endedAt`, so ours
 * is never later in truth; the margin only absorbs the skew between CloudFormation's clock and Lambda's (both kept by
 * NTP, far under a second). The price: an out-of-band update started within 5 s of our own ending goes unnoticed.
 */
export const STACK_CLOCK_TOLERANCE_MS = 5_000;

/** Whether the stack was updated after `since` (ISO) by more than the tolerance; unknown times say no. */
function updatedAfter(stack: { lastUpdatedTime?: string }, since: string | undefined): boolean {
  if (stack.lastUpdatedTime === undefined || since === undefined) return false;
  const stamped = Date.parse(stack.lastUpdatedTime);
  const ended = Date.parse(since);
  return Number.isFinite(stamped) && Number.isFinite(ended) && stamped > ended + STACK_CLOCK_TOLERANCE_MS;
}

/**
 * CREATE_COMPLETE is ours unless the stack was updated after our create (and our last update) ended; UPDATE_COMPLETE
 * (or UPDATE_ROLLBACK_COMPLETE) is ours only if an update of ours ended and the stack was not updated after it
 * (DescribeStacks' LastUpdatedTime, https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html).
 * So a cluster never updated whose stack says UPDATE_COMPLETE, or one we updated and someone updated again, was
 * changed out of band.
 */
function stackReason(cluster: Pick<HealthSubject, 'stackName' | 'readyAt' | 'lastUpdate'>, stack: HealthObservation['stack']): HealthReason | undefined {
  if (!stack || stack.status === 'DELETE_COMPLETE') return { code: 'stack_missing', message: `stack ${cluster.stackName} was deleted out of band` };
  if (stack.status.startsWith('DELETE_')) return { code: 'stack_deleting', message: `stack ${cluster.stackName} is ${stack.status}: someone else is deleting it` };
  const ourLast = cluster.lastUpdate?.endedAt ?? cluster.readyAt;
  const ours = stack.status === 'CREATE_COMPLETE' || (SETTLED_STACK_STATUSES.has(stack.status) && cluster.lastUpdate !== undefined);
  if (!ours) return { code: 'stack_changed', message: `stack ${cluster.stackName} is ${stack.status}, a status the service did not cause (changed out of band)` };
  if (updatedAfter(stack, ourLast)) {
    return { code: 'stack_changed', message: `stack ${cluster.stackName} was updated at ${stack.lastUpdatedTime!}, after the service's last change (${ourLast!}): changed out of band` };
  }
  return undefined;
}

/** Instances we expect running: every manager, and the workers (none while HIBERNATED: a hibernate scales them to 0). */
export function expectedInstances(cluster: Pick<HealthSubject, 'status' | 'parameters'>): { managers: number; workers: number } {
  return { managers: cluster.parameters.managers, workers: cluster.status === 'HIBERNATED' ? 0 : cluster.parameters.workers };
}

/**
 * Drifted (the stack is gone or changed by someone else) outranks degraded (fewer instances running than the
 * parameters say, a manager down or unreachable, an instance its group found Unhealthy); both list every reason found. A drifted stack's instances are not judged:
 * with the stack gone or changing, its instance count says nothing the stack reason does not.
 */
export function assessHealth(cluster: HealthSubject, observation: HealthObservation): { status: HealthStatus; reasons: HealthReason[] } {
  const drift = stackReason(cluster, observation.stack);
  if (drift) return { status: 'drifted', reasons: [drift] };
  const reasons: HealthReason[] = [];
  const expected = expectedInstances(cluster);
  const running = observation.instances.filter((node) => node.state === 'running');
  const managersRunning = running.filter((node) => node.role === 'manager');
  const want = expected.managers + expected.workers;
  // A running manager whose SSM agent is lost is up for EC2 but not for the swarm: it counts against the quorum.
  const lost = new Set((observation.agents ?? []).filter((agent) => LOST_AGENT.has(agent.pingStatus)).map((agent) => agent.instanceId));
  const unreachable = managersRunning.filter((node) => node.instanceId !== undefined && lost.has(node.instanceId)).map((node) => node.instanceId as string);
  const managersUp = managersRunning.length - unreachable.length;
  const quorum = Math.floor(expected.managers / 2) + 1;
  const quorumNote = managersUp < quorum ? '; the swarm has lost its Raft quorum' : managersUp === quorum && managersUp < expected.managers ? '; one more loss and the swarm loses its Raft quorum' : '';
  if (managersRunning.length < expected.managers) {
    reasons.push({ code: 'manager_down', message: `${managersRunning.length} of ${expected.managers} managers running${unreachable.length > 0 ? '' : quorumNote}` });
  }
  if (unreachable.length > 0) {
    reasons.push({
      code: 'manager_unreachable',
      message: `${counted(unreachable.length, 'running manager')} unreachable (SSM agent ConnectionLost): ${unreachable.join(', ')}${quorumNote}`,
      instanceIds: unreachable,
    });
  }
  if (running.length < want) reasons.push({ code: 'instances_missing', message: `${running.length} of ${want} instances running` });
  const unhealthy = (observation.groups ?? []).flatMap((group) => group.instances.filter((instance) => instance.healthStatus === 'Unhealthy').map((instance) => instance.instanceId));
  if (unhealthy.length > 0) {
    reasons.push({ code: 'instances_unhealthy', message: `${counted(unhealthy.length, 'instance')} Unhealthy for ${unhealthy.length === 1 ? 'its' : 'their'} Auto Scaling group: ${unhealthy.join(', ')}`, instanceIds: unhealthy });
  }
  return { status: reasons.length > 0 ? 'degraded' : 'healthy', reasons };
}

/** A reason's identity for news: its code and the instances it names (a changed count in its message is not news). */
const reasonKey = (reason: HealthReason): string => `${reason.code}:${[...(reason.instanceIds ?? [])].sort().join('+')}`;

/**
 * Same health: the same status, the same reason codes and the same instances named (a changed count in a message
 * is not news; another manager unreachable is, and autoRepair reads the instances of the finding on record).
 */
export function sameHealth(a: Pick<ClusterHealth, 'status' | 'reasons'> | undefined, b: Pick<ClusterHealth, 'status' | 'reasons'>): boolean {
  if (!a) return b.status === 'healthy';
  const codes = (health: Pick<ClusterHealth, 'reasons'>) => health.reasons.map(reasonKey).sort().join(',');
  return a.status === b.status && codes(a) === codes(b);
}

export interface RepairChoice {
  instanceId: string;
  reason: string;
}

/**
 * What autoRepair replaces now, if anything: a manager that is running for EC2 but unreachable for SSM (it hangs;
 * the group's EC2 health check does not see that, so nothing else will replace it). Conservative on purpose:
 * - only on the second consecutive finding (the finding on record already named it), so an agent that missed a
 *   ping or two is not replaced;
 * - one manager at a time: nothing while the manager group has an instance that is not InService and Healthy, or
 *   fewer in service than desired (a replacement is under way);
 * - only while the swarm keeps its Raft quorum without it: a new manager joins through the majority, and without
 *   one it cannot join (restoring the quorum takes `docker swarm init --force-new-cluster`, an operator's call);
 * - never for a drifted cluster. An instance its group found Unhealthy is not chosen either: the group replaces it.
 */
export function repairChoice(
  previous: Pick<ClusterHealth, 'reasons'> | undefined,
  next: Pick<ClusterHealth, 'status' | 'reasons'>,
  observation: Pick<HealthObservation, 'groups'>,
  expectedManagers: number,
): RepairChoice | undefined {
  if (next.status !== 'degraded') return undefined;
  const unreachableNow = next.reasons.find((reason) => reason.code === 'manager_unreachable')?.instanceIds ?? [];
  const before = new Set(previous?.reasons.find((reason) => reason.code === 'manager_unreachable')?.instanceIds ?? []);
  const candidate = [...unreachableNow].sort().find((id) => before.has(id));
  if (candidate === undefined) return undefined;
  const managers = observation.groups?.find((group) => group.role === 'manager');
  if (!managers) return undefined;
  const inService = managers.instances.filter((instance) => instance.lifecycleState === 'InService' && instance.healthStatus === 'Healthy');
  if (inService.length !== managers.instances.length || inService.length < managers.desiredCapacity) return undefined;
  if (!managers.instances.some((instance) => instance.instanceId === candidate)) return undefined;
  const reachable = inService.length - unreachableNow.length;
  if (reachable < Math.floor(expectedManagers / 2) + 1) return undefined;
  return { instanceId: candidate, reason: 'manager running but its SSM agent ConnectionLost on two consecutive health sweeps' };
}

/**
 * The event a change of health is: no event for an unchanged one, `cluster.recovered` back to healthy. Within the same
 * status only a new reason is news: a reason going away while others stay (a terminated instance's group has stopped
 * listing it Unhealthy, but its replacement is not running yet) changes the record, not the receiver's picture; the
 * recovery, when it comes, is the event.
 */
export function healthEvent(previous: Pick<ClusterHealth, 'status' | 'reasons'> | undefined, next: Pick<ClusterHealth, 'status' | 'reasons'>): 'cluster.degraded' | 'cluster.drifted' | 'cluster.recovered' | undefined {
  if (sameHealth(previous, next)) return undefined;
  if (previous && previous.status === next.status) {
    const known = new Set(previous.reasons.map(reasonKey));
    if (next.reasons.every((reason) => known.has(reasonKey(reason)))) return undefined;
  }
  if (next.status === 'healthy') return 'cluster.recovered';
  return next.status === 'drifted' ? 'cluster.drifted' : 'cluster.degraded';
}

export function healthText(health: Pick<ClusterHealth, 'status' | 'reasons'>): string {
  return health.reasons.length === 0 ? `cluster is ${health.status} again` : `cluster is ${health.status}: ${health.reasons.map((reason) => reason.message).join('; ')}`;
}
