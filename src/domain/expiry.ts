/**
 * When a cluster is deleted without being asked: at `expiresAt`, or once it has sat idle for `idleTimeout`. Pure
 * functions over the record; the reaper, the store's index keys and the API's `autoDeleteAt` all read them, so they
 * cannot disagree.
 */
import type { Cluster, ClusterStatus } from './cluster';
import { DURATION_PATTERN } from './duration';

export type ExpiryReason = 'expired' | 'idle';

export interface DeletionDeadline {
  at: Date;
  reason: ExpiryReason;
  /** Set on an idle deadline whose cluster has `idleAction: "hibernate"`: the reaper hibernates it instead. */
  action?: 'hibernate';
}

/**
 * Statuses the reaper acts on. A cluster mid-operation (CREATING, UPDATING, DELETING) is never touched: it is left to
 * finish (its deadline still shows). DELETE_FAILED waits for its owner, since deleting it again unasked would loop on
 * whatever blocks it. HIBERNATED is reaped at its expiry only: it is not idle-reaped again.
 */
export const REAPABLE_STATUSES: ReadonlySet<ClusterStatus> = new Set(['READY', 'FAILED', 'HIBERNATED', 'UPDATE_FAILED']);

/** Statuses whose deadline is shown to the caller: the cluster still exists and nobody has asked to delete it. */
const SCHEDULED_STATUSES: ReadonlySet<ClusterStatus> = new Set(['CREATING', 'READY', 'UPDATING', 'HIBERNATED', 'UPDATE_FAILED', 'FAILED']);

const SECOND = 1000;
const UNIT_MS: Record<string, number> = { D: 86_400 * SECOND, H: 3600 * SECOND, M: 60 * SECOND, S: SECOND };

/** Milliseconds in an ISO 8601 duration of days, hours, minutes and seconds (the subset the API accepts). */
export function durationMs(duration: string): number {
  if (!DURATION_PATTERN.test(duration)) throw new RangeError(`not a supported ISO 8601 duration: ${duration}`);
  const [days = '', time = ''] = duration.slice(1).split('T');
  let total = 0;
  for (const part of [days, time]) {
    for (const [, amount, unit] of part.matchAll(/(\d+)([DHMS])/g)) total += Number(amount) * (UNIT_MS[unit!] ?? 0);
  }
  return total;
}

type DeadlineFields = Pick<Cluster, 'status' | 'lastActivityAt' | 'expiresAt' | 'idleTimeout' | 'readyAt' | 'failedAt'> & Partial<Pick<Cluster, 'idleAction'>>;

/**
 * The idle clock starts at the later of the last activity and the moment the cluster settled (READY or FAILED): a
 * cluster cannot be used before it exists, so the minutes spent creating it do not count as idleness. It has not
 * started while the cluster is still CREATING.
 */
export function idleSince(cluster: DeadlineFields): Date | undefined {
  if (cluster.status === 'CREATING') return undefined;
  const times = [cluster.lastActivityAt, cluster.readyAt, cluster.failedAt].filter((t): t is string => t !== undefined).map(Date.parse);
  return new Date(Math.max(...times));
}

/** The expiry, and the end of the idle allowance (with what it does), of a cluster; a HIBERNATED one has no idle end. */
function deadlines(cluster: DeadlineFields): DeletionDeadline[] {
  const candidates: DeletionDeadline[] = [];
  if (cluster.expiresAt) candidates.push({ at: new Date(cluster.expiresAt), reason: 'expired' });
  const since = cluster.idleTimeout && cluster.status !== 'HIBERNATED' ? idleSince(cluster) : undefined;
  if (cluster.idleTimeout && since) {
    const at = new Date(since.getTime() + durationMs(cluster.idleTimeout));
    // Only a READY cluster can be hibernated; a FAILED or UPDATE_FAILED one left idle is deleted, as before idleAction.
    candidates.push(cluster.idleAction === 'hibernate' && cluster.status === 'READY' ? { at, reason: 'idle', action: 'hibernate' } : { at, reason: 'idle' });
  }
  return candidates;
}

// An expiry wins a tie (it deletes; nothing is left to hibernate).
const earliest = (candidates: DeletionDeadline[]): DeletionDeadline | undefined =>
  candidates.reduce<DeletionDeadline | undefined>((first, next) => (first && first.at.getTime() <= next.at.getTime() ? first : next), undefined);

/** The earlier of the expiry and the end of the idle allowance when it deletes; an expiry wins a tie. Undefined when neither. */
export function deletionDeadline(cluster: DeadlineFields): DeletionDeadline | undefined {
  return earliest(deadlines(cluster).filter((deadline) => deadline.action === undefined));
}

/** The next thing the reaper will do to the cluster, delete or (idle, with idleAction hibernate) hibernate. */
export function reaperDeadline(cluster: DeadlineFields): DeletionDeadline | undefined {
  return earliest(deadlines(cluster));
}

/** What a `cluster.expiring` reminder announces: the reaper's next deadline, and whether it deletes or hibernates. */
export function expiringNotice(cluster: DeadlineFields): { action: 'delete' | 'hibernate'; at: string; reason: ExpiryReason } | undefined {
  const deadline = reaperDeadline(cluster);
  return deadline ? { action: deadline.action ?? 'delete', at: deadline.at.toISOString(), reason: deadline.reason } : undefined;
}

/** What the API shows as `autoDeleteAt`: the deadline of a cluster the reaper will (eventually) delete. */
export function autoDeleteAt(cluster: DeadlineFields): string | undefined {
  if (!SCHEDULED_STATUSES.has(cluster.status)) return undefined;
  return deletionDeadline(cluster)?.at.toISOString();
}

/** The deadline the reaper's index is keyed on (delete or hibernate); undefined keeps the cluster out of the (sparse) index. */
export function reapDeadline(cluster: DeadlineFields): string | undefined {
  if (!REAPABLE_STATUSES.has(cluster.status)) return undefined;
  return reaperDeadline(cluster)?.at.toISOString();
}

export type ReaperDecision =
  | { action: 'none' }
  | { action: 'remind'; deadline: DeletionDeadline }
  | { action: 'delete' | 'hibernate'; deadline: DeletionDeadline; remindFirst: boolean };

/**
 * What the reaper does with a cluster now:
 * - its deadline is within `leadMs` and no reminder went out for this deadline → remind;
 * - its deadline has passed → delete, reminding first if no reminder went out for this deadline (a deadline set
 *   closer than the lead time, or a reaper that was down, still gets its reminder, just not ahead of time);
 * - otherwise nothing. A deadline never moves earlier because a reminder was late.
 */
export function reaperDecision(cluster: DeadlineFields & Pick<Cluster, 'expiryReminderFor'>, now: Date, leadMs: number): ReaperDecision {
  if (!REAPABLE_STATUSES.has(cluster.status)) return { action: 'none' };
  const deadline = reaperDeadline(cluster);
  if (!deadline) return { action: 'none' };
  const reminded = cluster.expiryReminderFor === deadline.at.toISOString();
  if (deadline.at.getTime() <= now.getTime()) return { action: deadline.action ?? 'delete', deadline, remindFirst: !reminded };
  if (!reminded && deadline.at.getTime() - leadMs <= now.getTime()) return { action: 'remind', deadline };
  return { action: 'none' };
}

/** The status reason a reaped cluster carries while it is deleted (or hibernated). */
export function reapReason(cluster: DeadlineFields, deadline: DeletionDeadline): string {
  if (deadline.reason === 'expired') return `expired at ${deadline.at.toISOString()}: deleting`;
  return `idle for ${cluster.idleTimeout} (no activity since ${idleSince(cluster)?.toISOString()}): ${deadline.action === 'hibernate' ? 'hibernating' : 'deleting'}`;
}

/** The `cluster.expiring` reminder's words: what will happen at the deadline, and why. */
export function reminderText(cluster: DeadlineFields, deadline: DeletionDeadline): string {
  const at = deadline.at.toISOString();
  if (deadline.reason === 'expired') return `will be deleted at ${at}: it expires`;
  const idle = `it has been idle for ${cluster.idleTimeout ?? 'its idle timeout'}`;
  return deadline.action === 'hibernate'
    ? `will be hibernated at ${at} (workers scaled to 0, managers kept; wake restores them): ${idle}`
    : `will be deleted at ${at}: ${idle}`;
}
