/**
 * `npx tsx bench/resource-event-write.ts`: what one resource event's write costs the embedded DynamoDB (dynalite), by
 * where the resources live. The same 36 resources × (IN_PROGRESS, COMPLETE) of one stack, written
 * - on the cluster item (as issue 11 first did: `SET stackResources.#id`, ReturnValues ALL_OLD, the item in four
 *   indexes), and
 * - on the stack resources item beside it (`SET resources.#id`, ALL_OLD of that item only, in no index),
 * sequentially and 20 stacks at a time, with the time per write and the bytes each write returned.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys, clustersTableDefinition } from '../src/adapters/dynamodb/table-design';
import { buildClusterStore } from '../src/adapters/dynamodb/cluster-store';
import { buildStackWaits } from '../src/adapters/dynamodb/workflow-waits';
import { newClusterId, type Cluster } from '../src/domain/cluster';
import { resourceOrder } from '../src/domain/stack-wait';
import { ensureTables, startEmbeddedDynamoDB } from '../sandbox/dynamodb';
import { countAwsCalls, pooled } from './support';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const RESOURCES = Array.from({ length: 36 }, (_, i) => `Resource${String(i).padStart(2, '0')}`);
const STACKS = 20;

function aCluster(): Cluster {
  const id = newClusterId();
  const at = new Date().toISOString();
  return {
    id, name: 'bench', owner: 'arn:aws:iam::000000000000:user/bench', region: 'us-east-1',
    parameters: { managers: 3, workers: 3, instanceType: 't3.medium', dockerVersion: '27.3.1', availabilityZones: 3 } as never,
    tags: { team: 'bench' }, status: 'CREATING', statusReason: 'creating the CloudFormation stack', stackName: `swarm-${id}`,
    stackId: `arn:aws:cloudformation:us-east-1:000000000000:stack/swarm-${id}/6a7e8feb-b491-4cf7-a9f1-bf3703467718`,
    stackRequestedAt: at, stackWait: { key: 'create', target: 'create', since: at, round: 1, token: 'x'.repeat(600) },
    outputs: {}, nodes: [], requestedAt: at, lastActivityAt: at, updatedAt: at, version: 3,
  } as Cluster;
}

async function main(): Promise<void> {
  const server = await startEmbeddedDynamoDB();
  const client = new DynamoDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'b', secretAccessKey: 'b' } });
  await ensureTables(client, [clustersTableDefinition('clusters')]);
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const store = buildClusterStore(documents, 'clusters');
  const waits = buildStackWaits(documents, 'clusters');
  const aws = countAwsCalls();

  const onClusterItem = async (cluster: Cluster, id: string, status: string, time: string) => {
    const state = { status, at: time, order: resourceOrder(time, status) };
    await documents.send(new UpdateCommand({
      TableName: 'clusters', Key: keys.cluster(cluster.id), UpdateExpression: 'SET stackResources.#id = :state',
      ConditionExpression: 'attribute_exists(stackResources) AND (attribute_not_exists(stackResources.#id) OR stackResources.#id.#order < :order)',
      ExpressionAttributeNames: { '#id': id, '#order': 'order' }, ExpressionAttributeValues: { ':state': state, ':order': state.order }, ReturnValues: 'ALL_OLD',
    }));
  };
  const onOwnItem = async (cluster: Cluster, id: string, status: string, time: string) => {
    await waits.recordResource(cluster.id, { logicalId: id, status, at: time, order: resourceOrder(time, status) }, 0);
  };
  const variants = [
    ['cluster item (before)', onClusterItem, (c: Cluster) => store.create({ ...c, stackResources: {} })],
    ['own item (after)', onOwnItem, async (c: Cluster) => { await store.create(c); await store.openStackResources(c.id, RESOURCES.length); }],
  ] as const;
  const lifecycle = async (write: (c: Cluster, id: string, s: string, t: string) => Promise<void>, cluster: Cluster) => {
    for (const [i, id] of RESOURCES.entries()) {
      await write(cluster, id, 'CREATE_IN_PROGRESS', new Date(Date.UTC(2026, 10, 27, 12, 0, i)).toISOString());
      await write(cluster, id, 'CREATE_COMPLETE', new Date(Date.UTC(2026, 10, 27, 12, 1, i)).toISOString());
    }
  };
  for (let round = 0; round < 2; round++) {
    for (const [label, write, make] of variants) {
      const clusters = Array.from({ length: STACKS }, aCluster);
      for (const c of clusters) await make(c);
      const before = aws.snapshot();
      const started = performance.now();
      await pooled(STACKS, STACKS, (i) => lifecycle(write, clusters[i]!));
      const ms = performance.now() - started;
      const { calls, bytes } = aws.since(before);
      const writes = calls.get('DynamoDB.UpdateItem') ?? 0;
      if (round === 1) console.log(`${label.padEnd(24)} ${writes} writes, ${STACKS} stacks at a time: ${(ms / writes).toFixed(2)} ms per write (wall/writes), returned ${((bytes.get('DynamoDB.UpdateItem') ?? 0) / writes / 1024).toFixed(2)} KiB per write on average`);
    }
  }
  client.destroy();
  await server.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
