/**
 * The per-owner usage item of the clusters table (pk OWNER#<owner>, sk USAGE): two counters and the set of cluster
 * ids holding a share. dynalite has no transactions and nothing here needs one: taking a share is one UpdateItem whose
 * condition checks both limits and that the cluster holds no share yet; giving it back is one UpdateItem conditioned
 * on the cluster holding one. Two racing creates cannot both take the last slot, and a release that runs twice (a
 * retried workflow step, DELETED after a FAILED cluster was already cleaned up) gives back once.
 *
 * Each holding cluster's own share is kept beside the counters (`share_<clusterId>`, a top-level attribute, so no
 * map has to exist first): a scale moves it from one count to another in the same conditional write that moves the
 * counter, which makes a repeated adjustment a no-op, and a release gives back what the cluster actually holds (a
 * cluster deleted in the middle of a scale-out holds its target, not its recorded parameters).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../domain/errors';
import { quotaBreach, quotaExceeded, type QuotaUsage } from '../../domain/quota';
import type { QuotaLedger } from '../../use-cases/ports';
import { keys } from './table-design';

// A failed condition with room to spare means another create or release moved the counters in between: look again.
const ACQUIRE_ATTEMPTS = 4;

const shareAttribute = (clusterId: string) => `share_${clusterId}`;

export function buildQuotaLedger(client: DynamoDBDocumentClient, tableName: string): QuotaLedger {
  async function read(owner: string): Promise<{ usage: QuotaUsage; holds: Set<string>; item: Record<string, unknown> }> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: keys.usage(owner), ConsistentRead: true }));
    return {
      usage: { activeClusters: Number(Item?.activeClusters ?? 0), instances: Number(Item?.instances ?? 0) },
      holds: (Item?.holds as Set<string> | undefined) ?? new Set(),
      item: Item ?? {},
    };
  }
  const shareOf = (item: Record<string, unknown>, clusterId: string): number | undefined => {
    const share = item[shareAttribute(clusterId)];
    return share === undefined ? undefined : Number(share);
  };

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
              UpdateExpression: 'ADD activeClusters :one, instances :instances, holds :hold SET #owner = :owner, #share = :instances',
              // DynamoDB conditions cannot add, so "current + wanted <= max" is written "current <= max - wanted".
              ConditionExpression:
                '(attribute_not_exists(activeClusters) OR activeClusters <= :clustersBefore) AND ' +
                '(attribute_not_exists(instances) OR instances <= :instancesBefore) AND NOT contains(holds, :clusterId)',
              ExpressionAttributeNames: { '#owner': 'owner', '#share': shareAttribute(hold.clusterId) },
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
      for (let attempt = 1; ; attempt++) {
        // What the cluster holds, if the ledger knows (a share taken before shares were kept is the hold's count).
        const held = shareOf((await read(owner)).item, hold.clusterId) ?? hold.instances;
        try {
          await client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keys.usage(owner),
              UpdateExpression: 'ADD activeClusters :minusOne, instances :minusInstances DELETE holds :hold REMOVE #share',
              ConditionExpression: 'contains(holds, :clusterId) AND (attribute_not_exists(#share) OR #share = :held)',
              ExpressionAttributeNames: { '#share': shareAttribute(hold.clusterId) },
              ExpressionAttributeValues: { ':minusOne': -1, ':minusInstances': -held, ':held': held, ':hold': new Set([hold.clusterId]), ':clusterId': hold.clusterId },
            }),
          );
          return true;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
          // Released already (false), or the share moved between the read and the write (a scale): look again.
          if (!(await read(owner)).holds.has(hold.clusterId)) return false;
          if (attempt >= ACQUIRE_ATTEMPTS) throw error;
        }
      }
    },

    async adjust(owner, change, limits) {
      const delta = change.to - change.from;
      if (delta === 0) return true;
      for (let attempt = 1; attempt <= ACQUIRE_ATTEMPTS; attempt++) {
        try {
          await client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keys.usage(owner),
              UpdateExpression: 'ADD instances :delta SET #share = :to',
              // A share kept before shares were recorded has no attribute: the caller's `from` is taken as it.
              ConditionExpression:
                'contains(holds, :clusterId) AND (#share = :from OR attribute_not_exists(#share))' + (delta > 0 ? ' AND instances <= :instancesBefore' : ''),
              ExpressionAttributeNames: { '#share': shareAttribute(change.clusterId) },
              ExpressionAttributeValues: {
                ':delta': delta,
                ':to': change.to,
                ':from': change.from,
                ':clusterId': change.clusterId,
                ...(delta > 0 ? { ':instancesBefore': limits.maxInstances - delta } : {}),
              },
            }),
          );
          return true;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
        const now = await read(owner);
        if (!now.holds.has(change.clusterId)) return false;
        const share = shareOf(now.item, change.clusterId);
        if (share === change.to) return true;
        if (share !== undefined && share !== change.from) return false;
        if (delta > 0 && now.usage.instances + delta > limits.maxInstances) {
          throw quotaExceeded({ limit: 'instances', max: limits.maxInstances, current: now.usage.instances, requested: delta });
        }
      }
      throw new ConflictError('Your quota is being changed by other requests right now; retry shortly.', { headers: { 'retry-after': '1' } });
    },

    async usage(owner) {
      return (await read(owner)).usage;
    },
  };
}
