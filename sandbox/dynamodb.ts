/** The embedded DynamoDB: dynalite (DynamoDB's API on LevelDB), in memory or persisted in a folder. */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

export interface EmbeddedDynamoDB {
  endpoint: string;
  close(): Promise<void>;
}

export async function startEmbeddedDynamoDB(options: { port?: number; path?: string } = {}): Promise<EmbeddedDynamoDB> {
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A table kept in a data folder from an older version lacks an index the code now queries. */
export class OutdatedLocalTableError extends Error {
  constructor(readonly tableName: string, readonly missing: string[]) {
    super(`local table ${tableName} has no index ${missing.join(', ')}; it predates this version. Delete the local data folder (LOCAL_DATA_DIR, default .local-data) to start afresh.`);
    this.name = 'OutdatedLocalTableError';
  }
}

/**
 * Creates the tables that do not exist yet and waits (with a deadline) until each is ACTIVE. dynalite cannot add an
 * index to an existing table, so a persisted table without one the definition has is refused with a clear error
 * instead of failing later on the first query that needs it.
 */
export async function ensureTables(client: DynamoDBClient, definitions: CreateTableCommandInput[], timeoutMs = 10_000): Promise<void> {
  for (const definition of definitions) {
    try {
      await client.send(new CreateTableCommand(definition));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: definition.TableName }));
      if (Table?.TableStatus === 'ACTIVE') {
        const present = new Set((Table.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
        const missing = (definition.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName ?? '').filter((name) => !present.has(name));
        if (missing.length > 0) throw new OutdatedLocalTableError(definition.TableName ?? '', missing);
        break;
      }
      if (Date.now() > deadline) throw new Error(`table ${definition.TableName} did not become ACTIVE within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
