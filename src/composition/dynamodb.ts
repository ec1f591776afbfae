/**
 * Builders for everything on DynamoDB: the client and the stores over the clusters, idempotency and API-keys tables.
 * One module per client (see docs/architecture.md, "How an entry point builds only what it uses").
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildApiKeyLookup, buildApiKeyStore } from '../adapters/dynamodb/api-key-store';
import { buildClusterNodes } from '../adapters/dynamodb/cluster-nodes';
import { buildClusterReader, buildClusterStore, buildClusterTimeline } from '../adapters/dynamodb/cluster-store';
import { buildDiagnosticsReader, buildDiagnosticsStore } from '../adapters/dynamodb/diagnostics-store';
import { buildDeliveryReader, buildDeliveryStore } from '../adapters/dynamodb/delivery-store';
import { buildQuotaLedger } from '../adapters/dynamodb/quota-ledger';
import { buildReplayGuard, type ReplayGuard } from '../adapters/dynamodb/replay-guard';
import { buildInstanceWaits, buildStackWaits } from '../adapters/dynamodb/workflow-waits';
import type { Config } from '../config';
import type { ApiKeyLookup, ApiKeyStore, ClusterNodes, DiagnosticsStore, ClusterReader, ClusterStore, ClusterTimeline, DeliveryReader, DeliveryStore, InstanceWaits, QuotaLedger, StackWaits } from '../use-cases/ports';

export function dynamoDBClient(config: Pick<Config, 'region'>): DynamoDBClient {
  return new DynamoDBClient({ region: config.region });
}

const documentClient = (client: DynamoDBClient) => DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

export function clusterStore(config: Config, client: DynamoDBClient = dynamoDBClient(config)): ClusterStore {
  return buildClusterStore(documentClient(client), config.clustersTable);
}

/** For the read-only routes: GetItem and Query, no writes. */
export function clusterReader(config: Config, client: DynamoDBClient = dynamoDBClient(config)): ClusterReader {
  return buildClusterReader(documentClient(client), config.clustersTable);
}

/** Appending to a cluster's timeline (PutItem), for the functions that only tell it. */
export function clusterTimeline(config: Config, client: DynamoDBClient = dynamoDBClient(config)): ClusterTimeline {
  return buildClusterTimeline(documentClient(client), config.clustersTable);
}

export function deliveryReader(config: Config, client: DynamoDBClient = dynamoDBClient(config)): DeliveryReader {
  return buildDeliveryReader(documentClient(client), config.clustersTable);
}

export function deliveryStore(config: Config, client: DynamoDBClient = dynamoDBClient(config)): DeliveryStore {
  return buildDeliveryStore(documentClient(client), config.clustersTable);
}

export function quotaLedger(config: Config, client: DynamoDBClient = dynamoDBClient(config)): QuotaLedger {
  return buildQuotaLedger(documentClient(client), config.clustersTable);
}

/** The workflows' waits on the cluster record (adapters/dynamodb/workflow-waits.ts). */
export function stackWaits(config: Config, client: DynamoDBClient = dynamoDBClient(config)): StackWaits {
  return buildStackWaits(documentClient(client), config.clustersTable);
}

export function instanceWaits(config: Config, client: DynamoDBClient = dynamoDBClient(config)): InstanceWaits {
  return buildInstanceWaits(documentClient(client), config.clustersTable);
}

/** The node inventory as EC2's and Auto Scaling's events keep it (adapters/dynamodb/cluster-nodes.ts). */
export function clusterNodes(config: Config, client: DynamoDBClient = dynamoDBClient(config)): ClusterNodes {
  return buildClusterNodes(documentClient(client), config.clustersTable);
}

export function apiKeyLookup(config: Pick<Config, 'region' | 'apiKeysTable'>): ApiKeyLookup {
  return buildApiKeyLookup(documentClient(dynamoDBClient(config)), config.apiKeysTable);
}

export function apiKeyStore(config: Pick<Config, 'region' | 'apiKeysTable'>, client: DynamoDBClient = dynamoDBClient(config)): ApiKeyStore {
  return buildApiKeyStore(documentClient(client), config.apiKeysTable);
}

export function replayGuard(config: Config, client: DynamoDBClient = dynamoDBClient(config)): ReplayGuard {
  return buildReplayGuard(documentClient(client), config.idempotencyTable);
}

/** A cluster's latest diagnostics (adapters/dynamodb/diagnostics-store.ts). */
export function diagnosticsStore(config: Config, client: DynamoDBClient = dynamoDBClient(config)): DiagnosticsStore {
  return buildDiagnosticsStore(documentClient(client), config.clustersTable);
}

/** Reading a cluster's diagnostics (GetItem only). */
export function diagnosticsReader(config: Config, client: DynamoDBClient = dynamoDBClient(config)): Pick<DiagnosticsStore, 'get'> {
  return buildDiagnosticsReader(documentClient(client), config.clustersTable);
}
