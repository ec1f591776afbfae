/**
 * Idempotency-Key handling for POST /clusters, on Powertools' idempotency utility: the key (scoped to the owner)
 * and a hash of the body are stored in their own table; a repeat with the same body replays the stored answer.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { ConflictError, ValidationError } from '../../domain/errors';

export interface IdempotencyScope {
  owner: string;
  idempotencyKey: string;
  /** What must be the same for a replay: the request body as parsed. */
  fingerprint: unknown;
}

export type IdempotentRunner = <T>(scope: IdempotencyScope, context: Context, work: () => Promise<T>) => Promise<T>;

export function buildIdempotentRunner(client: DynamoDBClient, tableName: string, expiresAfterSeconds: number): IdempotentRunner {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[owner, idempotencyKey]',
    payloadValidationJmesPath: 'fingerprint',
    expiresAfterSeconds,
    throwOnNoIdempotencyKey: true,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
  const once = makeIdempotent((_scope: IdempotencyScope, work: () => Promise<unknown>) => work(), {
    persistenceStore,
    config,
    dataIndexArgument: 0,
  });

  return async <T>(scope: IdempotencyScope, context: Context, work: () => Promise<T>): Promise<T> => {
    // Gives in-flight records an expiry tied to this invocation's deadline, so a crashed request frees its key.
    config.registerLambdaContext(context);
    try {
      return (await once(scope, work)) as T;
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw new ValidationError('This Idempotency-Key was already used with a different request body.', {
          errors: [{ field: 'Idempotency-Key', message: 'was used before with a different body' }],
          cause: error,
        });
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new ConflictError('A request with this Idempotency-Key is still in progress; retry shortly.', { cause: error, headers: { 'retry-after': '1' } });
      }
      throw error;
    }
  };
}
