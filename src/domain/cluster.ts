/**
 * The cluster resource: its states, the transitions between them and the shape of its record. No AWS in here.
 */
import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import { IllegalTransitionError } from './errors';
import type { ClusterHealth } from './health';
import type { ClusterParameters, IdleAction } from './parameters';
import type { InstanceWait, ResourceState, StackWait } from './stack-wait';

export const CLUSTER_STATUSES = ['CREATING', 'READY', 'UPDATING', 'HIBERNATED', 'UPDATE_FAILED', 'FAILED', 'DELETING', 'DELETED', 'DELETE_FAILED'] as const;
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];

/**
 * UPDATING is one change of a running cluster (scale, resize, upgrade, hibernate, wake; domain/cluster-update.ts),
 * driven by the update workflow: it ends READY (or HIBERNATED, for a hibernate), UPDATE_FAILED when even the
 * rollback failed, or DELETING when the owner deletes the cluster meanwhile. A HIBERNATED cluster changes again only
 * through wake or upgrade; an UPDATE_FAILED one may be changed again (a retry) or deleted.
 */
const TRANSITIONS: Record<ClusterStatus, readonly ClusterStatus[]> = {
  CREATING: ['READY', 'FAILED', 'DELETING'],
  READY: ['UPDATING', 'DELETING'],
  UPDATING: ['READY', 'HIBERNATED', 'UPDATE_FAILED', 'DELETING'],
  HIBERNATED: ['UPDATING', 'DELETING'],
  UPDATE_FAILED: ['UPDATING', 'DELETING'],
  FAILED: ['DELETING'],
  DELETING: ['DELETED', 'DELETE_FAILED'],
  DELETE_FAILED: ['DELETING'],
  DELETED: [],
};

export function canTransition(from: ClusterStatus, to: ClusterStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: ClusterStatus, to: ClusterStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

export const UPDATE_OPERATIONS = ['scale', 'resize', 'upgrade', 'hibernate', 'wake'] as const;
export type UpdateOperation = (typeof UPDATE_OPERATIONS)[number];

/** The change in flight, on the cluster record: written by the API when it answers 202, read by the update workflow. */
export interface ClusterUpdate {
  /** 'u' + the cluster version the change started from: a retry of the same request meets the same id. */
  id: string;
  operation: UpdateOperation;
  /** The parameters after the change. */
  target: ClusterParameters;
  /** The parameters before it (what a rollback returns to). */
  previous: ClusterParameters;
  requestedAt: string;
  /** The principal who asked (`reaper` for an idle hibernation). */
  requestedBy: string;
}

export const UPDATE_OUTCOMES = ['updated', 'rolled_back', 'failed'] as const;

/** How the last update ended; written by the update workflow. */
export interface LastUpdate {
  id: string;
  operation: UpdateOperation;
  outcome: (typeof UPDATE_OUTCOMES)[number];
  reason?: string;
  endedAt: string;
}

export type NodeRole = 'manager' | 'worker';

export const DELETE_REASONS = ['requested', 'expired', 'idle'] as const;
export type DeleteReason = (typeof DELETE_REASONS)[number];

export interface ClusterNode {
  instanceId: string;
  role: NodeRole;
  availabilityZone: string;
  state: string;
  instanceType?: string;
  privateIp?: string;
  publicIp?: string;
  launchedAt?: string;
  /** When `state` was known: the time of the EC2 event that reported it, or of the DescribeInstances that read it. */
  stateAt?: string;
}

export interface ClusterWebhook {
  url: string;
  events: string[];
  /** Signing secret; shown to the caller once, in the 202, and never again. */
  secret: string;
  /** Set when the receiver answered 410 Gone: no further event is sent to it for this cluster. */
  disabledAt?: string;
  disabledReason?: string;
}

/**
 * Where to tell a chat user how their cluster ended: Slack's response_url for the command that asked. It lets anyone
 * who holds it post into the channel for 30 minutes, so it is kept like a secret (never shown, never logged).
 */
export interface ChatFollowUp {
  kind: 'slack';
  responseUrl: string;
}

/**
 * The Slack channel a cluster was made from (its `/swarm create`): health events are posted there with the app's bot
 * token (chat.postMessage), days after the command's response_url (30 minutes) has expired. Ids only, no secret.
 */
export interface ChatChannel {
  kind: 'slack';
  teamId: string;
  channelId: string;
}

export interface Cluster {
  id: string;
  name: string;
  owner: string;
  region: string;
  parameters: ClusterParameters;
  tags: Record<string, string>;
  status: ClusterStatus;
  statusReason: string;
  stackName: string;
  stackId?: string;
  /**
   * Set by the create workflow just before it calls CreateStack. A cluster without it can have no stack; one with it
   * may have a stack that is not visible yet, which is what a delete that cancels a create has to wait for.
   */
  stackRequestedAt?: string;
  createExecutionArn?: string;
  deleteExecutionArn?: string;
  /** The change in flight (or the last one started): written when the API answers 202, read by the update workflow. */
  update?: ClusterUpdate;
  /** The update workflow's execution for `update` (named `<cluster id>-<update id>`). */
  updateExecutionArn?: string;
  /** How the last update ended (written by the update workflow). */
  lastUpdate?: LastUpdate;
  /** While HIBERNATED (and while hibernating): the worker count a wake restores. */
  hibernatedWorkers?: number;
  /** The workflow's current wait on its stack (domain/stack-wait.ts); never shown to callers (it holds a task token). */
  stackWait?: StackWait;
  /** Each stack resource's latest status, from CloudFormation's resource events: the source of `progress`. */
  stackResources?: Record<string, ResourceState>;
  /** The stack's own latest status from its events, ordered like the resources' (a duplicate is not news). */
  lastStackStatus?: { status: string; order: string };
  /** The resources the template will certainly create (the create's progress total). */
  resourcesPlanned?: number;
  /** The delete workflow's wait for the last instances to terminate (never shown to callers). */
  instanceWait?: InstanceWait;
  /** How many times a delete was requested (DELETE_FAILED may be deleted again); names executions and tokens. */
  deleteRequests?: number;
  /** Why the cluster is being (or was) deleted: its owner asked, it expired, or it sat idle. */
  deleteReason?: DeleteReason;
  outputs: Record<string, string>;
  nodes: ClusterNode[];
  webhook?: ClusterWebhook;
  followUp?: ChatFollowUp;
  /** Set by a create from Slack: where its health events go besides the webhook. */
  chatChannel?: ChatChannel;
  /** For a create with an `Idempotency-Key`: `createRequestDigest` of its request, to tell a retry from a reuse. */
  createRequestDigest?: string;
  requestedAt: string;
  readyAt?: string;
  failedAt?: string;
  deletingAt?: string;
  deletedAt?: string;
  deleteFailedAt?: string;
  lastActivityAt: string;
  expiresAt?: string;
  idleTimeout?: string;
  /** What the reaper does with a cluster idle for `idleTimeout`: delete it (the default) or hibernate it. */
  idleAction?: IdleAction;
  /** When the latest update was requested (the cluster went UPDATING). */
  updatingAt?: string;
  /** The deadline (ISO) a `cluster.expiring` reminder was sent for: one reminder per deadline. */
  expiryReminderFor?: string;
  /**
   * Opt-in (default off): the health sweep has the Auto Scaling group replace a manager that hangs (domain/health.ts
   * repairChoice). A setting of the service, not of the stack, so not among `parameters`.
   */
  autoRepair?: boolean;
  /** The health sweep's last finding (READY and HIBERNATED clusters; domain/health.ts). Never changes `status`. */
  health?: ClusterHealth;
  /** Derived by the store on every write (domain/expiry.ts `autoDeleteAt`), so a webhook payload can carry it. */
  autoDeleteAt?: string;
  updatedAt: string;
  version: number;
}

export type TimelineEventType =
  | 'cluster.requested'
  | 'workflow.started'
  | 'stack.create_started'
  | 'stack.update_started'
  | 'stack.status_changed'
  | 'cluster.ready'
  | 'cluster.failed'
  | 'stack.delete_requested'
  | 'stack.delete_failed'
  | 'cluster.delete_requested'
  | 'workflow.cancelled'
  | 'workflow.reconciled'
  | 'instances.terminating'
  | 'stack.progress'
  | 'node.joined'
  | 'node.draining'
  | 'node.repairing'
  | 'node.left'
  | 'cluster.deleted'
  | 'cluster.delete_failed'
  | 'cluster.updated'
  | 'cluster.update_requested'
  | 'cluster.update_failed'
  | 'cluster.hibernated'
  | 'workflow.start_failed'
  | 'cluster.expiring'
  | 'webhook.delivered'
  | 'webhook.failed'
  | 'webhook.skipped'
  | 'webhook.disabled'
  | 'webhook.redelivery_requested'
  | 'cluster.degraded'
  | 'cluster.recovered'
  | 'cluster.drifted'
  | 'diagnostics.collected';

export interface TimelineEvent {
  clusterId: string;
  at: string;
  type: TimelineEventType;
  message: string;
  details?: Record<string, unknown>;
}

export const STACK_NAME_PREFIX = 'swarm-';

export function newClusterId(): string {
  return `c-${ulid().toLowerCase()}`;
}

// Crockford's base32, the alphabet ULIDs use, so a derived id looks like any other (`^c-[0-9a-z]{26}$`).
const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * The cluster id a request with an `Idempotency-Key` gets: derived from owner and key, so every attempt of that request
 * (including one after a crash, once the idempotency record has expired) names the same cluster, the same create
 * execution and the same stack, and the conditional writes and Step Functions' execution names see the repeat.
 * 26 base32 characters carry 130 of SHA-256's bits; the owner is part of the hash, so two owners' keys never meet.
 */
export function clusterIdFor(owner: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(JSON.stringify([owner, idempotencyKey])).digest();
  let bits = BigInt(`0x${digest.subarray(0, 17).toString('hex')}`) >> 6n; // 136 bits → the top 130
  let id = '';
  for (let i = 0; i < 26; i++) {
    id = BASE32[Number(bits & 31n)]! + id;
    bits >>= 5n;
  }
  return `c-${id}`;
}

/**
 * What identifies a create request's content, for "same key, other body": a hash of the validated request with its
 * keys sorted (defaults applied, so `{}` and `{"managers":3}` are the same request). Kept on the record, so a later
 * PATCH of the cluster does not turn a retry of its create into a 422.
 */
export function createRequestDigest(request: unknown): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, canonical(v)]))
        : value;
  return createHash('sha256').update(JSON.stringify(canonical(request))).digest('hex');
}

export function stackNameFor(clusterId: string): string {
  return `${STACK_NAME_PREFIX}${clusterId}`;
}

/**
 * The cluster a stack event is about, read from the stack id
 * (`arn:aws:cloudformation:<region>:<account>:stack/swarm-<clusterId>/<uuid>`); undefined for anyone else's stack.
 */
export function clusterIdOfStack(stackId: string): string | undefined {
  // AWS's documented examples leave the trailing /<uuid> out; real ids carry it.
  const match = /:stack\/([^/]+)(?:\/[^/]+)?$/.exec(stackId);
  const name = match?.[1];
  if (!name?.startsWith(STACK_NAME_PREFIX)) return undefined;
  const clusterId = name.slice(STACK_NAME_PREFIX.length);
  return /^c-[0-9a-z]+$/.test(clusterId) ? clusterId : undefined;
}

export const CLUSTER_TAGS = {
  clusterId: 'swarm-provisioner:cluster-id',
  owner: 'swarm-provisioner:owner',
  managedBy: 'swarm-provisioner:managed-by',
  role: 'swarm-provisioner:role',
} as const;

export const MANAGED_BY = 'swarm-provisioner';

/** The tags every stack gets: the user's, then ours (ours win, users cannot forge them). */
export function stackTags(cluster: Pick<Cluster, 'id' | 'owner' | 'tags'>): Record<string, string> {
  return {
    ...cluster.tags,
    [CLUSTER_TAGS.clusterId]: cluster.id,
    [CLUSTER_TAGS.owner]: cluster.owner,
    [CLUSTER_TAGS.managedBy]: MANAGED_BY,
  };
}
