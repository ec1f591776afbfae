/**
 * The reconciler: an EventBridge schedule on AWS (serverless.yml), at start and on a timer in the local cloud, the
 * same handler. Each run settles the CREATING/DELETING clusters whose workflow is gone (see
 * use-cases/reconcile-clusters.ts) and returns what it did.
 */
import { chatFollowUps } from '../../composition/chat';
import { stackReader } from '../../composition/cloudformation';
import type { Dependencies } from '../../composition/dependencies';
import { clusterStore, deliveryStore, dynamoDBClient, quotaLedger } from '../../composition/dynamodb';
import { deliveryWorkflow, workflowExecutions } from '../../composition/stepfunctions';
import { loadConfig } from '../../config';
import { systemClock, type StackReader, type WorkflowExecutions } from '../../use-cases/ports';
import { reconcileClusters, type ReconcileSummary } from '../../use-cases/reconcile-clusters';
import { lazyHandler } from '../lazy';

export type ReconcileClustersHandlerDeps = Pick<Dependencies, 'config' | 'store' | 'clock' | 'quotas' | 'followUps' | 'deliveries' | 'deliveryWorkflow'> & {
  executions: WorkflowExecutions;
  stacks: StackReader;
};

export function reconcileClustersHandler(deps: ReconcileClustersHandlerDeps, overrides: { graceSeconds?: number } = {}) {
  return async (): Promise<ReconcileSummary> =>
    reconcileClusters({
      store: deps.store,
      executions: deps.executions,
      stacks: deps.stacks,
      clock: deps.clock,
      quotas: deps.quotas,
      followUps: deps.followUps,
      deliveries: deps.deliveries,
      deliveryWorkflow: deps.deliveryWorkflow,
      graceSeconds: overrides.graceSeconds ?? deps.config.reconciler.graceSeconds,
      batchSize: deps.config.reconciler.batchSize,
    });
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return reconcileClustersHandler({
    config,
    store: clusterStore(config, dynamodb),
    executions: workflowExecutions(config),
    stacks: stackReader(),
    clock: systemClock,
    quotas: quotaLedger(config, dynamodb),
    followUps: chatFollowUps(config),
    deliveries: deliveryStore(config, dynamodb),
    deliveryWorkflow: deliveryWorkflow(config),
  });
});
