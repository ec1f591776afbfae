/**
 * EventBridge: EC2's `Instance State-change Notification`, every state (the rule in serverless.yml). The event carries
 * only the instance id; instances are mapped to their cluster when it becomes READY, when its group launches a
 * replacement, and by the delete workflow's wait. So every instance state change of the account reaches this
 * function, and one that is not ours costs one GetItem and nothing else. See src/use-cases/await-instances.ts.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { clusterNodes, dynamoDBClient, instanceWaits } from '../../composition/dynamodb';
import { taskTokens } from '../../composition/stepfunctions';
import { loadConfig } from '../../config';
import { logger } from '../../logger';
import { onInstanceState } from '../../use-cases/await-instances';
import type { ClusterNodes, InstanceWaits, TaskTokens } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';

/** `detail` as AWS documents it (test/fixtures/aws-events/). */
export interface InstanceStateDetail {
  'instance-id': string;
  state: string;
}

export function instanceEventsHandler(deps: { waits: InstanceWaits; nodes: ClusterNodes; tokens: TaskTokens }) {
  return async (event: EventBridgeEvent<'EC2 Instance State-change Notification', InstanceStateDetail>): Promise<void> => {
    const report = { instanceId: event.detail['instance-id'], state: event.detail.state, time: event.time };
    const effect = await onInstanceState(deps, report);
    logger.debug('instance event handled', { ...report, effect });
  };
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return instanceEventsHandler({ waits: instanceWaits(config, dynamodb), nodes: clusterNodes(config, dynamodb), tokens: taskTokens(config) });
});
