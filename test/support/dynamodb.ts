import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildClusterStore } from '../../src/adapters/dynamodb/cluster-store';
import { buildDeliveryStore } from '../../src/adapters/dynamodb/delivery-store';
import { clustersTableDefinition, idempotencyTableDefinition } from '../../src/adapters/dynamodb/table-design';
import { ensureTables, startEmbeddedDynamoDB } from '../../src/local/dynamodb';

/** An in-memory dynalite with both tables, and the stores on it. */
export async function startTestDynamoDB() {
  const server = await startEmbeddedDynamoDB();
  const client = new DynamoDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await ensureTables(client, [clustersTableDefinition('clusters'), idempotencyTableDefinition('idempotency')]);
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    client,
    store: buildClusterStore(documents, 'clusters'),
    deliveries: buildDeliveryStore(documents, 'clusters'),
    async close() {
      client.destroy();
      await server.close();
    },
  };
}

export const fixedClock = (iso = '2026-11-26T12:00:00.000Z') => {
  let now = new Date(iso);
  return {
    now: () => now,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
};
