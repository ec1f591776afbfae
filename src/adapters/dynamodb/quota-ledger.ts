/**
 * The per-owner usage item of the clusters table (pk OWNER#<owner>, sk USAGE): two counters and the set of cluster
 * ids holding a share. dynalite has no transactions and nothing here needs one: taking a share is one UpdateItem whose
 * condition checks both limits and that the cluster holds no share yet; giving it back is one UpdateItem conditioned
 * on the cluster holding one. Two racing creates cannot both take the last slot, and a release that runs twice (a
 * retried workflow step, DELETED after a FAILED cluster was already cleaned up) gives back once.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../domain/errors';
import { quotaBreach, quotaExceeded, type QuotaUsage } from '../../domain/quota';
import type { QuotaLedger } from '../../use-cases/ports';
import { keys } from './table-design';

// A failed condition with room to spare means another create or release moved the counters in between: look again.
const ACQUIRE_ATTEMPTS = 4;

export function buildQuotaLedger(client: DynamoDBDocumentClient, tableName: string): QuotaLedger {
  async function read(owner: string): Promise<{ usage: QuotaUsage; holds: Set<string> }> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: keys.usage(owner), ConsistentRead: true }));
    return {
      usage: { activeClusters: Number(Item?.activeClusters ?? 0), instances: Number(Item?.instances ?? 0) },
      holds: (Item?.holds as Set<string> | undefined) ?? new Set(),
    };
  }

  return {
    async acquire(owner, hold, limits) {
      // A cluster that breaks a limit even with nothing else in use can never fit; the condition below could not
      // express that (a first write has no counters to compare), so it is answered here, with the real current use.
      if (quotaBreach({ activeClusters: 0, instances: 0 }, limits, hold.instances)) {
        throw quotaExceeded(quotaBreach((await read(owner)).usage, limits, hold.instances)!);
      }
      for (let attempt = 1; attempt <= ACQUIRE_ATTEMPTS; attempt++) {
        try {
          await client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keys.usage(owner),
              UpdateExpression: 'ADD activeClusters :one, instances :instances, holds :hold SET #owner = :owner',
              // DynamoDB conditions cannot add, so "current + wanted <= max" is written "current <= max - wanted".
              ConditionExpression:
                '(attribute_not_exists(activeClusters) OR activeClusters <= :clustersBefore) AND ' +
                '(attribute_not_exists(instances) OR instances <= :instancesBefore) AND NOT contains(holds, :clusterId)',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: {
                ':one': 1,
                ':instances': hold.instances,
                ':hold': new Set([hold.clusterId]),
                ':clusterId': hold.clusterId,
                ':owner': owner,
                ':clustersBefore': limits.maxActiveClusters - 1,
                ':instancesBefore': limits.maxInstances - hold.instances,
              },
            }),
          );
          return;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
        const now = await read(owner);
        if (now.holds.has(hold.clusterId)) return;
        const breach = quotaBreach(now.usage, limits, hold.instances);
        if (breach) throw quotaExceeded(breach);
      }
      throw new ConflictError('Your quota is being changed by other requests right now; retry shortly.', { headers: { 'retry-after': '1' } });
    },

    async release(owner, hold) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.usage(owner),
            UpdateExpression: 'ADD activeClusters :minusOne, instances :minusInstances DELETE holds :hold',
            ConditionExpression: 'contains(holds, :clusterId)',
            ExpressionAttributeValues: {
              ':minusOne': -1,
              ':minusInstances': -hold.instances,
              ':hold': new Set([hold.clusterId]),
              ':clusterId': hold.clusterId,
            },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async usage(owner) {
      return (await read(owner)).usage;
    },
  };
}
