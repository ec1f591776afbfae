/**
 * The reaper: an EventBridge schedule on AWS (serverless.yml), a timer in the local cloud, the same handler. Each run
 * reminds and deletes what is due (see use-cases/reap-clusters.ts) and returns what it did.
 */
import { chatFollowUps } from '../../composition/chat';
import type { Dependencies } from '../../composition/dependencies';
import { clusterStore, deliveryStore, dynamoDBClient, quotaLedger } from '../../composition/dynamodb';
import { deliveryWorkflow, workflowStarter } from '../../composition/stepfunctions';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { reapClusters, type ReapSummary } from '../../use-cases/reap-clusters';
import { lazyHandler } from '../lazy';

export type ReapClustersHandlerDeps = Pick<Dependencies, 'config' | 'store' | 'workflows' | 'clock' | 'quotas' | 'followUps' | 'deliveries' | 'deliveryWorkflow'>;

export function reapClustersHandler(deps: ReapClustersHandlerDeps) {
  return async (): Promise<ReapSummary> =>
    reapClusters({
      store: deps.store,
      workflows: deps.workflows,
      clock: deps.clock,
      quotas: deps.quotas,
      quotaLimits: deps.config.quota,
      followUps: deps.followUps,
      deliveries: deps.deliveries,
      deliveryWorkflow: deps.deliveryWorkflow,
      reminderLeadSeconds: deps.config.reaper.reminderLeadSeconds,
      batchSize: deps.config.reaper.batchSize,
    });
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return reapClustersHandler({
    config,
    store: clusterStore(config, dynamodb),
    workflows: workflowStarter(config),
    clock: systemClock,
    quotas: quotaLedger(config, dynamodb),
    followUps: chatFollowUps(config),
    deliveries: deliveryStore(config, dynamodb),
    deliveryWorkflow: deliveryWorkflow(config),
  });
});
