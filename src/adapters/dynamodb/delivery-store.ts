/**
 * The delivery log in the clusters table (see table-design.ts): one item per delivery under the cluster's partition,
 * its attempts in a list. Every write after the first is conditioned on the delivery's `version`, so an attempt
 * recorded twice (a retried task) or a redelivery racing a retry is detected instead of overwritten.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Delivery } from '../../domain/delivery';
import { StaleDeliveryError } from '../../domain/errors';
import type { DeliveryReader, DeliveryStore, Page } from '../../use-cases/ports';
import { queryPrefix } from './pages';
import { keys } from './table-design';


function toDelivery(item: Record<string, unknown>): Delivery {
  const { pk: _pk, sk: _sk, ...delivery } = item;
  return delivery as unknown as Delivery;
}

/** Reading deliveries only (GetItem and Query). */
export function buildDeliveryReader(client: DynamoDBDocumentClient, tableName: string): DeliveryReader {
  return {
    async get(clusterId, deliveryId) {
      const result = await client.send(new GetCommand({ TableName: tableName, Key: keys.delivery(clusterId, deliveryId), ConsistentRead: true }));
      return result.Item ? toDelivery(result.Item) : undefined;
    },

    async list(clusterId, query): Promise<Page<Delivery>> {
      const page = await queryPrefix(client, tableName, keys.cluster(clusterId).pk, keys.deliveryPrefix, query);
      return { items: page.items.map(toDelivery), nextCursor: page.nextCursor };
    },
  };
}

export function buildDeliveryStore(client: DynamoDBDocumentClient, tableName: string): DeliveryStore {
  return {
    ...buildDeliveryReader(client, tableName),
    async create(delivery) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.delivery(delivery.clusterId, delivery.deliveryId), ...delivery },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async update(delivery, changes, attempt) {
      const entries = Object.entries({ ...changes, version: delivery.version + 1 }).filter(([, value]) => value !== undefined);
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = { ':expected': delivery.version };
      const assignments = entries.map(([name, value], index) => {
        names[`#f${index}`] = name;
        values[`:v${index}`] = value;
        return `#f${index} = :v${index}`;
      });
      if (attempt) {
        names['#attempts'] = 'attempts';
        values[':attempt'] = [attempt];
        assignments.push('#attempts = list_append(#attempts, :attempt)');
      }
      try {
        const result = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.delivery(delivery.clusterId, delivery.deliveryId),
            UpdateExpression: `SET ${assignments.join(', ')}`,
            ConditionExpression: 'attribute_exists(pk) AND version = :expected',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toDelivery(result.Attributes ?? {});
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) throw new StaleDeliveryError(delivery.deliveryId, delivery.version);
        throw error;
      }
    },
  };
}

