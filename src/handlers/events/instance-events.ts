/**
 * EventBridge: EC2's `Instance State-change Notification` for `terminated` (the rule in serverless.yml). The event
 * carries only the instance id; the delete workflow mapped the ids it waits for to their cluster, so any other
 * instance of the account is looked up once and ignored. See src/use-cases/await-instances.ts.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { instanceWaits } from '../../composition/dynamodb';
import { taskTokens } from '../../composition/stepfunctions';
import { loadConfig } from '../../config';
import { logger } from '../../logger';
import { onInstanceState } from '../../use-cases/await-instances';
import type { InstanceWaits, TaskTokens } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';

/** `detail` as AWS documents it (test/fixtures/aws-events/). */
export interface InstanceStateDetail {
  'instance-id': string;
  state: string;
}

export function instanceEventsHandler(deps: { waits: InstanceWaits; tokens: TaskTokens }) {
  return async (event: EventBridgeEvent<'EC2 Instance State-change Notification', InstanceStateDetail>): Promise<void> => {
    const effect = await onInstanceState(deps, { instanceId: event.detail['instance-id'], state: event.detail.state });
    logger.debug('instance event handled', { instanceId: event.detail['instance-id'], state: event.detail.state, effect });
  };
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return instanceEventsHandler({ waits: instanceWaits(config), tokens: taskTokens(config) });
});
