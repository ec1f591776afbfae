/**
 * What one CloudFormation resource event costs the services: the stackEvents handler with the real DynamoDB and Step
 * Functions adapters over mocked SDK clients, so every call it makes is counted. A stack sends two events per resource
 * (IN_PROGRESS, COMPLETE) per operation; these pin the bounds that keep that flood cheap:
 * - each event writes one small item (the stack resources item), never the cluster item with its four index copies,
 *   and reads nothing else;
 * - the wait gets at most one SendTaskHeartbeat per `heartbeatEverySeconds`, not one per finished resource, with no
 *   write of its own.
 * The DynamoDB side is a tiny model of the two items, holding the conditions the adapter writes (an older report of a
 * resource fails with ConditionalCheckFailedException, as DynamoDB answers a failed ConditionExpression:
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html, "Errors").
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendTaskHeartbeatCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildClusterStore } from '../../../src/adapters/dynamodb/cluster-store';
import { keys } from '../../../src/adapters/dynamodb/table-design';
import { buildStackWaits } from '../../../src/adapters/dynamodb/workflow-waits';
import { buildTaskTokens } from '../../../src/adapters/stepfunctions/task-tokens';
import { openWait, type ResourceState } from '../../../src/domain/stack-wait';
import { stackEventsHandler, type CloudFormationStatusDetail } from '../../../src/handlers/events/stack-events';
import { aCluster } from '../../support/clusters';
import { fixedClock } from '../../support/dynamodb';

const dynamodb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const TABLE = 'clusters';
const cluster = aCluster({ status: 'CREATING', stackWait: { ...openWait('create', 'create', new Date('2026-11-26T12:00:00Z')), round: 1, token: 't1' } });
const RESOURCES = Array.from({ length: 36 }, (_, i) => `Resource${i}`);

type StackEvent = EventBridgeEvent<'CloudFormation Resource Status Change', CloudFormationStatusDetail>;
/** AWS's documented example (test/fixtures/aws-events/), about one resource of our cluster's stack. */
const example = JSON.parse(readFileSync(resolve(__dirname, '../../fixtures/aws-events/cloudformation-resource-status-change.json'), 'utf8')) as StackEvent;
const resourceEvent = (logicalId: string, status: string, time: Date): StackEvent => ({
  ...example,
  time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  detail: { ...example.detail, 'stack-id': `arn:aws:cloudformation:us-east-1:111122223333:stack/${cluster.stackName}/6a7e8feb`, 'logical-resource-id': logicalId, 'status-details': { status, 'status-reason': '' } },
});

/** The stack resources item, as the create step opens it, and the conditional writes the adapter sends to it. */
function modelTable() {
  const item: { resources: Record<string, ResourceState>; planned: number; beatBucket?: number } = { resources: {}, planned: RESOURCES.length };
  const failed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
  dynamodb.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
    const values = input.ExpressionAttributeValues!;
    const id = input.ExpressionAttributeNames!['#id']!;
    const known = item.resources[id];
    if (known && known.order >= values[':order']) throw failed();
    const before = structuredClone(item);
    item.resources[id] = values[':state'];
    item.beatBucket = values[':bucket'];
    return { Attributes: before };
  });
  dynamodb.on(GetCommand).resolves({ Item: { ...keys.cluster(cluster.id), ...cluster } });
  dynamodb.on(PutCommand).resolves({});
  sfn.on(SendTaskHeartbeatCommand).resolves({});
}

function handler(clock: ReturnType<typeof fixedClock>) {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  return stackEventsHandler({
    clock,
    store: buildClusterStore(client, TABLE),
    waits: buildStackWaits(client, TABLE),
    tokens: buildTaskTokens(new SFNClient({ region: 'us-east-1' })),
    heartbeatEverySeconds: 300,
  });
}

beforeEach(() => {
  dynamodb.reset();
  sfn.reset();
});

describe('what a stack’s resource events cost', () => {
  it('writes one small item per event, never the cluster item', async () => {
    modelTable();
    const clock = fixedClock('2026-11-26T12:00:00.000Z');
    const onEvent = handler(clock);

    for (const id of RESOURCES) {
      await onEvent(resourceEvent(id, 'CREATE_IN_PROGRESS', clock.now()));
      clock.advance(1_000);
      await onEvent(resourceEvent(id, 'CREATE_COMPLETE', clock.now()));
    }

    const updates = dynamodb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    // 72 resource writes, one per event, all on the stack resources item.
    expect(updates).toHaveLength(2 * RESOURCES.length);
    expect(new Set(updates.map((input) => input.Key!.sk))).toEqual(new Set([keys.stackResources(cluster.id).sk]));
    // The only other writes are the four quarter entries of the timeline; the cluster item is read once, for the token.
    expect(dynamodb.commandCalls(PutCommand).map((call) => String(call.args[0].input.Item!.type))).toEqual(Array(4).fill('stack.progress'));
    expect(dynamodb).toHaveReceivedCommandTimes(GetCommand, 1);
  });

  it('heartbeats the wait once per heartbeatEverySeconds bucket that has events, however many resources finish', async () => {
    modelTable();
    const clock = fixedClock('2026-11-26T12:00:00.000Z');
    const onEvent = handler(clock);

    // 72 events within 72 s, all in one 300 s bucket (12:00:00 starts one): one heartbeat.
    for (const id of RESOURCES) {
      await onEvent(resourceEvent(id, 'CREATE_IN_PROGRESS', clock.now()));
      clock.advance(1_000);
      await onEvent(resourceEvent(id, 'CREATE_COMPLETE', clock.now()));
      clock.advance(1_000);
    }
    expect(sfn).toHaveReceivedCommandTimes(SendTaskHeartbeatCommand, 1);

    // The first event of the next bucket: one more, so a stack that keeps making progress keeps its wait alive.
    clock.advance(300_000);
    await onEvent(resourceEvent('Late', 'CREATE_COMPLETE', clock.now()));
    await onEvent(resourceEvent('Later', 'CREATE_COMPLETE', clock.now()));
    expect(sfn).toHaveReceivedCommandTimes(SendTaskHeartbeatCommand, 2);
    expect(sfn).toHaveReceivedCommandWith(SendTaskHeartbeatCommand, { taskToken: 't1' });
  });

  it('sends no heartbeat to a wait that already has its final status', async () => {
    modelTable();
    dynamodb.on(GetCommand).resolves({ Item: { ...keys.cluster(cluster.id), ...cluster, stackWait: { ...cluster.stackWait, status: 'CREATE_COMPLETE' } } });
    const clock = fixedClock('2026-11-26T12:00:00.000Z');

    await handler(clock)(resourceEvent('Vpc', 'CREATE_COMPLETE', clock.now()));

    expect(sfn).not.toHaveReceivedCommand(SendTaskHeartbeatCommand);
  });
});
