/**
 * A cluster's latest diagnostics: one item per cluster (`DIAGNOSTICS`) in the cluster's partition, apart from the
 * cluster item so that up to ~80 KB of logs never ride along with every read and write of the record and its indexes.
 * Its sort key does not start with `CLUSTER`, so the one-Query read of the cluster and its resources skips it; it goes
 * with the cluster's other items.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ClusterDiagnostics } from '../../domain/diagnostics';
import type { DiagnosticsStore } from '../../use-cases/ports';
import { keys } from './table-design';

/** Its key (table-design.ts lists it); here rather than in `keys`, so the bundles that never read it do not carry it. */
const diagnosticsKey = (id: string) => ({ pk: keys.cluster(id).pk, sk: 'DIAGNOSTICS' });

/** For GET /clusters/{id}/diagnostics: a GetItem, no writes (its role may only read). */
export function buildDiagnosticsReader(client: DynamoDBDocumentClient, tableName: string): Pick<DiagnosticsStore, 'get'> {
  return {
    async get(clusterId) {
      const result = await client.send(new GetCommand({ TableName: tableName, Key: diagnosticsKey(clusterId), ConsistentRead: true }));
      return result.Item?.diagnostics as ClusterDiagnostics | undefined;
    },
  };
}

export function buildDiagnosticsStore(client: DynamoDBDocumentClient, tableName: string): DiagnosticsStore {
  return {
    ...buildDiagnosticsReader(client, tableName),
    async put(diagnostics) {
      await client.send(new PutCommand({ TableName: tableName, Item: { ...diagnosticsKey(diagnostics.clusterId), diagnostics } }));
    },
  };
}
