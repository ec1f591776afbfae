/**
 * The single-table design of the clusters table, shared by the store, the local cloud (which creates the table) and
 * the deployment test (which checks serverless.yml declares the same keys and indexes).
 *
 * | item            | pk              | sk                       | gsi1 (by owner)             | gsi2 (by owner + status)                 |
 * | cluster         | CLUSTER#<id>    | CLUSTER                  | OWNER#<owner> / <at>#<id>   | OWNER#<owner>#STATUS#<status> / <at>#<id> |
 * | stack resources | CLUSTER#<id>    | CLUSTER#RESOURCES        | —                           | —                                        |
 * | diagnostics     | CLUSTER#<id>    | DIAGNOSTICS              | —                           | —                                        |
 * | timeline event  | CLUSTER#<id>    | EVENT#<at>#<ulid>        | —                           | —                                        |
 * | owner's usage   | OWNER#<owner>   | USAGE                    | —                           | —                                        |
 * | webhook delivery| CLUSTER#<id>    | DELIVERY#<deliveryId>    | —                           | —                                        |
 * | instance        | INSTANCE#<id>   | INSTANCE                 | —                           | —                                        |
 *
 * Two sparse indexes, whose keys the store derives from the record on every write (so they cannot drift):
 * | cluster         | gsi3 (by owner + activity), not DELETING/DELETED: OWNER#<owner> / <lastActivityAt>#<id>           |
 * | cluster         | gsi4 (by reap deadline), READY/FAILED with expiresAt or idleTimeout: REAP / <deadline>#<id>       |
 * | cluster         | gsi4 (transitional), CREATING/DELETING:                    TRANSITIONAL / <updatedAt>#<id>        |
 *
 * gsi4 is overloaded (two partitions, never both for one cluster: a cluster with a reap deadline is settled, a
 * transitional one is not): REAP for the reaper, TRANSITIONAL for the reconciler, which asks for the clusters whose
 * record has been quiet for a while. Overloading it instead of adding a fifth index keeps existing tables (and the
 * local sandbox's data folders, whose tables dynalite cannot add an index to) working unchanged. Each partition takes
 * every write that moves its sort key, which is fine up to DynamoDB's 1,000 writes a second per partition; beyond
 * that, shard the partition key (REAP#0..n) and query each.
 * Only cluster items carry gsi3/gsi4 keys; usage and delivery items never appear in either index.
 *
 * A fifth, sparse and KEYS_ONLY index is the health sweep's (use-cases/sweep-health.ts):
 * | cluster         | gsi5 (settled), READY/HIBERNATED:                           SETTLED / <id>                          |
 * No other index serves it: gsi4 cannot hold a READY cluster twice (a READY cluster with a deadline is in REAP), and
 * gsi2 is per owner. Its cost: one small index write when a cluster enters or leaves READY/HIBERNATED (a write that
 * changes neither key nor projection writes nothing to it, so the sweep's own health writes cost no index write), and
 * about 100 bytes of index storage per running cluster; the sweep then reads 10,000 clusters in 100 Query pages of
 * keys (about 1 MB, ~250 read units) and GetItems each record consistently. A local data folder made before the index
 * existed is refused at start (sandbox/dynamodb.ts says to delete it), as for any index added.
 *
 * The cluster item keeps its node inventory as a map by instance id (`inventory`; the record's `nodes`), so an EC2
 * event updates one node with one conditional UpdateItem (cluster-nodes.ts). Instance items carry `ttl` (epoch
 * seconds) once their instance terminated; the table's TTL (serverless.yml) deletes them.
 *
 * The stack resources item holds each resource's latest status (the source of `progress`), written by every
 * CloudFormation resource event: apart from the cluster item, so that an event rewrites a few KB with no index entry
 * instead of the whole cluster item and its four index copies, and never contends with the workflow's own writes.
 * Its sort key starts with the cluster item's, so one Query (`begins_with(sk, CLUSTER)`) reads both.
 *
 * A delivery (one event sent to the cluster's webhook) holds the exact body, the webhook-id and every attempt in a
 * list; delivery ids start with the zero-padded cluster version, so `begins_with(sk, DELIVERY#)` lists them in the
 * order the events happened. Deliveries share the cluster's partition, so they are read with the cluster's owner
 * check and go when the cluster's items go.
 *
 * API keys live in a table of their own (partition key `keyId`), so only the authorizer's role can read their hashes.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const INDEX_BY_OWNER = 'byOwner';
export const INDEX_BY_OWNER_STATUS = 'byOwnerStatus';
export const INDEX_BY_OWNER_ACTIVITY = 'byOwnerActivity';
export const INDEX_BY_REAP_DEADLINE = 'byReapDeadline';
export const INDEX_SETTLED = 'bySettled';

export const keys = {
  cluster: (id: string) => ({ pk: `CLUSTER#${id}`, sk: 'CLUSTER' }),
  /** The cluster's stack resources (progress); its sort key has the cluster item's as prefix. */
  stackResources: (id: string) => ({ pk: `CLUSTER#${id}`, sk: 'CLUSTER#RESOURCES' }),
  usage: (owner: string) => ({ pk: `OWNER#${owner}`, sk: 'USAGE' }),
  eventPrefix: 'EVENT#',
  delivery: (clusterId: string, deliveryId: string) => ({ pk: `CLUSTER#${clusterId}`, sk: `DELIVERY#${deliveryId}` }),
  deliveryPrefix: 'DELIVERY#',
  /**
   * An instance mapped to its cluster (an EC2 event carries only the instance id): at READY, at a replacement's launch,
   * and by the delete's wait; `ttl` once it terminated (cluster-nodes.ts).
   */
  instance: (instanceId: string) => ({ pk: `INSTANCE#${instanceId}`, sk: 'INSTANCE' }),
  ownerPartition: (owner: string) => `OWNER#${owner}`,
  ownerStatusPartition: (owner: string, status: string) => `OWNER#${owner}#STATUS#${status}`,
  listSortKey: (requestedAt: string, id: string) => `${requestedAt}#${id}`,
  activitySortKey: (lastActivityAt: string, id: string) => `${lastActivityAt}#${id}`,
  reapPartition: 'REAP',
  reapSortKey: (deadline: string, id: string) => `${deadline}#${id}`,
  transitionalPartition: 'TRANSITIONAL',
  transitionalSortKey: (updatedAt: string, id: string) => `${updatedAt}#${id}`,
  settledPartition: 'SETTLED',
};

const indexOn = (name: string, partition: string, sort: string, projection: 'ALL' | 'KEYS_ONLY' = 'ALL') => ({
  IndexName: name,
  KeySchema: [
    { AttributeName: partition, KeyType: 'HASH' as const },
    { AttributeName: sort, KeyType: 'RANGE' as const },
  ],
  Projection: { ProjectionType: projection },
});

export function clustersTableDefinition(tableName: string): CreateTableCommandInput {
  const stringKey = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'gsi4pk', 'gsi4sk', 'gsi5pk', 'gsi5sk'].map(stringKey),
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      indexOn(INDEX_BY_OWNER, 'gsi1pk', 'gsi1sk'),
      indexOn(INDEX_BY_OWNER_STATUS, 'gsi2pk', 'gsi2sk'),
      indexOn(INDEX_BY_OWNER_ACTIVITY, 'gsi3pk', 'gsi3sk'),
      indexOn(INDEX_BY_REAP_DEADLINE, 'gsi4pk', 'gsi4sk'),
      indexOn(INDEX_SETTLED, 'gsi5pk', 'gsi5sk', 'KEYS_ONLY'),
    ],
  };
}

/** Powertools idempotency's own table: partition key `id`, TTL on `expiration`. */
export function idempotencyTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  };
}

/** API keys: one item per key, partition key `keyId`; listed only by the key script (a Scan of a small admin table). */
export function apiKeysTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'keyId', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'keyId', KeyType: 'HASH' }],
  };
}
