/**
 * The node inventory as events keep it. On the cluster item the inventory is a map, `inventory`, keyed by instance id
 * (cluster-store.ts turns it into the record's `nodes` list), so one event updates one node with one UpdateItem whose
 * condition is about that node alone: its order (domain/nodes.ts `nodeStateOrder`) must grow, and `terminated` is
 * final. Like the waits (workflow-waits.ts), none of these writes touches `version`: an event never makes a workflow
 * step's versioned write stale. A versioned write that sets `nodes` (READY's inventory, the delete's) replaces the map.
 *
 * The instance → cluster items (`INSTANCE#<id>`, table-design.ts) are the same ones the delete workflow's wait writes;
 * at termination they get a `ttl` (epoch seconds), which DynamoDB's TTL deletes (serverless.yml enables it on the
 * clusters table). dynalite, the local DynamoDB, does not expire items: locally they stay.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INSTANCE_MAPPING_GRACE_SECONDS, nodeStateOrder, TERMINATED } from '../../domain/nodes';
import type { ClusterNodes } from '../../use-cases/ports';
import { keys } from './table-design';
import { conditional } from './workflow-waits';

/** States in which EC2 has taken an instance's automatic public address back. */
const ADDRESS_RELEASED = new Set(['stopped', TERMINATED]);

/** The stored form of one node: the node, plus the order its next report must exceed. */
export const storedNode = (node: { state: string; stateAt?: string }) => ({ ...node, order: nodeStateOrder(node.stateAt ?? new Date(0).toISOString(), node.state) });

/**
 * The statuses in which the cluster's groups launch and retire nodes that the inventory follows: READY (a replacement),
 * UPDATING (a scale or a rolling replacement) and HIBERNATED (the managers' own replacements).
 */
const RUNNING_STATUSES = { ':ready': 'READY', ':updating': 'UPDATING', ':hibernated': 'HIBERNATED' };

export function buildClusterNodes(client: DynamoDBDocumentClient, tableName: string): ClusterNodes {
  const applied = async (command: UpdateCommand) => (await conditional(() => client.send(command))) !== undefined;

  return {
    recordState(clusterId, instanceId, report) {
      const at = new Date(Date.parse(report.at)).toISOString();
      return applied(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.cluster(clusterId),
          UpdateExpression: `SET inventory.#id.#state = :state, inventory.#id.#stateAt = :at, inventory.#id.#order = :order${ADDRESS_RELEASED.has(report.state) ? ' REMOVE inventory.#id.#publicIp' : ''}`,
          ConditionExpression: 'attribute_exists(inventory.#id) AND inventory.#id.#state <> :terminated AND inventory.#id.#order < :order',
          ExpressionAttributeNames: {
            '#id': instanceId,
            '#state': 'state',
            '#stateAt': 'stateAt',
            '#order': 'order',
            ...(ADDRESS_RELEASED.has(report.state) ? { '#publicIp': 'publicIp' } : {}),
          },
          ExpressionAttributeValues: { ':state': report.state, ':at': at, ':order': nodeStateOrder(at, report.state), ':terminated': TERMINATED },
        }),
      );
    },

    join(clusterId, node) {
      return applied(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.cluster(clusterId),
          UpdateExpression: 'SET inventory.#id = :node',
          ConditionExpression: 'attribute_exists(inventory) AND attribute_not_exists(inventory.#id) AND #status IN (:ready, :updating, :hibernated)',
          ExpressionAttributeNames: { '#id': node.instanceId, '#status': 'status' },
          ExpressionAttributeValues: { ':node': storedNode(node), ...RUNNING_STATUSES },
        }),
      );
    },

    leave(clusterId, instanceId) {
      return applied(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.cluster(clusterId),
          UpdateExpression: 'REMOVE inventory.#id',
          ConditionExpression: 'attribute_exists(inventory.#id) AND #status IN (:ready, :updating, :hibernated)',
          ExpressionAttributeNames: { '#id': instanceId, '#status': 'status' },
          ExpressionAttributeValues: RUNNING_STATUSES,
        }),
      );
    },

    mapInstance(clusterId, instanceId) {
      return applied(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.instance(instanceId),
          UpdateExpression: 'SET clusterId = :clusterId',
          ConditionExpression: 'attribute_not_exists(terminatedAt)',
          ExpressionAttributeValues: { ':clusterId': clusterId },
        }),
      );
    },

    async retireInstance(instanceId, at) {
      await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.instance(instanceId),
            UpdateExpression: 'SET terminatedAt = if_not_exists(terminatedAt, :at), #ttl = if_not_exists(#ttl, :ttl)',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':at': at, ':ttl': Math.floor(Date.parse(at) / 1000) + INSTANCE_MAPPING_GRACE_SECONDS },
          }),
        ),
      );
    },
  };
}
