/**
 * The API keys table (partition key `keyId`). It holds hashes only; the authorizer reads one item per request, the
 * key script writes and lists them.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord } from '../../domain/api-key';
import { ConflictError } from '../../domain/errors';
import type { ApiKeyLookup, ApiKeyStore } from '../../use-cases/ports';
import { decodeCursor, encodeCursor } from './pages';

/** The authorizer's view: one read per request, nothing else (its role may only GetItem on this table). */
export function buildApiKeyLookup(client: DynamoDBDocumentClient, tableName: string): ApiKeyLookup {
  return {
    async get(keyId) {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { keyId }, ConsistentRead: true }));
      return Item as ApiKeyRecord | undefined;
    },
  };
}

export function buildApiKeyStore(client: DynamoDBDocumentClient, tableName: string): ApiKeyStore {
  const lookup = buildApiKeyLookup(client, tableName);
  return {
    get: lookup.get,

    async create(record) {
      try {
        await client.send(new PutCommand({ TableName: tableName, Item: record, ConditionExpression: 'attribute_not_exists(keyId)' }));
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) throw new ConflictError(`key ${record.keyId} already exists`, { cause: error });
        throw error;
      }
    },

    async register(record) {
      await client.send(new PutCommand({ TableName: tableName, Item: record }));
    },

    async list(query) {
      // A Scan, on purpose: this table holds a few dozen keys and is only listed by an operator running the script.
      const result = await client.send(
        new ScanCommand({
          TableName: tableName,
          Limit: query.limit,
          ExclusiveStartKey: decodeCursor(query.cursor, {}, ['keyId']),
          ...(query.principal !== undefined
            ? { FilterExpression: 'principal = :principal', ExpressionAttributeValues: { ':principal': query.principal } }
            : {}),
        }),
      );
      return { items: (result.Items ?? []) as ApiKeyRecord[], nextCursor: encodeCursor(result.LastEvaluatedKey) };
    },

    async revoke(keyId, at) {
      try {
        const result = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { keyId },
            UpdateExpression: 'SET revokedAt = :at',
            ConditionExpression: 'attribute_exists(keyId) AND attribute_not_exists(revokedAt)',
            ExpressionAttributeValues: { ':at': at },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return result.Attributes as ApiKeyRecord;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return lookup.get(keyId);
        throw error;
      }
    },
  };
}
