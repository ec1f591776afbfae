import { TransientAwsError } from '../domain/errors';

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'SlowDown',
]);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout']);

interface SdkLikeError {
  name?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Throttling, 5xx and network failures are worth another try; everything else is a real answer. */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkLikeError;
  if (e.$retryable) return true;
  if (e.name && (THROTTLING.has(e.name) || NETWORK.has(e.name))) return true;
  if (e.code && NETWORK.has(e.code)) return true;
  return (e.$metadata?.httpStatusCode ?? 0) >= 500;
}

/** Rethrows transient SDK failures as TransientAwsError, the name the workflows' Retry policies match. */
export function classifyAwsError(error: unknown, operation: string): never {
  if (isTransient(error)) throw new TransientAwsError(`${operation} failed transiently`, { cause: error });
  throw error;
}
