/**
 * The reaper: an EventBridge schedule on AWS (serverless.yml), a timer in the local cloud, the same handler. Each run
 * reminds and deletes what is due (see use-cases/reap-clusters.ts) and returns what it did.
 */
import { clusterStore, webhookSender, workflowStarter, type Dependencies } from '../../composition';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { reapClusters, type ReapSummary } from '../../use-cases/reap-clusters';
import { lazyHandler } from '../lazy';

export function reapClustersHandler(deps: Pick<Dependencies, 'config' | 'store' | 'workflows' | 'clock' | 'sendWebhook'>) {
  return async (): Promise<ReapSummary> =>
    reapClusters({
      store: deps.store,
      workflows: deps.workflows,
      clock: deps.clock,
      send: deps.sendWebhook,
      reminderLeadSeconds: deps.config.reaper.reminderLeadSeconds,
      batchSize: deps.config.reaper.batchSize,
    });
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return reapClustersHandler({ config, store: clusterStore(config), workflows: workflowStarter(config), clock: systemClock, sendWebhook: webhookSender(config) });
});
