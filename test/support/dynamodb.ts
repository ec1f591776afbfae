import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildApiKeyStore } from '../../src/adapters/dynamodb/api-key-store';
import { buildClusterNodes } from '../../src/adapters/dynamodb/cluster-nodes';
import { buildClusterStore, buildClusterTimeline } from '../../src/adapters/dynamodb/cluster-store';
import { buildDeliveryStore } from '../../src/adapters/dynamodb/delivery-store';
import { buildQuotaLedger } from '../../src/adapters/dynamodb/quota-ledger';
import { buildReplayGuard } from '../../src/adapters/dynamodb/replay-guard';
import { buildInstanceWaits, buildStackWaits } from '../../src/adapters/dynamodb/workflow-waits';
import { apiKeysTableDefinition, clustersTableDefinition, idempotencyTableDefinition } from '../../src/adapters/dynamodb/table-design';
import { ensureTables, startEmbeddedDynamoDB } from '../../sandbox/dynamodb';

/** An in-memory dynalite with the service's tables, and the stores on it. */
export async function startTestDynamoDB() {
  const server = await startEmbeddedDynamoDB();
  const client = new DynamoDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await ensureTables(client, [clustersTableDefinition('clusters'), idempotencyTableDefinition('idempotency'), apiKeysTableDefinition('api-keys')]);
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    client,
    documents,
    store: buildClusterStore(documents, 'clusters'),
    timeline: buildClusterTimeline(documents, 'clusters'),
    deliveries: buildDeliveryStore(documents, 'clusters'),
    quotas: buildQuotaLedger(documents, 'clusters'),
    waits: buildStackWaits(documents, 'clusters'),
    instanceWaits: buildInstanceWaits(documents, 'clusters'),
    nodes: buildClusterNodes(documents, 'clusters'),
    keys: buildApiKeyStore(documents, 'api-keys'),
    seenBefore: buildReplayGuard(documents, 'idempotency'),
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
