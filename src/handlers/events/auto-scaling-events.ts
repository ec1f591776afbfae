/**
 * EventBridge: Auto Scaling's `EC2 Instance Launch Successful`, `EC2 Instance-terminate Lifecycle Action` and
 * `EC2 Instance Terminate Successful` for our clusters' groups (the rule in serverless.yml selects them by the
 * group-name prefix of our stacks), so a cluster's node inventory follows the instances its groups replace and its
 * timeline shows each node drain before it goes. See src/use-cases/auto-scaling-events.ts.
 * This function, not instanceEvents, carries the EC2 client (one DescribeInstances per launched instance, for its
 * addresses), so the function every instance state change of the account reaches stays small.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { clusterNodes, clusterReader, clusterTimeline, dynamoDBClient } from '../../composition/dynamodb';
import { instanceInventory } from '../../composition/ec2';
import { loadConfig } from '../../config';
import { logger } from '../../logger';
import { onInstanceLaunched, onInstanceTerminated, onInstanceTerminating } from '../../use-cases/auto-scaling-events';
import { systemClock, type Clock, type ClusterNodes, type ClusterReader, type ClusterTimeline, type InstanceInventory } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';

export const LAUNCH_SUCCESSFUL = 'EC2 Instance Launch Successful';
export const TERMINATE_SUCCESSFUL = 'EC2 Instance Terminate Successful';
export const TERMINATE_LIFECYCLE_ACTION = 'EC2 Instance-terminate Lifecycle Action';

/**
 * `detail` as AWS documents it (test/fixtures/aws-events/autoscaling-*.json); only the fields read here. The
 * lifecycle action has `LifecycleHookName` and `LifecycleActionToken` and no `Details`.
 */
export interface AutoScalingInstanceDetail {
  AutoScalingGroupName: string;
  EC2InstanceId: string;
  Details?: { 'Availability Zone'?: string; 'Subnet ID'?: string };
  LifecycleHookName?: string;
  LifecycleActionToken?: string;
}

export function autoScalingEventsHandler(deps: { store: Pick<ClusterReader, 'get'>; nodes: ClusterNodes; instances: InstanceInventory; timeline: ClusterTimeline; clock: Clock }) {
  return async (event: EventBridgeEvent<string, AutoScalingInstanceDetail>): Promise<void> => {
    const report = {
      groupName: event.detail.AutoScalingGroupName,
      instanceId: event.detail.EC2InstanceId,
      availabilityZone: event.detail.Details?.['Availability Zone'] ?? '',
      time: event.time,
    };
    const effect =
      event['detail-type'] === LAUNCH_SUCCESSFUL
        ? await onInstanceLaunched(deps, report)
        : event['detail-type'] === TERMINATE_SUCCESSFUL
          ? await onInstanceTerminated(deps, report)
          : event['detail-type'] === TERMINATE_LIFECYCLE_ACTION
            ? await onInstanceTerminating(deps, {
                ...report,
                hookName: event.detail.LifecycleHookName ?? '',
                // Without a token (none documented so), the event's id: a redelivered copy keeps it.
                token: event.detail.LifecycleActionToken ?? event.id,
              })
            : 'ignored';
    logger.debug('auto scaling event handled', { detailType: event['detail-type'], ...report, effect });
  };
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return autoScalingEventsHandler({
    store: clusterReader(config, dynamodb),
    nodes: clusterNodes(config, dynamodb),
    instances: instanceInventory(),
    timeline: clusterTimeline(config, dynamodb),
    clock: systemClock,
  });
});
