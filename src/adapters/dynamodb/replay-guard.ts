/**
 * Remembers slash commands already received, keyed by what Slack gives each command once: team id + trigger_id. A
 * duplicate of a command (Slack sending it again, or a captured request replayed within its 5-minute window, which
 * carries the same trigger_id under a valid signature) finds the mark and is not dispatched again. The marks live in
 * the idempotency table (same key `id`, same TTL attribute `expiration`) under their own prefix.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Resolves true the first time `key` is seen within `ttlSeconds`, false for every later time. */
export type ReplayGuard = (key: string, now: Date, ttlSeconds: number) => Promise<boolean>;

export function buildReplayGuard(client: DynamoDBDocumentClient, tableName: string): ReplayGuard {
  return async (key, now, ttlSeconds) => {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { id: `slack-command#${createHash('sha256').update(key).digest('hex')}`, expiration: nowSeconds + ttlSeconds },
          // TTL deletion can lag by hours: an expired mark counts as absent.
          ConditionExpression: 'attribute_not_exists(id) OR expiration < :now',
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  };
}
