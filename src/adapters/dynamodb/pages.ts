/**
 * Paging, shared by every store: opaque cursors that are checked on the way back in (a cursor is valid only for the
 * partition it was issued for), and the one query every "items of a cluster" listing is.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BadRequestError } from '../../domain/errors';

export type Key = Record<string, string>;

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/** The ExclusiveStartKey behind a cursor, if it carries `expected` and string values for every name in `required`. */
export function decodeCursor(cursor: string | undefined, expected: Key, required: string[] = []): Key | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      typeof key === 'object' &&
      key !== null &&
      Object.entries(expected).every(([name, value]) => (key as Key)[name] === value) &&
      required.every((name) => typeof (key as Key)[name] === 'string') &&
      Object.values(key as Key).every((value) => typeof value === 'string')
    ) {
      return key as Key;
    }
  } catch {
    // fall through to the error below
  }
  throw new BadRequestError('The cursor is not valid for this listing.', { errors: [{ field: 'cursor', message: 'is not a cursor returned by this listing' }] });
}

/** Items of one partition whose sort key starts with `prefix`, in sort-key order, a page at a time. */
export async function queryPrefix(
  client: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  prefix: string,
  page: { limit: number; cursor?: string },
): Promise<{ items: Record<string, unknown>[]; nextCursor?: string }> {
  const result = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, { pk }),
    }),
  );
  return { items: result.Items ?? [], nextCursor: encodeCursor(result.LastEvaluatedKey) };
}
