import type { Cluster } from '../domain/cluster';
import { reaperDecision, reapReason, reminderText, type DeletionDeadline } from '../domain/expiry';
import type { QuotaLimits } from '../domain/quota';
import { logger } from '../logger';
import { record } from './lifecycle';
import { notifyClusterOutcome, recordWebhookGivenUp } from './notify-cluster-outcome';
import type { ChatFollowUps, Clock, ClusterStore, DeliveryStore, DeliveryWorkflow, QuotaLedger, WorkflowStarter } from './ports';
import { sweep, visitGuarded } from './sweep';
import { beginDeletion } from './request-cluster-deletion';
import { beginUpdate } from './request-cluster-update';

export interface ReapDeps {
  store: ClusterStore;
  workflows: WorkflowStarter;
  clock: Clock;
  /** The lifecycle's (a delete the reaper begins ends DELETED like any other, giving the quota share back). */
  quotas: QuotaLedger;
  /** For an idle hibernation, which goes through the same use case as POST /clusters/{id}/hibernate. */
  quotaLimits: QuotaLimits;
  followUps: ChatFollowUps;
  /** The durable webhook delivery the `cluster.expiring` reminder goes through, like every other event. */
  deliveries: DeliveryStore;
  deliveryWorkflow: DeliveryWorkflow;
  /** How long before its deadline a cluster gets its `cluster.expiring` reminder. */
  reminderLeadSeconds: number;
  /** Clusters one run handles at most; the rest are next run's. */
  batchSize: number;
}

export interface ReapSummary {
  examined: number;
  reminded: number;
  deleted: number;
  /** Idle clusters with `idleAction: "hibernate"` whose hibernation was started. */
  hibernated: number;
  /** Clusters that changed between the reaper's read and its write (activity, say): left for the next run. */
  raced: number;
  failed: number;
}

const REAPER = { name: 'reaper', failure: 'reaper could not handle a cluster' };

/**
 * Primary course (a scheduled run):
 * 1. Query the reaper's index for clusters whose deadline is within the reminder lead time (never a Scan).
 * 2. Read each one again, consistently, and decide from that record (the index is eventually consistent and may
 *    be behind a recent activity).
 * 3. Deadline close and no reminder for it yet → remind: mark the reminder sent (a conditional write, so one per
 *    deadline even if two runs overlap), then schedule `cluster.expiring` on the durable webhook delivery (its own
 *    workflow retries a receiver that is down; the reaper never waits for one).
 * 4. Deadline passed → remind first if that never happened, then begin the delete with the reason (`expired`,
 *    `idle`), conditioned on the version read in step 2: a cluster that saw activity since is not deleted. An idle
 *    cluster whose idleAction is `hibernate` is hibernated instead (the POST /hibernate use case, as `reaper`).
 * A cluster mid-operation (CREATING, UPDATING, DELETING) is never touched (domain/expiry.ts REAPABLE_STATUSES).
 * One cluster's failure is logged and does not stop the others.
 */
export async function reapClusters(deps: ReapDeps): Promise<ReapSummary> {
  const now = deps.clock.now();
  const until = new Date(now.getTime() + deps.reminderLeadSeconds * 1000).toISOString();
  const summary: ReapSummary = { examined: 0, reminded: 0, deleted: 0, hibernated: 0, raced: 0, failed: 0 };
  summary.examined = await sweep((page) => deps.store.listReapable({ until, ...page }), deps.batchSize, (candidate) => visitGuarded(REAPER, candidate.id, summary, () => reapOne(deps, candidate.id, now, summary)));
  if (summary.examined > 0) logger.info('reaper run finished', { ...summary });
  return summary;
}

async function reapOne(deps: ReapDeps, clusterId: string, now: Date, summary: ReapSummary): Promise<void> {
  let cluster = await deps.store.get(clusterId);
  if (!cluster) return;
  const decision = reaperDecision(cluster, now, deps.reminderLeadSeconds * 1000);
  if (decision.action === 'none') return;
  if (decision.action === 'remind' || decision.remindFirst) {
    cluster = await remind(deps, cluster, decision.deadline);
    summary.reminded += 1;
  }
  if (decision.action === 'delete') {
    await beginDeletion(deps, cluster, { reason: decision.deadline.reason, statusReason: reapReason(cluster, decision.deadline), isActivity: false });
    summary.deleted += 1;
  }
  if (decision.action === 'hibernate') {
    await beginUpdate(deps, cluster, { operation: 'hibernate' }, { requestedBy: 'reaper', isActivity: false, statusReason: reapReason(cluster, decision.deadline) });
    summary.hibernated += 1;
  }
}

async function remind(deps: ReapDeps, cluster: Cluster, deadline: DeletionDeadline): Promise<Cluster> {
  const at = deadline.at.toISOString();
  const updated = await deps.store.update(cluster, { expiryReminderFor: at, updatedAt: deps.clock.now().toISOString() });
  const action = deadline.action ?? 'delete';
  await record(deps, cluster.id, 'cluster.expiring', reminderText(cluster, deadline), { [action === 'delete' ? 'deleteAt' : 'hibernateAt']: at, reason: deadline.reason, action });
  const event = { clusterId: cluster.id, event: 'cluster.expiring' as const, version: updated.version };
  try {
    // The delivery is keyed by this version, which only this reminder's write produced: one delivery per deadline.
    await notifyClusterOutcome(deps, event);
  } catch (error) {
    // Only scheduling can fail here (the delivery workflow retries the receiver itself). The reminder is a courtesy
    // and the deadline does not wait for it: say so on the timeline and in the delivery log, and carry on.
    logger.error('cluster.expiring could not be scheduled', { clusterId: cluster.id, error });
    await recordWebhookGivenUp(deps, event).catch((givenUpError: unknown) =>
      logger.error('cluster.expiring failure could not be recorded', { clusterId: cluster.id, error: givenUpError }),
    );
  }
  return updated;
}
