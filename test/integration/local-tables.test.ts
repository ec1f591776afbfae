/**
 * The sandbox's tables (sandbox/dynamodb.ts ensureTables) on dynalite: a table kept in the data folder by an older
 * version, without an index the code now queries, is refused at start with the index named and what to delete, not
 * left to fail on the first query. DynamoDB's own CreateTable answers ResourceInUseException for a table that exists
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html), which is how the old table
 * survives the start.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTables, OutdatedLocalTableError, startEmbeddedDynamoDB } from '../../sandbox/dynamodb';
import { clustersTableDefinition } from '../../src/adapters/dynamodb/table-design';

describe('the local tables at start', () => {
  let server: Awaited<ReturnType<typeof startEmbeddedDynamoDB>>;
  let client: DynamoDBClient;

  beforeEach(async () => {
    server = await startEmbeddedDynamoDB();
    client = new DynamoDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });

  afterEach(async () => {
    client.destroy();
    await server.close();
  });

  it('refuses a table from an older version that lacks an index, naming it and the folder to delete', async () => {
    // Prepare: the clusters table as an older version made it, with no secondary index at all.
    const definition = clustersTableDefinition('clusters');
    const indexes = (definition.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName);
    const { GlobalSecondaryIndexes: _dropped, ...older } = definition;
    const keyNames = new Set(older.KeySchema!.map((key) => key.AttributeName));
    await client.send(new CreateTableCommand({ ...older, AttributeDefinitions: older.AttributeDefinitions!.filter((a) => keyNames.has(a.AttributeName)) }));
    expect(indexes.length).toBeGreaterThan(0);

    // Act
    const started = ensureTables(client, [definition]);

    // Assess
    await expect(started).rejects.toBeInstanceOf(OutdatedLocalTableError);
    await expect(started).rejects.toThrow(
      `local table clusters has no index ${indexes.join(', ')}; it predates this version. Delete the local data folder (LOCAL_DATA_DIR, default .local-data) to start afresh.`,
    );
  });

  it('accepts a table that already has every index (a restart on the same data folder)', async () => {
    const definition = clustersTableDefinition('clusters');
    await ensureTables(client, [definition]);

    await expect(ensureTables(client, [definition])).resolves.toBeUndefined();
  });
});
