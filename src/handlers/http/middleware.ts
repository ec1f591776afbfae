/**
 * The HTTP edge: request logging, JSON body parsing with limits, and RFC 9457 problem details for every error.
 * Anything that is not a ProblemError becomes a generic 500; its details go to the log, never to the caller.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import type { Caller } from '../../domain/access';
import { BadRequestError, ProblemError, UnsupportedMediaTypeError, ValidationError, type FieldError } from '../../domain/errors';
import { logger } from '../../logger';

/** An HTTP API event as our middleware leaves it: the parsed JSON body and the authenticated caller. */
export type HttpEvent = APIGatewayProxyEventV2 & { jsonBody?: unknown; caller?: Caller };
export type HttpResult = Exclude<APIGatewayProxyResultV2, string>;
type HttpMiddleware = MiddlewareObj<HttpEvent, HttpResult, Error, Context>;

export const MAX_BODY_BYTES = 64 * 1024;

const PROBLEM_TYPE_PREFIX = 'urn:swarm-provisioner:problem:';

function kebab(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export function problemResponse(error: ProblemError, instance: string): HttpResult {
  return {
    statusCode: error.status,
    headers: { 'content-type': 'application/problem+json', ...error.headers },
    // Extensions first, so they can never overwrite the standard members.
    body: JSON.stringify({
      ...error.extensions,
      type: `${PROBLEM_TYPE_PREFIX}${kebab(error.title)}`,
      title: error.title,
      status: error.status,
      detail: error.message,
      instance,
      ...(error.errors.length > 0 ? { errors: error.errors } : {}),
    }),
  };
}

const INTERNAL_ERROR_BODY = JSON.stringify({
  type: `${PROBLEM_TYPE_PREFIX}internal-error`,
  title: 'Internal error',
  status: 500,
  detail: 'The request could not be completed. It has been logged; retrying later may help.',
});

export function problemDetails(): HttpMiddleware {
  return {
    onError: async (request) => {
      const { error, event } = request;
      if (error instanceof ProblemError && error.expose) {
        request.response = problemResponse(error, event.rawPath ?? '');
        return;
      }
      logger.error('request failed', { error, path: event.rawPath, requestId: event.requestContext?.requestId });
      request.response = { statusCode: 500, headers: { 'content-type': 'application/problem+json' }, body: INTERNAL_ERROR_BODY };
    },
  };
}

/** Parses a JSON body into `event.jsonBody`: only application/json, at most 64 KiB, valid JSON. */
export function jsonBody(): HttpMiddleware {
  return {
    before: async ({ event }) => {
      const contentType = event.headers?.['content-type'] ?? '';
      if (!/^application\/(.+\+)?json\b/i.test(contentType)) {
        throw new UnsupportedMediaTypeError('Send the request body as application/json.', { errors: [{ field: 'content-type', message: 'must be application/json' }] });
      }
      const raw = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
      if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) {
        throw new BadRequestError(`The request body is larger than ${MAX_BODY_BYTES} bytes.`, { errors: [{ field: 'body', message: `must be at most ${MAX_BODY_BYTES} bytes` }] });
      }
      try {
        event.jsonBody = JSON.parse(raw) as unknown;
      } catch {
        throw new BadRequestError('The request body is not valid JSON.', { errors: [{ field: 'body', message: 'must be a JSON document' }] });
      }
    },
  };
}

/** One log line per request, with what a person needs to follow it. */
export function requestLog(): HttpMiddleware {
  const line = (request: { event: HttpEvent; response: HttpResult | null; internal: Record<string, unknown> }) => {
    const { event, response, internal } = request;
    logger.info('request handled', {
      method: event.requestContext?.http?.method,
      path: event.rawPath,
      status: response?.statusCode,
      ms: Date.now() - Number(internal.startedAt ?? Date.now()),
      requestId: event.requestContext?.requestId,
    });
  };
  return {
    before: async (request) => {
      (request.internal as Record<string, unknown>).startedAt = Date.now();
    },
    after: async (request) => line(request),
    onError: async (request) => line(request),
  };
}

/**
 * What parseOrThrow needs of a schema: zod's `safeParse` answer. A zod schema is one; so are the light checks of
 * route-parameters.ts, which answer with the same issues.
 */
export interface RequestParser<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly ParseIssue[] } };
}

type ParseIssue = { path: readonly PropertyKey[]; code: string; message: string; keys?: readonly string[] };

/** zod issues as the `errors` list of a problem: one entry per field, with a dotted path. */
export function fieldErrors(error: { issues: readonly ParseIssue[] }): FieldError[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'is not a known field' }));
    }
    return [{ field: base || 'body', message: issue.message }];
  });
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S>;
export function parseOrThrow<T>(schema: RequestParser<T>, value: unknown, what: string): T;
export function parseOrThrow<T>(schema: RequestParser<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(`The ${what} is not valid.`, { errors: fieldErrors(result.error) });
  return result.data;
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
