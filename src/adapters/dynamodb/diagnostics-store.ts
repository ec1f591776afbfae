/**
 * A cluster's latest diagnostics: one item per cluster (`DIAGNOSTICS`) in the cluster's partition, apart from the
 * cluster item so that up to ~80 KB of logs never ride along with every read and write of the record and its indexes.
 * Its sort key does not start with `CLUSTER`, so the one-Query read of the cluster and its resources skips it; it goes
 * with the cluster's other items.
 *
 * Every write gives the item a new `revision` (a random id), so recording a request can be a conditional put on the
 * revision it read: of two POSTs at once, one records its request and the other answers with it.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ClusterDiagnostics } from '../../domain/diagnostics';
import type { DiagnosticsStore } from '../../use-cases/ports';
import { keys } from './table-design';

/** Its key (table-design.ts lists it); here rather than in `keys`, so the bundles that never read it do not carry it. */
const diagnosticsKey = (id: string) => ({ pk: keys.cluster(id).pk, sk: 'DIAGNOSTICS' });

/** Items written before requests had a status were all finished collections. */
const asDiagnostics = (stored: Record<string, unknown> | undefined): ClusterDiagnostics | undefined => {
  const diagnostics = stored?.diagnostics as ClusterDiagnostics | undefined;
  return diagnostics ? { ...diagnostics, status: diagnostics.status ?? 'ready' } : undefined;
};

async function read(client: DynamoDBDocumentClient, tableName: string, clusterId: string) {
  const result = await client.send(new GetCommand({ TableName: tableName, Key: diagnosticsKey(clusterId), ConsistentRead: true }));
  return { diagnostics: asDiagnostics(result.Item), revision: result.Item?.revision as string | undefined, exists: result.Item !== undefined };
}

/** For GET /clusters/{id}/diagnostics: a GetItem, no writes (its role may only read). */
export function buildDiagnosticsReader(client: DynamoDBDocumentClient, tableName: string): Pick<DiagnosticsStore, 'get'> {
  return {
    async get(clusterId) {
      return (await read(client, tableName, clusterId)).diagnostics;
    },
  };
}

/** How often a request's conditional put is tried again after another write slipped in between its read and its put. */
const REQUEST_ATTEMPTS = 3;

export function buildDiagnosticsStore(client: DynamoDBDocumentClient, tableName: string): DiagnosticsStore {
  return {
    ...buildDiagnosticsReader(client, tableName),
    async put(diagnostics) {
      await client.send(new PutCommand({ TableName: tableName, Item: { ...diagnosticsKey(diagnostics.clusterId), diagnostics, revision: randomUUID() } }));
    },
    async requestCollection(clusterId, request, lostBefore) {
      for (let attempt = 1; ; attempt++) {
        const seen = await read(client, tableName, clusterId);
        const running = seen.diagnostics?.status === 'collecting' && seen.diagnostics.request && seen.diagnostics.request.requestedAt >= lostBefore;
        if (running && seen.diagnostics) return { started: false, diagnostics: seen.diagnostics };
        const { request: _previous, ...kept } = seen.diagnostics ?? { clusterId, nodes: [] };
        const diagnostics: ClusterDiagnostics = { ...kept, clusterId, status: 'collecting', request };
        try {
          await client.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...diagnosticsKey(clusterId), diagnostics, revision: randomUUID() },
              ...(!seen.exists
                ? { ConditionExpression: 'attribute_not_exists(pk)' }
                : seen.revision
                  ? { ConditionExpression: '#revision = :seen', ExpressionAttributeNames: { '#revision': 'revision' }, ExpressionAttributeValues: { ':seen': seen.revision } }
                  : { ConditionExpression: 'attribute_not_exists(#revision)', ExpressionAttributeNames: { '#revision': 'revision' } }),
            }),
          );
          return { started: true, diagnostics };
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException) || attempt >= REQUEST_ATTEMPTS) throw error;
        }
      }
    },
    async failRequest(clusterId, requestId, error) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: diagnosticsKey(clusterId),
            // `diagnostics` is one of DynamoDB's reserved words: every name goes through a placeholder.
            UpdateExpression: 'SET #d.#status = :failed, #d.#request.#error = :error, #revision = :revision',
            ConditionExpression: '#d.#request.#id = :id AND #d.#status = :collecting',
            ExpressionAttributeNames: { '#d': 'diagnostics', '#status': 'status', '#request': 'request', '#error': 'error', '#id': 'id', '#revision': 'revision' },
            ExpressionAttributeValues: { ':failed': 'failed', ':error': error, ':revision': randomUUID(), ':id': requestId, ':collecting': 'collecting' },
          }),
        );
      } catch (caught) {
        if (!(caught instanceof ConditionalCheckFailedException)) throw caught;
      }
    },
  };
}
