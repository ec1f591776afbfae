/**
 * Per-owner quotas: how many clusters may hold AWS resources at once, and how many instances (managers + workers)
 * they may add up to. A cluster holds its share from the moment it is requested until its resources are known to be
 * gone (see docs/security.md, "Quotas"). Pure rules; the ledger that keeps the counts is an adapter.
 */
import { QuotaExceededError } from './errors';
import type { ClusterParameters } from './parameters';

export interface QuotaLimits {
  maxActiveClusters: number;
  maxInstances: number;
}

export interface QuotaUsage {
  activeClusters: number;
  instances: number;
}

export type QuotaName = 'activeClusters' | 'instances';

export interface QuotaBreach {
  limit: QuotaName;
  max: number;
  current: number;
  requested: number;
}

export function instancesOf(parameters: Pick<ClusterParameters, 'managers' | 'workers'>): number {
  return parameters.managers + parameters.workers;
}

/** The first limit one more cluster of `instances` would break, if any. */
export function quotaBreach(usage: QuotaUsage, limits: QuotaLimits, instances: number): QuotaBreach | undefined {
  if (usage.activeClusters + 1 > limits.maxActiveClusters) {
    return { limit: 'activeClusters', max: limits.maxActiveClusters, current: usage.activeClusters, requested: 1 };
  }
  if (usage.instances + instances > limits.maxInstances) {
    return { limit: 'instances', max: limits.maxInstances, current: usage.instances, requested: instances };
  }
  return undefined;
}

export function quotaExceeded(breach: QuotaBreach): QuotaExceededError {
  const detail =
    breach.limit === 'activeClusters'
      ? `You may have at most ${breach.max} active clusters and ${breach.current} are active; delete one first.`
      : `You may run at most ${breach.max} instances over all your active clusters; ${breach.current} are in use and this cluster needs ${breach.requested}.`;
  return new QuotaExceededError(detail, { extensions: { quota: breach } });
}
