/**
 * Remembers signed requests already seen, so a captured Slack request replayed within its 5-minute window is refused.
 * Slack does not retry slash commands, so a second copy of a signature is never legitimate. The marks live in the
 * idempotency table (same key `id`, same TTL attribute `expiration`) under their own prefix.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Resolves true the first time `signature` is seen within `ttlSeconds`, false for every later time. */
export type ReplayGuard = (signature: string, now: Date, ttlSeconds: number) => Promise<boolean>;

export function buildReplayGuard(client: DynamoDBDocumentClient, tableName: string): ReplayGuard {
  return async (signature, now, ttlSeconds) => {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { id: `slack-request#${createHash('sha256').update(signature).digest('hex')}`, expiration: nowSeconds + ttlSeconds },
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
