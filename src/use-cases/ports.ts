/**
 * What the use cases need from the outside world, as plain types. Adapters under src/adapters implement them with
 * the AWS SDK; unit tests pass fakes or SDK mocks. The errors named below are the classes in domain/errors.ts: an
 * adapter translates its SDK's exceptions into them, so a use case recognises them with instanceof.
 */
import type { ApiKeyRecord } from '../domain/api-key';
import type { Cluster, ClusterNode, ClusterStatus, TimelineEvent } from '../domain/cluster';
import type { Delivery, RecordedAttempt } from '../domain/delivery';
import type { ClusterHealth, ObservedAgent, ObservedGroup } from '../domain/health';
import type { DeliveryAttempt } from '../domain/webhook';
import type { ClusterDiagnostics, DiagnosticsJob, DiagnosticsRequest } from '../domain/diagnostics';
import type { QuotaLimits, QuotaUsage } from '../domain/quota';
import type { StackEventView } from '../domain/stack';
import type { InstanceWait, ResourceState, StackWait, WaitOutcome } from '../domain/stack-wait';

type Changeable = Omit<Cluster, 'id' | 'version' | 'owner' | 'requestedAt'>;

/** Fields to set; `null` removes an optional field (e.g. PATCH `{"expiresAt": null}`), `undefined` leaves it alone. */
export type ClusterChanges = { [K in keyof Changeable]?: Changeable[K] | (undefined extends Changeable[K] ? null : never) };

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Reading clusters and their timelines: all the read-only routes may do with the clusters table. */
export interface ClusterReader {
  get(id: string): Promise<Cluster | undefined>;
  /**
   * The cluster with its stack resources' latest statuses (`stackResources`, `resourcesPlanned`): what `progress` is
   * computed from. One read of both items; only the routes that show progress need it.
   */
  getWithResources(id: string): Promise<Cluster | undefined>;
  listByOwner(owner: string, query: { status?: ClusterStatus; limit: number; cursor?: string }): Promise<Page<Cluster>>;
  /**
   * The owner's clusters whose last activity is before `idleSince`, least recently active first (from an index that
   * holds only clusters that are not DELETING or DELETED).
   */
  listIdleByOwner(owner: string, query: { idleSince: string; status?: ClusterStatus; limit: number; cursor?: string }): Promise<Page<Cluster>>;
  /** Clusters the reaper may delete whose deadline is at or before `until`, earliest first (a sparse index). */
  listReapable(query: { until: string; limit: number; cursor?: string }): Promise<Page<Cluster>>;
  /**
   * Clusters in a transitional status (CREATING, DELETING) whose record has not changed since `quietSince`, least
   * recently changed first (a sparse index): the reconciler's candidates.
   */
  listTransitional(query: { quietSince: string; limit: number; cursor?: string }): Promise<Page<Cluster>>;
  /** The ids of every READY or HIBERNATED cluster, in pages (a sparse KEYS_ONLY index): the health sweep's candidates. */
  listSettled(query: { limit: number; cursor?: string }): Promise<Page<{ id: string }>>;
  listEvents(clusterId: string, query: { limit: number; cursor?: string }): Promise<Page<TimelineEvent>>;
}

/** Writing to a cluster's timeline, and nothing else of the clusters table (the event functions that only tell it). */
export interface ClusterTimeline {
  appendEvent(event: TimelineEvent): Promise<void>;
  /**
   * Appends the event unless one with the same `key` is there (at-least-once event delivery: the copy of an event
   * writes nothing). Returns whether it was written.
   */
  appendEventOnce(event: TimelineEvent, key: string): Promise<boolean>;
}

export interface ClusterStore extends ClusterReader {
  /** Writes a new cluster; fails with ConflictError if the id exists. */
  create(cluster: Cluster): Promise<void>;
  /** Removes a cluster that never got further than its first version (undoing a create that could not start). */
  discard(id: string, version: number): Promise<void>;
  /** Applies `changes` if the record is still at `cluster.version`; bumps the version. Throws StaleClusterError otherwise. */
  update(cluster: Cluster, changes: ClusterChanges): Promise<Cluster>;
  /**
   * Writes `health` if the record is still at `cluster.version`, WITHOUT bumping the version: an unchanged finding
   * (a new checkedAt) must not make every caller's copy stale each sweep. Throws StaleClusterError otherwise.
   */
  touchHealth(cluster: Cluster, health: ClusterHealth): Promise<void>;
  appendEvent(event: TimelineEvent): Promise<void>;
  /**
   * Opens the record of the cluster's stack resources, empty, with the create's planned total: resource events are
   * recorded from then on (a cluster without one gets none). A second call keeps what was recorded.
   */
  openStackResources(clusterId: string, planned?: number): Promise<void>;
}

export interface StackDescription {
  stackId: string;
  stackName: string;
  status: string;
  statusReason?: string;
  /** DescribeStacks' LastUpdatedTime (ISO): absent until the stack's first update. */
  lastUpdatedTime?: string;
  outputs: Record<string, string>;
  tags: Record<string, string>;
}

export interface CreateStackRequest {
  region: string;
  stackName: string;
  clientRequestToken: string;
  parameters: Record<string, string>;
  tags: Record<string, string>;
}

/**
 * Changing a stack that exists: UpdateStack (the update workflow) and CancelUpdateStack (a delete during an update).
 * Apart from StackGateway so that a function's bundle and role carry only the call it makes.
 */
export interface StackUpdates {
  /**
   * Starts an UpdateStack with the service's current template and these parameters (the stack keeps its tags).
   * Resolves `started`, or `unchanged` when CloudFormation answers "No updates are to be performed.", or
   * `{ rollingBack: <status> }` when the stack is still in (or stuck in, UPDATE_ROLLBACK_FAILED) the rollback of an
   * earlier update and "can not be updated" yet. A token already
   * used for the stack is a retry of that request: CloudFormation starts nothing new.
   */
  updateStack(request: UpdateStackRequest): Promise<'started' | 'unchanged' | { rollingBack: string }>;
  /**
   * ContinueUpdateRollback of a stack left in UPDATE_ROLLBACK_FAILED by an earlier change, through the service role:
   * the stack rolls back to its last good state, after which it can be updated again. False when the stack is not in
   * UPDATE_ROLLBACK_FAILED (any more).
   */
  continueUpdateRollback(region: string, stackNameOrId: string, clientRequestToken: string): Promise<boolean>;
  /**
   * Cancels the stack's update in progress (it rolls back). False when there was none to cancel (the stack was not
   * UPDATE_IN_PROGRESS any more, or is gone).
   */
  cancelUpdateStack(region: string, stackNameOrId: string, clientRequestToken: string): Promise<boolean>;
}

export interface UpdateStackRequest {
  region: string;
  stackNameOrId: string;
  clientRequestToken: string;
  parameters: Record<string, string>;
}

/** Reading stacks: what the steps that only watch a stack get (their roles cannot create, delete or pass a role). */
export interface StackReader {
  /** Undefined when the stack does not exist (any more). */
  describeStack(region: string, stackNameOrId: string): Promise<StackDescription | undefined>;
  listStackEvents(region: string, stackNameOrId: string): Promise<StackEventView[]>;
}

export interface StackGateway extends StackReader {
  /** Starts a create; returns the stack id. Throws StackAlreadyExistsError when the name is taken. */
  createStack(request: CreateStackRequest): Promise<string>;
  deleteStack(region: string, stackNameOrId: string, clientRequestToken: string): Promise<void>;
  /** How many resources the template will certainly create (domain/stack-wait.ts plannedResourceCount). */
  plannedResourceCount?(): number;
}

/**
 * The workflows' waits on the cluster record (domain/stack-wait.ts). Each write is conditional on the wait it is for
 * and leaves the record's version alone: the status writers and these never overwrite each other's fields.
 */
export interface StackWaits {
  /**
   * Attaches a waiting task's token to the open wait `key` and counts the round. Resolves with the wait as it is
   * after the write (with its status, if the final event came first); undefined when no wait `key` is open (a later
   * operation replaced it, or the cluster is gone).
   */
  attachToken(clusterId: string, key: string, token: string): Promise<StackWait | undefined>;
  /**
   * Records a final status on the cluster's open wait: only if the status ends that wait's target, the wait has no
   * status yet, and the event (at `time`) is not older than the wait (`key`, when given, must match too). Resolves
   * with the wait as it is after the write (its token, if one is attached), undefined when nothing was recorded
   * (a duplicate, a late event of an earlier attempt, a status that does not end this wait, no open wait).
   */
  recordStatus(clusterId: string, report: { status: string; reason?: string; time: string; key?: string }): Promise<StackWait | undefined>;
  /**
   * Records the stack's own latest status (by resourceOrder of the event) unless a newer one is recorded; true when
   * it changed, which is when the timeline hears of it (a duplicate or an older report is not news).
   */
  recordStackStatus(clusterId: string, report: { status: string; order: string }): Promise<boolean>;
  /**
   * Records one resource's status on the cluster's stack resources record unless a newer event already did, and sets
   * the record's heartbeat bucket to `beatBucket` with the same write. Resolves with the record as it was before the
   * write (the resources, the create's planned total, the bucket), or undefined when the event was older than what is
   * recorded (or the cluster has no such record).
   */
  recordResource(
    clusterId: string,
    resource: { logicalId: string } & ResourceState,
    beatBucket: number,
  ): Promise<{ before: Record<string, ResourceState>; planned?: number; beatBucket?: number } | undefined>;
}

export interface InstanceWaits {
  /** Lets an EC2 event find its cluster: one small item per instance id. */
  watch(clusterId: string, instanceIds: string[]): Promise<void>;
  /** The cluster an instance was watched for. */
  clusterOf(instanceId: string): Promise<string | undefined>;
  /**
   * Opens (or renews, one round more) the wait for `remaining` with the task's token. Resolves with the ids still
   * not known terminated after the write (those EC2 already reported are taken out).
   */
  attach(clusterId: string, wait: InstanceWait & { token: string }, remaining: string[]): Promise<string[]>;
  /**
   * Notes one instance terminated. Resolves with the wait and the ids still to go after the write (undefined when the
   * cluster is gone).
   */
  recordTerminated(clusterId: string, instanceId: string): Promise<{ wait?: InstanceWait; remaining: string[] } | undefined>;
}

/** Step Functions' callbacks for a task that waits on a token. A token already used or expired is not an error. */
export interface TaskTokens {
  /** Resumes the waiting task with `output`; false when the token was used already, timed out or is unknown. */
  succeed(token: string, output: WaitOutcome | Record<string, unknown>): Promise<boolean>;
  /** Fails the waiting task with an error name its Catch matches and the reason as cause. */
  fail(token: string, error: string, cause: string): Promise<boolean>;
  /** Tells the waiting task its operation is still making progress (resets HeartbeatSeconds). */
  heartbeat(token: string): Promise<boolean>;
}

/**
 * The node inventory on the cluster record, kept by events (adapters/dynamodb/cluster-nodes.ts). Every write is
 * conditional, so a duplicate, late or out-of-order event changes nothing; each resolves false when it did not apply.
 */
export interface ClusterNodes {
  /** A node's new state, unless the node is not in the inventory, is terminated, or already has newer news. */
  recordState(clusterId: string, instanceId: string, report: { state: string; at: string }): Promise<boolean>;
  /** A node the cluster's Auto Scaling group launched, if the cluster is READY and does not list it yet. */
  join(clusterId: string, node: ClusterNode): Promise<boolean>;
  /** Takes out a node its group terminated, if the cluster is READY (a delete keeps its nodes, as terminated). */
  leave(clusterId: string, instanceId: string): Promise<boolean>;
  /** Maps a launched instance to its cluster, unless the instance is already known to be terminated. */
  mapInstance(clusterId: string, instanceId: string): Promise<boolean>;
  /** The instance terminated: its mapping is kept a while for late events, then DynamoDB's TTL removes it. */
  retireInstance(instanceId: string, at: string): Promise<void>;
}

export interface InstanceInventory {
  /** Every instance carrying the cluster-id tag, in any state. */
  instancesOfCluster(region: string, clusterId: string): Promise<ClusterNode[]>;
  /** The instances with these ids that EC2 still lists, whatever their tags; an id it has forgotten is left out. */
  instancesById(region: string, instanceIds: string[]): Promise<ClusterNode[]>;
}

export interface WorkflowStarter {
  /** Starts (or finds, when the name already ran with the same input) an execution; returns its ARN. */
  startCreate(clusterId: string): Promise<string>;
  /** The ARN the delete execution of this request will have (its name is derived from the request number). */
  deleteExecutionArn(clusterId: string, request: number): string;
  /** Starts the delete workflow for one delete request; a repeat with the same request finds the same execution. */
  startDelete(clusterId: string, request: number): Promise<string>;
  /** The ARN the update execution of this change will have (named `<cluster id>-<update id>`). */
  updateExecutionArn(clusterId: string, updateId: string): string;
  /**
   * Starts the update workflow for one change (input `{ clusterId, updateId }`); a repeat with the same update id finds
   * the same execution. Throws ServiceUnavailableError when no update workflow is configured.
   */
  startUpdate(clusterId: string, updateId: string): Promise<string>;
  /** Stops an execution; one that has ended or never existed is left as it is. */
  stop(executionArn: string, reason: { error: string; cause: string }): Promise<void>;
}

/** What Step Functions says of one execution. */
export type ExecutionState =
  /** RUNNING, or PENDING_REDRIVE (a redrive is about to run it again): it still drives its cluster. */
  | { state: 'running' }
  /** SUCCEEDED, FAILED, TIMED_OUT or ABORTED, with the error it ended with. */
  | { state: 'ended'; status: string; error?: string }
  /** Step Functions does not know it: never started, expired (90 days), or the local process restarted. */
  | { state: 'missing' };

/** The reconciler's view of workflow executions, by ARN. */
export interface WorkflowExecutions {
  describe(executionArn: string): Promise<ExecutionState>;
  /**
   * Starts an execution of the state machine and name in `executionArn`, with the cluster id (and `extra`: an
   * update's id) as input. A name
   * already taken is left as it is: the start was made before (a repeat after a crash), nothing new runs.
   */
  startAt(executionArn: string, clusterId: string, extra?: Record<string, string>): Promise<void>;
}

/** What one cluster counts against its owner's quota. */
export interface QuotaHold {
  clusterId: string;
  instances: number;
}

/** A change of one cluster's share, in instances (managers + workers before and after). */
export interface QuotaAdjustment {
  clusterId: string;
  from: number;
  to: number;
}

/**
 * Per-owner usage, kept race-safe without transactions: one item per owner whose counts only move by conditional
 * writes, with the set of clusters holding a share so that taking and giving back are each idempotent.
 */
export interface QuotaLedger {
  /** Takes the cluster's share; throws QuotaExceededError naming the limit. Taking it twice counts once. */
  acquire(owner: string, hold: QuotaHold, limits: QuotaLimits): Promise<void>;
  /** Gives the share back; false when it was not held (already released, or taken before quotas existed). */
  release(owner: string, hold: QuotaHold): Promise<boolean>;
  /**
   * Moves a held share from `from` to `to` instances (a scale): taking more throws QuotaExceededError naming the
   * instance limit when it does not fit; giving back always fits. Idempotent: a repeat finds the share already at
   * `to` and changes nothing. False when the cluster holds no share (taken before quotas existed) or its share is
   * neither `from` nor `to` (someone else moved it).
   */
  adjust(owner: string, change: QuotaAdjustment, limits: QuotaLimits): Promise<boolean>;
  usage(owner: string): Promise<QuotaUsage>;
}

/** Reading one key: all the authorizer may do. */
export interface ApiKeyLookup {
  get(keyId: string): Promise<ApiKeyRecord | undefined>;
}

export interface ApiKeyStore extends ApiKeyLookup {
  /** Writes a new key; fails with ConflictError if the id exists. */
  create(record: ApiKeyRecord): Promise<void>;
  /** Writes a key whatever was there (the local sandbox re-registers LOCAL_API_KEY on every start). */
  register(record: ApiKeyRecord): Promise<void>;
  list(query: { principal?: string; limit: number; cursor?: string }): Promise<Page<ApiKeyRecord>>;
  /** Marks the key revoked (once: a second revoke keeps the first time); undefined when there is no such key. */
  revoke(keyId: string, at: string): Promise<ApiKeyRecord | undefined>;
}

/** Tells the person who asked in chat how their cluster ended (ready, failed, deleted). Never throws. */
export interface ChatFollowUps {
  announce(cluster: Cluster): Promise<void>;
}

/**
 * Posts one stored chat message (a JSON body naming its channel) with the app's bot token; never throws for anything
 * the network or Slack does: the answer is an attempt, as a webhook send's is (adapters/slack/channel-poster.ts).
 */
export type SendChatMessage = (request: { body: string; now: Date }) => Promise<DeliveryAttempt>;

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export type DeliveryChanges = Partial<Pick<Delivery, 'status' | 'statusReason' | 'round' | 'deliveredAt' | 'updatedAt'>>;

/** The delivery log: one record per event sent to a cluster's webhook, under the cluster's partition. */
/** Reading the delivery log: what GET /clusters/{id}/deliveries may do. */
export interface DeliveryReader {
  get(clusterId: string, deliveryId: string): Promise<Delivery | undefined>;
  /** Oldest first. */
  list(clusterId: string, query: { limit: number; cursor?: string }): Promise<Page<Delivery>>;
}

export interface DeliveryStore extends DeliveryReader {
  /** Writes a new delivery; false (and nothing written) when one with this id already exists. */
  create(delivery: Delivery): Promise<boolean>;
  /**
   * Applies `changes` (and appends `attempt`) if the record is still at `delivery.version`; bumps the version.
   * Throws StaleDeliveryError otherwise.
   */
  update(delivery: Delivery, changes: DeliveryChanges, attempt?: RecordedAttempt): Promise<Delivery>;
}

/** The input of one delivery workflow execution (statemachines/deliver-webhook.asl.json). */
export interface DeliveryExecutionInput {
  clusterId: string;
  deliveryId: string;
  round: number;
  attempt: number;
}

export interface DeliveryWorkflow {
  /** Starts the round's execution, or finds it when it was already started (running or not); returns its ARN. */
  start(input: Omit<DeliveryExecutionInput, 'attempt'>): Promise<string>;
}

/** EC2's console output of an instance (the bootstrap and cloud-init log), decoded; undefined when EC2 has none. */
export interface ConsoleOutputReader {
  consoleOutput(region: string, instanceId: string): Promise<string | undefined>;
}

/** A cluster's latest diagnostics, one item beside the cluster's (adapters/dynamodb/diagnostics-store.ts). */
export interface DiagnosticsStore {
  put(diagnostics: ClusterDiagnostics): Promise<void>;
  get(clusterId: string): Promise<ClusterDiagnostics | undefined>;
  /**
   * Records an on-request collection as `collecting`, keeping what was collected before, unless one is already
   * collecting and was requested after `lostBefore`: then that one is answered and nothing is written (a conditional
   * write, so two POSTs at once record one request).
   */
  requestCollection(clusterId: string, request: DiagnosticsRequest, lostBefore: string): Promise<{ started: boolean; diagnostics: ClusterDiagnostics }>;
  /** Marks that request `failed` with why; a no-op when the item has moved on to another request. */
  failRequest(clusterId: string, requestId: string, error: string): Promise<void>;
}

/** Hands an on-request collection to the collector function (an event on the default bus; adapters/eventbridge). */
export type DiagnosticsRequests = (job: DiagnosticsJob) => Promise<void>;

/** One run of shell commands on a node (SSM Run Command). `status` is SSM's, or `DeadlinePassed` when we stopped waiting. */
export interface NodeCommandRun {
  instanceId: string;
  status: string;
  output: string;
  error?: string;
}

/** A cluster's Auto Scaling groups as the health sweep reads them (domain/health.ts ObservedGroup, with names). */
export interface ClusterGroup extends ObservedGroup {
  name: string;
}

export interface ClusterGroups {
  /** The groups carrying the cluster-id tag, with their instances: one DescribeAutoScalingGroups call (a tag filter). */
  groupsOfCluster(region: string, clusterId: string): Promise<ClusterGroup[]>;
  /**
   * SetInstanceHealth Unhealthy, respecting the group's grace period: the group terminates the instance and
   * launches a replacement.
   */
  markUnhealthy(region: string, instanceId: string): Promise<void>;
}

export interface NodeAgents {
  /** The SSM agents of these instances (DescribeInstanceInformation by InstanceIds); an unregistered one is left out. */
  agentsOf(region: string, instanceIds: string[]): Promise<ObservedAgent[]>;
}

export interface NodeCommands {
  run(region: string, instanceId: string, commands: string[], options: { deadlineMs: number }): Promise<NodeCommandRun>;
}
