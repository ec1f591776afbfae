/**
 * The clusters table (see table-design.ts). Every status change is a conditional write on `version`, so two racing
 * writers cannot both win; the timeline is a set of items under the cluster's partition.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import type { Cluster, ClusterNode, ClusterStatus, TimelineEvent } from '../../domain/cluster';
import { byRoleZoneId } from '../../domain/nodes';
import { ConflictError, StaleClusterError } from '../../domain/errors';
import { autoDeleteAt, reapDeadline } from '../../domain/expiry';
import { isTransitional } from '../../domain/reconciliation';
import type { ClusterChanges, ClusterReader, ClusterStore, ClusterTimeline, Page } from '../../use-cases/ports';
import { storedNode } from './cluster-nodes';
import { decodeCursor, encodeCursor, queryPrefix, type Key } from './pages';
import { INDEX_BY_OWNER, INDEX_BY_OWNER_ACTIVITY, INDEX_BY_OWNER_STATUS, INDEX_BY_REAP_DEADLINE, INDEX_SETTLED, keys } from './table-design';

/** Clusters that can still see activity: the idle listing leaves out what is being or has been deleted. */
const GONE: ReadonlySet<ClusterStatus> = new Set(['DELETING', 'DELETED']);
/** The clusters the health sweep compares with AWS (the sparse gsi5). */
const SETTLED: ReadonlySet<ClusterStatus> = new Set(['READY', 'HIBERNATED']);

/**
 * Attributes derived from the record: index keys (undefined = not in that sparse index) and `autoDeleteAt`.
 * Computed on every write from the record as it will be, so an index can never disagree with the fields it is
 * built from.
 */
function derived(cluster: Cluster): Record<string, string | undefined> {
  const sortKey = keys.listSortKey(cluster.requestedAt, cluster.id);
  const deadline = reapDeadline(cluster);
  // gsi4 holds two partitions (see table-design.ts): a reap deadline, or a transitional status; never both.
  const gsi4 = deadline
    ? { pk: keys.reapPartition, sk: keys.reapSortKey(deadline, cluster.id) }
    : isTransitional(cluster.status)
      ? { pk: keys.transitionalPartition, sk: keys.transitionalSortKey(cluster.updatedAt, cluster.id) }
      : undefined;
  return {
    gsi1pk: keys.ownerPartition(cluster.owner),
    gsi1sk: sortKey,
    gsi2pk: keys.ownerStatusPartition(cluster.owner, cluster.status),
    gsi2sk: sortKey,
    gsi3pk: GONE.has(cluster.status) ? undefined : keys.ownerPartition(cluster.owner),
    gsi3sk: GONE.has(cluster.status) ? undefined : keys.activitySortKey(new Date(cluster.lastActivityAt).toISOString(), cluster.id),
    gsi4pk: gsi4?.pk,
    gsi4sk: gsi4?.sk,
    gsi5pk: SETTLED.has(cluster.status) ? keys.settledPartition : undefined,
    gsi5sk: SETTLED.has(cluster.status) ? cluster.id : undefined,
    autoDeleteAt: autoDeleteAt(cluster),
  };
}

const withoutNulls = (item: Record<string, unknown>) => Object.fromEntries(Object.entries(item).filter(([, value]) => value !== null));

/** The record after `changes`: null removes a field. */
function applied(cluster: Cluster, changes: ClusterChanges): Cluster {
  const next: Record<string, unknown> = { ...cluster };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete next[name];
    else if (value !== undefined) next[name] = value;
  }
  return next as unknown as Cluster;
}

function toCluster(item: Record<string, unknown>): Cluster {
  // The instance wait's two sets are the waits adapter's own (workflow-waits.ts), not part of the record.
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, gsi3pk: _e, gsi3sk: _f, gsi4pk: _g, gsi4sk: _h, gsi5pk: _i, gsi5sk: _j, instancesRemaining: _r, instancesTerminated: _t, inventory, ...cluster } = item;
  // A record written before the inventory was a map still holds the `nodes` list.
  if (inventory !== undefined) cluster.nodes = nodesOf(inventory as Record<string, ClusterNode & { order?: string }>);
  return cluster as unknown as Cluster;
}

/** The stored inventory (cluster-nodes.ts) as the record's list, without the orders the events compare. */
const nodesOf = (inventory: Record<string, ClusterNode & { order?: string }>): ClusterNode[] =>
  Object.values(inventory)
    .map(({ order: _order, ...node }) => node)
    .sort(byRoleZoneId);

/** `nodes` as stored: the inventory map by instance id, each node with its order; the old list goes. */
function stored(changes: ClusterChanges | Cluster): Record<string, unknown> {
  const { nodes, ...rest } = changes as Record<string, unknown>;
  if (!Array.isArray(nodes)) return changes as Record<string, unknown>;
  return { ...rest, inventory: Object.fromEntries((nodes as ClusterNode[]).map((node) => [node.instanceId, storedNode(node)])), nodes: null };
}

/**
 * One page of clusters from an index partition: `condition` narrows the partition's sort key, the cursor is checked
 * against the partition it was issued for.
 */
async function queryClusters(
  client: DynamoDBDocumentClient,
  tableName: string,
  page: { index: string; partition: Key; condition?: string; values?: Record<string, unknown>; filter?: Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeNames'>; newestFirst?: boolean },
  query: { limit: number; cursor?: string },
): Promise<Page<Cluster>> {
  const [[keyName, keyValue]] = Object.entries(page.partition) as [[string, unknown]];
  const result = await client.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: page.index,
      KeyConditionExpression: `#pk = :pk${page.condition ? ` AND ${page.condition}` : ''}`,
      ...page.filter,
      ExpressionAttributeNames: { '#pk': keyName, ...page.filter?.ExpressionAttributeNames },
      ExpressionAttributeValues: { ':pk': keyValue, ...page.values },
      ...(page.newestFirst ? { ScanIndexForward: false } : {}),
      Limit: query.limit,
      ExclusiveStartKey: decodeCursor(query.cursor, page.partition),
    }),
  );
  return { items: (result.Items ?? []).map(toCluster), nextCursor: encodeCursor(result.LastEvaluatedKey as Key | undefined) };
}

/** Reading clusters and timelines only (GetItem and Query): what the read-only routes get. */
export function buildClusterReader(client: DynamoDBDocumentClient, tableName: string): ClusterReader {
  return {
    async get(id) {
      const result = await client.send(new GetCommand({ TableName: tableName, Key: keys.cluster(id), ConsistentRead: true }));
      return result.Item ? toCluster(result.Item) : undefined;
    },

    async getWithResources(id) {
      // The cluster item (`CLUSTER`) and its stack resources item (`CLUSTER#RESOURCES`) are the only sort keys of the
      // partition that start with `CLUSTER`: one consistent Query reads both, in that order.
      const { pk, sk } = keys.cluster(id);
      const result = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
          ExpressionAttributeValues: { ':pk': pk, ':sk': sk },
          ConsistentRead: true,
        }),
      );
      const items = result.Items ?? [];
      const item = items.find((i) => i.sk === sk);
      if (!item) return undefined;
      const cluster = toCluster(item);
      const resources = items.find((i) => i.sk === keys.stackResources(id).sk);
      // A cluster from before the resources had their own item keeps its own map (and shows its progress).
      if (!resources) return cluster;
      return { ...cluster, stackResources: resources.resources as Cluster['stackResources'], ...(resources.planned !== undefined ? { resourcesPlanned: resources.planned as number } : {}) };
    },

    listByOwner(owner, query) {
      const byStatus = query.status !== undefined;
      const partition: Key = byStatus ? { gsi2pk: keys.ownerStatusPartition(owner, query.status!) } : { gsi1pk: keys.ownerPartition(owner) };
      return queryClusters(client, tableName, { index: byStatus ? INDEX_BY_OWNER_STATUS : INDEX_BY_OWNER, partition, newestFirst: true }, query);
    },

    listIdleByOwner(owner, query) {
      const byStatus = query.status !== undefined;
      return queryClusters(
        client,
        tableName,
        {
          index: INDEX_BY_OWNER_ACTIVITY,
          partition: { gsi3pk: keys.ownerPartition(owner) },
          // `<lastActivityAt>#<id>` sorts below `<idleSince>` exactly when the activity is earlier.
          condition: 'gsi3sk < :before',
          values: { ':before': query.idleSince, ...(byStatus ? { ':status': query.status } : {}) },
          filter: byStatus ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : undefined,
        },
        query,
      );
    },

    listReapable(query) {
      return queryClusters(
        client,
        tableName,
        {
          index: INDEX_BY_REAP_DEADLINE,
          partition: { gsi4pk: keys.reapPartition },
          // '$' sorts right after '#', so every `<deadline>#<id>` with deadline <= until is below the bound.
          condition: 'gsi4sk < :bound',
          values: { ':bound': `${query.until}$` },
        },
        query,
      );
    },

    listTransitional(query) {
      return queryClusters(
        client,
        tableName,
        {
          index: INDEX_BY_REAP_DEADLINE,
          partition: { gsi4pk: keys.transitionalPartition },
          // `<updatedAt>#<id>` sorts below `<quietSince>` exactly when the last change is earlier.
          condition: 'gsi4sk < :before',
          values: { ':before': query.quietSince },
        },
        query,
      );
    },

    async listSettled(query) {
      // KEYS_ONLY: the index holds ids; the sweep reads each record consistently anyway.
      const partition = { gsi5pk: keys.settledPartition };
      const result = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEX_SETTLED,
          KeyConditionExpression: 'gsi5pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.settledPartition },
          Limit: query.limit,
          ExclusiveStartKey: decodeCursor(query.cursor, partition),
        }),
      );
      return { items: (result.Items ?? []).map((item) => ({ id: String(item.gsi5sk) })), nextCursor: encodeCursor(result.LastEvaluatedKey as Key | undefined) };
    },

    async listEvents(clusterId, query): Promise<Page<TimelineEvent>> {
      const page = await queryPrefix(client, tableName, keys.cluster(clusterId).pk, keys.eventPrefix, query);
      return { items: page.items.map(({ pk: _pk, sk: _sk, ...event }: Record<string, unknown>) => event as unknown as TimelineEvent), nextCursor: page.nextCursor };
    },
  };
}

/**
 * Timeline entries sort by time under the cluster's key; the suffix keeps two entries of one millisecond apart. An
 * entry with a key of its own gets that key as its suffix and is written only once.
 */
export function buildClusterTimeline(client: DynamoDBDocumentClient, tableName: string): ClusterTimeline {
  return {
    async appendEvent(event) {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: keys.cluster(event.clusterId).pk, sk: `${keys.eventPrefix}${event.at}#${ulid()}`, ...event },
        }),
      );
    },

    async appendEventOnce(event, key) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: keys.cluster(event.clusterId).pk, sk: `${keys.eventPrefix}${event.at}#${key}`, ...event },
            ConditionExpression: 'attribute_not_exists(sk)',
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}

export function buildClusterStore(client: DynamoDBDocumentClient, tableName: string): ClusterStore {
  const reader = buildClusterReader(client, tableName);
  return {
    ...reader,
    async create(cluster) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.cluster(cluster.id), ...withoutNulls(stored(cluster)), ...derived(cluster) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) throw new ConflictError(`cluster ${cluster.id} already exists`, { cause: error });
        throw error;
      }
    },

    async discard(id, version) {
      await client.send(
        new DeleteCommand({
          TableName: tableName,
          Key: keys.cluster(id),
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':version': version },
        }),
      );
    },

    async update(cluster, changes) {
      const { id, version: expectedVersion } = cluster;
      const storedChanges = stored(changes);
      const next: Record<string, unknown> = { ...storedChanges, ...derived(applied(cluster, changes)), version: expectedVersion + 1 };
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = { ':expected': expectedVersion };
      const assignments: string[] = [];
      const removals: string[] = [];
      Object.entries(next).forEach(([name, value], index) => {
        // A derived attribute that is undefined leaves its sparse index; a changed field that is null is removed.
        const remove = value === null || (value === undefined && !Object.hasOwn(storedChanges, name));
        if (value === undefined && !remove) return;
        names[`#f${index}`] = name;
        if (remove) {
          removals.push(`#f${index}`);
          return;
        }
        values[`:v${index}`] = value;
        assignments.push(`#f${index} = :v${index}`);
      });
      try {
        const result = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.cluster(id),
            UpdateExpression: `SET ${assignments.join(', ')}${removals.length > 0 ? ` REMOVE ${removals.join(', ')}` : ''}`,
            ConditionExpression: 'attribute_exists(pk) AND version = :expected',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toCluster(result.Attributes ?? {});
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) throw new StaleClusterError(id, expectedVersion);
        throw error;
      }
    },

    async touchHealth(cluster, health) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.cluster(cluster.id),
            UpdateExpression: 'SET health = :health',
            // The version read: a transition (or any write) since then wins, and the sweep looks again next run.
            ConditionExpression: 'attribute_exists(pk) AND version = :expected',
            ExpressionAttributeValues: { ':health': health, ':expected': cluster.version },
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) throw new StaleClusterError(cluster.id, cluster.version);
        throw error;
      }
    },

    async openStackResources(clusterId, planned) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.stackResources(clusterId), resources: {}, ...(planned !== undefined ? { planned } : {}) },
            // A retried create step keeps what the events recorded meanwhile.
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    appendEvent: buildClusterTimeline(client, tableName).appendEvent,
  };
}
