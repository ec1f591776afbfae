import { clusterIdFor, createRequestDigest, newClusterId, stackNameFor, type ChatChannel, type ChatFollowUp, type Cluster } from '../domain/cluster';
import { ConflictError, ValidationError, type FieldError } from '../domain/errors';
import { parametersOf, type ClusterRequest } from '../domain/parameters';
import { instancesOf, type QuotaLimits } from '../domain/quota';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook';
import { nodeCounts } from '../domain/words';
import { logger } from '../logger';
import { record } from './lifecycle';
import type { Clock, ClusterStore, QuotaHold, QuotaLedger, WorkflowStarter } from './ports';

export interface CreateClusterDeps {
  store: ClusterStore;
  workflows: WorkflowStarter;
  clock: Clock;
  defaultRegion: string;
  allowedRegions: string[];
  /** The request-time webhook URL policy; returns a reason when the URL is refused. */
  checkWebhookUrl: (url: string) => string | undefined;
  newWebhookSecret: () => string;
  /** Where the create workflow's executions live: the execution ARN is this + ':' + the cluster id. */
  createExecutionPrefix: string;
  quotas: QuotaLedger;
  quotaLimits: QuotaLimits;
  newId?: () => string;
}

export interface CreatedCluster {
  cluster: Cluster;
  /** Present when the request registered a webhook: shown once, in the 202 (and in a replay of that 202). */
  webhookSecret?: string;
  /** True when an earlier attempt of the same keyed request had already created the cluster. */
  replayed?: boolean;
}

export interface CreateClusterCommand {
  owner: string;
  request: ClusterRequest;
  followUp?: ChatFollowUp;
  /** A create from Slack: the channel its health events are posted to. */
  chatChannel?: ChatChannel;
  /** The caller's `Idempotency-Key`: the cluster id derives from it and the owner (see `clusterIdFor`). */
  idempotencyKey?: string;
}

/**
 * A keyed create whose cluster already exists: an earlier attempt of the same request got at least as far as the
 * record (the quota share was taken before it). Same body: start the workflow if the cluster still waits for it (a
 * start repeated with the execution's name and input is harmless) and answer with the cluster. Other body: 422.
 */
async function resumeCreate(deps: CreateClusterDeps, existing: Cluster, digest: string): Promise<CreatedCluster> {
  if (existing.createRequestDigest !== digest) {
    throw new ValidationError('This Idempotency-Key was already used with a different request body.', {
      errors: [{ field: 'Idempotency-Key', message: 'was used before with a different body' }],
    });
  }
  if (existing.status === 'CREATING') {
    const executionArn = await deps.workflows.startCreate(existing.id);
    logger.info('keyed create retried: workflow started or found', { clusterId: existing.id, executionArn });
    await record(deps, existing.id, 'workflow.started', 'create workflow started or found running for a retried request', { executionArn });
  }
  return { cluster: existing, webhookSecret: existing.webhook?.secret, replayed: true };
}

/** The rules the schema cannot check (allowed region, future expiry, webhook URL policy): a create's and a plan's. */
export function businessRuleErrors(deps: Pick<CreateClusterDeps, 'allowedRegions' | 'checkWebhookUrl'>, request: ClusterRequest, region: string, now: Date): FieldError[] {
  const errors: FieldError[] = [];
  if (!deps.allowedRegions.includes(region)) {
    errors.push({ field: 'region', message: `must be one of: ${deps.allowedRegions.join(', ')}` });
  }
  if (request.expiresAt && Date.parse(request.expiresAt) <= now.getTime()) {
    errors.push({ field: 'expiresAt', message: 'must be in the future' });
  }
  if (request.webhook) {
    const refusal = deps.checkWebhookUrl(request.webhook.url);
    if (refusal) errors.push({ field: 'webhook.url', message: refusal });
  }
  return errors;
}

/**
 * Primary course:
 * 1. Name the cluster: from owner + Idempotency-Key when there is one (a keyed request whose cluster exists is
 *    resumed, see `resumeCreate`), else a fresh ULID.
 * 2. Check the rules the schema cannot (allowed region, future expiry, webhook URL policy).
 * 3. Take the cluster's share of the owner's quota (429 naming the limit if it does not fit; nothing is written). The
 *    ledger holds shares per cluster id, so a retry whose first attempt took the share does not take a second.
 * 4. Write the cluster record in CREATING, with its deterministic stack name and execution ARN.
 * 5. Start the create workflow, named after the cluster.
 * 6. If the record cannot be written or the workflow cannot be started, undo what was done (record, quota share):
 *    no record without a workflow behind it, no share without a record.
 */
export async function createCluster(deps: CreateClusterDeps, command: CreateClusterCommand): Promise<CreatedCluster> {
  const { owner, request, idempotencyKey } = command;
  const digest = idempotencyKey === undefined ? undefined : createRequestDigest(request);
  const id = idempotencyKey === undefined ? (deps.newId ?? newClusterId)() : clusterIdFor(owner, idempotencyKey);
  if (digest !== undefined) {
    const existing = await deps.store.get(id);
    if (existing) return resumeCreate(deps, existing, digest);
  }

  const now = deps.clock.now();
  const region = request.region ?? deps.defaultRegion;
  const errors = businessRuleErrors(deps, request, region, now);
  if (errors.length > 0) throw new ValidationError('The cluster request breaks a rule of this service.', { errors });

  const at = now.toISOString();
  const webhookSecret = request.webhook ? deps.newWebhookSecret() : undefined;
  const cluster: Cluster = {
    id,
    name: request.name,
    owner,
    region,
    parameters: parametersOf(request),
    tags: request.tags ?? {},
    status: 'CREATING',
    statusReason: 'create requested',
    stackName: stackNameFor(id),
    createExecutionArn: `${deps.createExecutionPrefix}:${id}`,
    outputs: {},
    nodes: [],
    webhook: request.webhook && webhookSecret ? { url: request.webhook.url, events: request.webhook.events ?? [...WEBHOOK_EVENT_TYPES], secret: webhookSecret } : undefined,
    followUp: command.followUp,
    ...(command.chatChannel && { chatChannel: command.chatChannel }),
    createRequestDigest: digest,
    requestedAt: at,
    lastActivityAt: at,
    expiresAt: request.expiresAt,
    idleTimeout: request.idleTimeout,
    idleAction: request.idleAction,
    ...(request.autoRepair === true ? { autoRepair: true } : {}),
    updatedAt: at,
    version: 1,
  };

  const hold: QuotaHold = { clusterId: id, instances: instancesOf(cluster.parameters) };
  await deps.quotas.acquire(owner, hold, deps.quotaLimits);
  try {
    await deps.store.create(cluster);
  } catch (error) {
    // A keyed attempt racing another attempt of the same request: that one wrote the record and holds this same
    // share (one per cluster id), so the share stays and this attempt answers as a retry would.
    if (digest !== undefined && error instanceof ConflictError) {
      const existing = await deps.store.get(id);
      if (existing) return resumeCreate(deps, existing, digest);
    }
    await deps.quotas.release(owner, hold);
    throw error;
  }
  let executionArn: string;
  try {
    executionArn = await deps.workflows.startCreate(id);
  } catch (error) {
    logger.error('create workflow could not be started; removing the record', { clusterId: id, error });
    await deps.store.discard(id, cluster.version);
    await deps.quotas.release(owner, hold);
    throw error;
  }
  await record(deps, id, 'cluster.requested', `${nodeCounts(request)} requested in ${region}`, { owner });
  await record(deps, id, 'workflow.started', 'create workflow started', { executionArn });
  logger.info('cluster create started', { clusterId: id, owner, executionArn });
  return { cluster, webhookSecret };
}
