import { ValidationError } from '../domain/errors';
import { parametersOf, type ClusterRequest } from '../domain/parameters';
import { plannedResources, type ClusterPlan } from '../domain/plan';
import { estimateCost } from '../domain/pricing/estimate';
import { PRICE_TABLE, type PriceTable } from '../domain/pricing/prices';
import { instancesOf, quotaBreach, quotaExceeded } from '../domain/quota';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook';
import { businessRuleErrors, type CreateClusterDeps } from './create-cluster';
import type { QuotaLedger } from './ports';

export interface PlanClusterDeps extends Pick<CreateClusterDeps, 'clock' | 'defaultRegion' | 'allowedRegions' | 'checkWebhookUrl' | 'quotaLimits'> {
  /** Read only: a plan looks at the owner's usage and takes nothing. */
  quotas: Pick<QuotaLedger, 'usage'>;
  prices?: PriceTable;
}

export interface PlanClusterCommand {
  owner: string;
  request: ClusterRequest;
}

/**
 * Primary course (a create's first three steps, with nothing written):
 * 1. Check the rules the schema cannot, as a create does (allowed region, future expiry, webhook URL policy): 422.
 * 2. Read the owner's quota usage; if one more cluster of this size would break a limit, 429 naming it, as a create.
 * 3. Answer with the request as a create would store it, the resources the template would make for it, and what
 *    they would cost from the price table (no estimate, and why, for a region the table does not price).
 */
export async function planCluster(deps: PlanClusterDeps, command: PlanClusterCommand): Promise<ClusterPlan> {
  const { owner, request } = command;
  const region = request.region ?? deps.defaultRegion;
  const errors = businessRuleErrors(deps, request, region, deps.clock.now());
  if (errors.length > 0) throw new ValidationError('The cluster request breaks a rule of this service.', { errors });

  const parameters = parametersOf(request);
  const requested = { activeClusters: 1, instances: instancesOf(parameters) };
  const inUse = await deps.quotas.usage(owner);
  const breach = quotaBreach(inUse, deps.quotaLimits, requested.instances);
  if (breach) throw quotaExceeded(breach);

  const prices = deps.prices ?? PRICE_TABLE;
  const estimate = estimateCost(parameters, region, prices);
  return {
    dryRun: true,
    cluster: {
      name: request.name,
      region,
      parameters,
      tags: request.tags ?? {},
      ...(request.webhook ? { webhook: { url: request.webhook.url, events: request.webhook.events ?? [...WEBHOOK_EVENT_TYPES] } } : {}),
      ...(request.expiresAt !== undefined ? { expiresAt: request.expiresAt } : {}),
      ...(request.idleTimeout !== undefined ? { idleTimeout: request.idleTimeout } : {}),
      ...(request.idleAction !== undefined ? { idleAction: request.idleAction } : {}),
    },
    quota: { limits: deps.quotaLimits, inUse, requested },
    resources: plannedResources(parameters),
    ...(estimate
      ? { estimate }
      : { estimateUnavailable: `The price table has no prices for ${region} (it prices ${Object.keys(prices.regions).join(', ')}); see docs/costs.md.` }),
  };
}
