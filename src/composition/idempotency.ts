/** The Idempotency-Key runner (Powertools idempotency over its own table): only POST /clusters builds it. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { buildIdempotentRunner, type IdempotentRunner } from '../adapters/dynamodb/idempotency';
import type { Config } from '../config';
import { dynamoDBClient } from './dynamodb';

export function idempotentRunner(config: Config, client: DynamoDBClient = dynamoDBClient(config)): IdempotentRunner {
  return buildIdempotentRunner(client, config.idempotencyTable, config.idempotencyTtlSeconds);
}
