/**
 * The workflows' waits, on the cluster item of the clusters table (table-design.ts): the stack wait, the instance
 * wait with its two sets, and one small item per watched instance; each stack resource's latest status is on the
 * cluster's stack resources item beside it. Every write here is an UpdateItem on named attributes with its own
 * condition; none touches `version`, so the versioned status writes (cluster-store.ts) and these never overwrite each
 * other, and an event never turns a workflow step's write into a StaleClusterError.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { targetsEndedBy, type InstanceWait, type ResourceState, type StackWait } from '../../domain/stack-wait';
import { acceptsEventsUntil } from '../../domain/stack-wait';
import type { InstanceWaits, StackWaits } from '../../use-cases/ports';
import { keys } from './table-design';

/** Runs a conditional write; undefined when its condition did not hold. */
export async function conditional<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

export function buildStackWaits(client: DynamoDBDocumentClient, tableName: string): StackWaits {
  return {
    async attachToken(clusterId, key, token) {
      const result = await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.cluster(clusterId),
            UpdateExpression: 'SET stackWait.#token = :token, stackWait.#round = stackWait.#round + :one',
            ConditionExpression: 'stackWait.#key = :key',
            ExpressionAttributeNames: { '#token': 'token', '#round': 'round', '#key': 'key' },
            ExpressionAttributeValues: { ':token': token, ':one': 1, ':key': key },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return result?.Attributes?.stackWait as StackWait | undefined;
    },

    async recordStatus(clusterId, report) {
      const targets = targetsEndedBy(report.status);
      if (targets.length === 0) return undefined;
      const targetValues = Object.fromEntries(targets.map((target, i) => [`:t${i}`, target]));
      const result = await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.cluster(clusterId),
            UpdateExpression: `SET stackWait.#status = :status${report.reason ? ', stackWait.#reason = :reason' : ''}`,
            ConditionExpression: [
              'attribute_exists(stackWait)',
              'attribute_not_exists(stackWait.#status)',
              `stackWait.#target IN (${Object.keys(targetValues).join(', ')})`,
              'stackWait.#since < :until',
              ...(report.key ? ['stackWait.#key = :key'] : []),
            ].join(' AND '),
            ExpressionAttributeNames: { '#status': 'status', '#target': 'target', '#since': 'since', ...(report.reason ? { '#reason': 'reason' } : {}), ...(report.key ? { '#key': 'key' } : {}) },
            ExpressionAttributeValues: {
              ':status': report.status,
              ':until': acceptsEventsUntil(report.time),
              ...targetValues,
              ...(report.reason ? { ':reason': report.reason } : {}),
              ...(report.key ? { ':key': report.key } : {}),
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return result?.Attributes?.stackWait as StackWait | undefined;
    },

    async recordStackStatus(clusterId, report) {
      const result = await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.cluster(clusterId),
            UpdateExpression: 'SET lastStackStatus = :report',
            ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lastStackStatus) OR lastStackStatus.#order < :order)',
            ExpressionAttributeNames: { '#order': 'order' },
            ExpressionAttributeValues: { ':report': report, ':order': report.order },
          }),
        ),
      );
      return result !== undefined;
    },

    async recordResource(clusterId, { logicalId, ...state }, beatBucket) {
      const result = await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            // The resources' own item (table-design.ts): a few KB, no index entries, not the cluster item.
            Key: keys.stackResources(clusterId),
            // The same write moves the heartbeat bucket: the one write that moves it first is the one that heartbeats.
            UpdateExpression: 'SET #resources.#id = :state, #bucket = :bucket',
            // The item is made by the create step; a cluster from before it existed has none and shows no progress.
            ConditionExpression: 'attribute_exists(#resources) AND (attribute_not_exists(#resources.#id) OR #resources.#id.#order < :order)',
            ExpressionAttributeNames: { '#resources': 'resources', '#id': logicalId, '#order': 'order', '#bucket': 'beatBucket' },
            ExpressionAttributeValues: { ':state': state, ':order': state.order, ':bucket': beatBucket },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      const old = result?.Attributes;
      if (!old) return undefined;
      return {
        before: (old.resources ?? {}) as Record<string, ResourceState>,
        ...(old.planned !== undefined ? { planned: old.planned as number } : {}),
        ...(old.beatBucket !== undefined ? { beatBucket: old.beatBucket as number } : {}),
      };
    },
  };
}

const idsOf = (set: unknown): string[] => (set instanceof Set ? [...(set as Set<string>)] : []);
const outstanding = (item: Record<string, unknown>) => {
  const terminated = new Set(idsOf(item.instancesTerminated));
  return idsOf(item.instancesRemaining).filter((id) => !terminated.has(id)).sort();
};

export function buildInstanceWaits(client: DynamoDBDocumentClient, tableName: string): InstanceWaits {
  return {
    async watch(clusterId, instanceIds) {
      // An update, not a put: a mapping already retired at termination (cluster-nodes.ts) keeps its TTL.
      await Promise.all(
        instanceIds.map((id) =>
          client.send(new UpdateCommand({ TableName: tableName, Key: keys.instance(id), UpdateExpression: 'SET clusterId = :clusterId', ExpressionAttributeValues: { ':clusterId': clusterId } })),
        ),
      );
    },

    async clusterOf(instanceId) {
      const result = await client.send(new GetCommand({ TableName: tableName, Key: keys.instance(instanceId) }));
      return result.Item?.clusterId as string | undefined;
    },

    async attach(clusterId, wait, remaining) {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.cluster(clusterId),
          UpdateExpression: 'SET instanceWait = :wait, instancesRemaining = :remaining',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':wait': wait, ':remaining': new Set(remaining) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return outstanding(result.Attributes ?? {});
    },

    async recordTerminated(clusterId, instanceId) {
      const result = await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.cluster(clusterId),
            // ADD and DELETE work on top-level sets only, hence two sets beside the wait rather than inside it.
            UpdateExpression: 'ADD instancesTerminated :id DELETE instancesRemaining :id',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':id': new Set([instanceId]) },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      const item = result?.Attributes;
      if (!item) return undefined;
      return { wait: item.instanceWait as InstanceWait | undefined, remaining: outstanding(item) };
    },
  };
}
