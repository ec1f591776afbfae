import { newClusterId, stackNameFor, type ChatFollowUp, type Cluster } from '../domain/cluster';
import { ValidationError, type FieldError } from '../domain/errors';
import { parametersOf, type ClusterRequest } from '../domain/parameters';
import { instancesOf, type QuotaLimits } from '../domain/quota';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook';
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
  /** Present when the request registered a webhook: shown once, in the 202. */
  webhookSecret?: string;
}

function businessRuleErrors(deps: CreateClusterDeps, request: ClusterRequest, region: string, now: Date): FieldError[] {
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
 * 1. Check the rules the schema cannot (allowed region, future expiry, webhook URL policy).
 * 2. Take the cluster's share of the owner's quota (429 naming the limit if it does not fit; nothing is written).
 * 3. Write the cluster record in CREATING, with its deterministic stack name and execution ARN.
 * 4. Start the create workflow, named after the cluster.
 * 5. If the record cannot be written or the workflow cannot be started, undo what was done (record, quota share):
 *    no record without a workflow behind it, no share without a record.
 */
export async function createCluster(
  deps: CreateClusterDeps,
  command: { owner: string; request: ClusterRequest; followUp?: ChatFollowUp },
): Promise<CreatedCluster> {
  const { owner, request } = command;
  const now = deps.clock.now();
  const region = request.region ?? deps.defaultRegion;
  const errors = businessRuleErrors(deps, request, region, now);
  if (errors.length > 0) throw new ValidationError('The cluster request breaks a rule of this service.', { errors });

  const id = (deps.newId ?? newClusterId)();
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
    requestedAt: at,
    lastActivityAt: at,
    expiresAt: request.expiresAt,
    idleTimeout: request.idleTimeout,
    updatedAt: at,
    version: 1,
  };

  const hold: QuotaHold = { clusterId: id, instances: instancesOf(cluster.parameters) };
  await deps.quotas.acquire(owner, hold, deps.quotaLimits);
  try {
    await deps.store.create(cluster);
  } catch (error) {
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
  await record(deps, id, 'cluster.requested', `${request.managers} managers and ${request.workers} workers requested in ${region}`, { owner });
  await record(deps, id, 'workflow.started', 'create workflow started', { executionArn });
  logger.info('cluster create started', { clusterId: id, owner, executionArn });
  return { cluster, webhookSecret };
}
