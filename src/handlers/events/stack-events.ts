/**
 * EventBridge: CloudFormation's `Stack Status Change` and `Resource Status Change` events of our stacks (the rule in
 * serverless.yml matches `swarm-` stack ids). A final status resumes the waiting workflow; a resource status moves
 * the cluster's progress. See src/use-cases/stack-events.ts.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { clusterStore, dynamoDBClient, stackWaits } from '../../composition/dynamodb';
import { taskTokens } from '../../composition/stepfunctions';
import { loadConfig } from '../../config';
import { logger } from '../../logger';
import { onResourceStatus, onStackStatus, type StackEventDeps } from '../../use-cases/stack-events';
import { systemClock } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';

/** `detail` of both event types, as AWS documents them (test/fixtures/aws-events/). */
export interface CloudFormationStatusDetail {
  'stack-id': string;
  'logical-resource-id'?: string;
  'physical-resource-id'?: string;
  'resource-type'?: string;
  'status-details': { status: string; 'status-reason'?: string };
}

export const STACK_STATUS_CHANGE = 'CloudFormation Stack Status Change';
export const RESOURCE_STATUS_CHANGE = 'CloudFormation Resource Status Change';

type StackEvent = EventBridgeEvent<typeof STACK_STATUS_CHANGE | typeof RESOURCE_STATUS_CHANGE, CloudFormationStatusDetail>;

export function stackEventsHandler(deps: StackEventDeps) {
  return async (event: StackEvent): Promise<void> => {
    const detail = event.detail;
    const report = {
      stackId: detail['stack-id'],
      status: detail['status-details'].status,
      // An empty reason is no reason: CloudFormation sends "" for most resource events.
      ...(detail['status-details']['status-reason'] ? { reason: detail['status-details']['status-reason'] } : {}),
      time: event.time,
    };
    const effect =
      event['detail-type'] === STACK_STATUS_CHANGE
        ? await onStackStatus(deps, report)
        : await onResourceStatus(deps, { ...report, logicalId: detail['logical-resource-id'] ?? '', resourceType: detail['resource-type'] });
    logger.debug('stack event handled', { type: event['detail-type'], stackId: report.stackId, status: report.status, effect });
  };
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return stackEventsHandler({
    clock: systemClock,
    store: clusterStore(config, dynamodb),
    waits: stackWaits(config, dynamodb),
    tokens: taskTokens(config),
    heartbeatEverySeconds: config.stackWait.heartbeatEverySeconds,
  });
});
