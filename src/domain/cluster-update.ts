/**
 * Changing a running cluster: which operations exist, when a cluster may take one, and the rules a parameter change
 * must keep (Raft quorum, somewhere for services to run, something to change). Pure: no AWS, no clock.
 */
import type { Cluster, ClusterStatus, UpdateOperation } from './cluster';
import { ConflictError, ValidationError, type FieldError } from './errors';
import { MANAGER_COUNTS, type ClusterParameters } from './parameters';

/** The parameters PATCH may change: the counts (a scale) and the instance types and disks (a resize). */
export const SCALE_FIELDS = ['managers', 'workers'] as const;
export const RESIZE_FIELDS = ['managerInstanceType', 'workerInstanceType', 'managerDiskSizeGb', 'workerDiskSizeGb', 'managerDiskType', 'workerDiskType'] as const;
export const CHANGEABLE_FIELDS = [...SCALE_FIELDS, ...RESIZE_FIELDS] as const;
type ChangeableField = (typeof CHANGEABLE_FIELDS)[number];

/** A PATCH's parameter fields. `managers` is any whole number here: the quorum rule below explains a refusal. */
export type ParameterChanges = Partial<Omit<Pick<ClusterParameters, ChangeableField>, 'managers'> & { managers: number }>;

export function updateIdFor(version: number): string {
  return `u${version}`;
}

export function hasParameterChanges(changes: object): boolean {
  return CHANGEABLE_FIELDS.some((field) => (changes as Record<string, unknown>)[field] !== undefined);
}

// ---------------------------------------------------------------------------------------------------------------
// Quorum
// ---------------------------------------------------------------------------------------------------------------

const RAFT = 'https://docs.docker.com/engine/swarm/admin_guide/';

/**
 * Why a manager count change breaks quorum, or undefined when it is allowed. The managers keep the swarm's state in
 * Raft, which needs a majority of them; an odd count n tolerates the loss of (n-1)/2, an even one no more than the odd
 * count below it ("Add manager nodes for fault tolerance", Docker's swarm admin guide). The manager group is rolled
 * one instance at a time (templates/swarm.yaml), so a change of one step (1 ↔ 3 ↔ 5) never leaves a majority
 * missing; jumping two steps at once adds or removes half of the managers in one update.
 */
export function quorumRefusal(from: number, to: number): string | undefined {
  if (!(MANAGER_COUNTS as readonly number[]).includes(to)) {
    const even = to > 0 && to % 2 === 0 ? `; ${to} managers tolerate no more lost managers than ${to - 1} do, and add one more to every vote` : '';
    return `must be 1, 3 or 5: Raft keeps the swarm's state only while a majority of the managers is up${even} (${RAFT}, "Add manager nodes for fault tolerance")`;
  }
  const steps = Math.abs(MANAGER_COUNTS.indexOf(to as 1 | 3 | 5) - MANAGER_COUNTS.indexOf(from as 1 | 3 | 5));
  if (steps > 1) {
    const via = MANAGER_COUNTS[(MANAGER_COUNTS.indexOf(from as 1 | 3 | 5) + MANAGER_COUNTS.indexOf(to as 1 | 3 | 5)) / 2];
    return `may change one step at a time (1 ↔ 3 ↔ 5): going from ${from} to ${to} at once risks the Raft majority the swarm needs (${RAFT}); change to ${via} first, then to ${to}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Somewhere to run
// ---------------------------------------------------------------------------------------------------------------

const MANAGER_GROUP_FIELDS = ['managerInstanceType', 'managerDiskSizeGb', 'managerDiskType'] as const;

/**
 * The template leaves managers available for tasks (templates/swarm.yaml drains a node only when it leaves), so a
 * cluster with 0 workers runs its services on its managers, and scaling workers to 0 is allowed (it is what a
 * hibernate does). What is refused: draining every worker while the managers, the only place left for their tasks,
 * are themselves being replaced or reduced by the same update. Both groups roll at once, and a task drained off a
 * worker could land on a manager that is about to drain too, or on none.
 */
export function nowhereToRunRefusal(current: ClusterParameters, target: ClusterParameters): string | undefined {
  if (target.workers > 0 || current.workers === 0) return undefined;
  const managersMove = target.managers < current.managers || MANAGER_GROUP_FIELDS.some((field) => target[field] !== current[field]);
  if (!managersMove) return undefined;
  return 'with no workers left, every service runs on the managers (they take tasks unless drained); draining all workers while the managers are replaced or reduced in the same update would leave tasks nowhere to run: scale the workers to 0 first, then change the managers';
}

// ---------------------------------------------------------------------------------------------------------------
// A parameter change (PATCH)
// ---------------------------------------------------------------------------------------------------------------

export interface PlannedChange {
  operation: 'scale' | 'resize';
  target: ClusterParameters;
}

/**
 * The target of a PATCH and which operation it is: a resize when an instance type or a disk changes (every node of
 * that group is replaced), else a scale. Refused with field errors (422) when it changes nothing, breaks quorum or
 * leaves services nowhere to run. The fields' own ranges (workers 0–1000, instance types, disks) are the create
 * request's schema rules, already checked by the route.
 */
export function planParameterChange(current: ClusterParameters, changes: ParameterChanges): PlannedChange {
  const target = { ...current } as ClusterParameters;
  const changed: ChangeableField[] = [];
  for (const field of CHANGEABLE_FIELDS) {
    const value = changes[field];
    if (value === undefined || value === current[field]) continue;
    (target as Record<string, unknown>)[field] = value;
    changed.push(field);
  }
  if (changed.length === 0) {
    throw new ValidationError('There is nothing to change: every parameter given already has that value.', {
      errors: [{ field: 'body', message: 'nothing to change' }],
    });
  }
  const errors: FieldError[] = [];
  const quorum = changes.managers === undefined ? undefined : quorumRefusal(current.managers, changes.managers);
  if (quorum) errors.push({ field: 'managers', message: quorum });
  const nowhere = quorum ? undefined : nowhereToRunRefusal(current, target);
  if (nowhere) errors.push({ field: 'workers', message: nowhere });
  if (errors.length > 0) throw new ValidationError('The change would break a rule of the swarm.', { errors });
  const operation = changed.some((field) => (RESIZE_FIELDS as readonly string[]).includes(field)) ? 'resize' : 'scale';
  return { operation, target };
}

// ---------------------------------------------------------------------------------------------------------------
// When a cluster may take an operation
// ---------------------------------------------------------------------------------------------------------------

/** The statuses each operation starts from (PREAMBLE: READY, HIBERNATED for wake and upgrade, UPDATE_FAILED to retry). */
const STARTS_FROM: Record<UpdateOperation, readonly ClusterStatus[]> = {
  scale: ['READY', 'UPDATE_FAILED'],
  resize: ['READY', 'UPDATE_FAILED'],
  upgrade: ['READY', 'HIBERNATED', 'UPDATE_FAILED'],
  hibernate: ['READY'],
  wake: ['HIBERNATED'],
};

function whyNot(cluster: Pick<Cluster, 'status' | 'update'>, operation: UpdateOperation): string {
  switch (cluster.status) {
    case 'UPDATING':
      return `The cluster is UPDATING: a ${cluster.update?.operation ?? 'change'} is running (update ${cluster.update?.id ?? 'unknown'}); one operation at a time, try again when it has ended.`;
    case 'CREATING':
      return 'The cluster is CREATING: the create is running; change it once it is READY.';
    case 'DELETING':
    case 'DELETED':
      return `The cluster is ${cluster.status}: a delete is running or done; it cannot be changed.`;
    case 'FAILED':
    case 'DELETE_FAILED':
      return `The cluster is ${cluster.status}; it cannot be changed, only deleted.`;
    case 'HIBERNATED':
      return operation === 'hibernate' ? 'The cluster is already HIBERNATED.' : 'The cluster is HIBERNATED: wake it first (POST /clusters/{id}/wake), then change it.';
    case 'READY':
      return 'The cluster is READY, not HIBERNATED: there is nothing to wake.';
    case 'UPDATE_FAILED':
      return 'The cluster is UPDATE_FAILED: only a change of its parameters, an upgrade or a delete may follow.';
  }
}

/** Throws a 409 naming what the cluster is doing (and which operation is running) when it may not take `operation`. */
export function assertMayStart(cluster: Pick<Cluster, 'status' | 'update'>, operation: UpdateOperation): void {
  if (STARTS_FROM[operation].includes(cluster.status)) return;
  const running = cluster.status === 'UPDATING' ? { runningOperation: cluster.update?.operation, runningUpdate: cluster.update?.id } : {};
  throw new ConflictError(whyNot(cluster, operation), { errors: [{ field: 'status', message: `is ${cluster.status}` }], extensions: { status: cluster.status, ...running } });
}

/** The same parameters (the target a retry would ask for), field by field. */
export function sameParameters(a: ClusterParameters, b: ClusterParameters): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ClusterParameters>;
  return [...keys].every((key) => a[key] === b[key]);
}

/**
 * The target of an operation that takes no parameters: an upgrade keeps them (CloudFormation re-resolves the AMI and
 * the template pins the Docker version), a hibernate scales the workers to 0, a wake restores the count remembered.
 */
export function targetOf(cluster: Pick<Cluster, 'parameters' | 'hibernatedWorkers'>, operation: 'upgrade' | 'hibernate' | 'wake'): ClusterParameters {
  switch (operation) {
    case 'upgrade':
      return { ...cluster.parameters };
    case 'hibernate':
      return { ...cluster.parameters, workers: 0 };
    case 'wake':
      return { ...cluster.parameters, workers: cluster.hibernatedWorkers ?? cluster.parameters.workers };
  }
}
