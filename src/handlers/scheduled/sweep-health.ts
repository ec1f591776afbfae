/**
 * The health sweep: an EventBridge schedule on AWS (serverless.yml), a timer in the local cloud, the same handler.
 * Each run compares every READY and HIBERNATED cluster with its stack, instances, Auto Scaling groups and managers'
 * SSM agents, and repairs a hung manager of a cluster with autoRepair (use-cases/sweep-health.ts).
 */
import { clusterGroups } from '../../composition/autoscaling';
import { stackReader } from '../../composition/cloudformation';
import type { Dependencies } from '../../composition/dependencies';
import { clusterStore, deliveryStore, dynamoDBClient } from '../../composition/dynamodb';
import { instanceInventory } from '../../composition/ec2';
import { nodeAgents } from '../../composition/ssm';
import { deliveryWorkflow } from '../../composition/stepfunctions';
import { loadConfig } from '../../config';
import type { ClusterGroups, InstanceInventory, NodeAgents, StackReader } from '../../use-cases/ports';
import { systemClock } from '../../use-cases/ports';
import { sweepHealth, type HealthSweepSummary } from '../../use-cases/sweep-health';
import { lazyHandler } from '../lazy';

export type HealthSweepHandlerDeps = Pick<Dependencies, 'config' | 'store' | 'clock' | 'deliveries' | 'deliveryWorkflow'> & {
  stacks: Pick<StackReader, 'describeStack'>;
  instances: Pick<InstanceInventory, 'instancesOfCluster'>;
  groups: Pick<ClusterGroups, 'groupsOfCluster' | 'markUnhealthy'>;
  agents: NodeAgents;
};

export function healthSweepHandler(deps: HealthSweepHandlerDeps) {
  return async (): Promise<HealthSweepSummary> =>
    sweepHealth({
      store: deps.store,
      stacks: deps.stacks,
      instances: deps.instances,
      groups: deps.groups,
      agents: deps.agents,
      clock: deps.clock,
      deliveries: deps.deliveries,
      deliveryWorkflow: deps.deliveryWorkflow,
      // Only whether the token is set: the attempt step posts with it, this function never does.
      channelPosts: deps.config.slack.botToken !== undefined,
      batchSize: deps.config.health.batchSize,
    });
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return healthSweepHandler({
    config,
    store: clusterStore(config, dynamodb),
    stacks: stackReader(),
    instances: instanceInventory(),
    groups: clusterGroups(),
    agents: nodeAgents(),
    clock: systemClock,
    deliveries: deliveryStore(config, dynamodb),
    deliveryWorkflow: deliveryWorkflow(config),
  });
});
