/**
 * Who is calling: read from what API Gateway's authorizer put on the request, never from the request body.
 *
 * Two APIs reach the same functions (see docs/security.md, "Access control"): on the IAM API the caller is the SigV4
 * signer's ARN (`requestContext.authorizer.iam`); on the API-key API it is what our Lambda authorizer put in its
 * context (`requestContext.authorizer.lambda`). That authorizer never denies at the gateway, because an HTTP API
 * answers a denial with its own 403 `{"message":"Forbidden"}` that we cannot shape; it passes the verdict on instead,
 * and `authenticate()`, which every route goes through, turns a refusal into a 401 problem+json before the route runs.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { isOperatorArn, type Caller } from '../../domain/access';
import { KEY_REFUSALS } from '../../domain/api-key';
import { ServiceUnavailableError, UnauthorizedError } from '../../domain/errors';
import type { HttpEvent, HttpResult } from './middleware';

export interface AccessPolicy {
  /** IAM roles whose callers are operators (OPERATOR_ROLE_ARNS). */
  operatorRoleArns: readonly string[];
}

/** No IAM operator roles: API-key operators are still recognised (their role travels in the authorizer context). */
export const OWNERS_ONLY: AccessPolicy = { operatorRoleArns: [] };

/** What the API-key authorizer passes on (simple responses: every value is a string). */
export interface ApiKeyAuthorizerContext {
  principal?: string;
  role?: string;
  keyId?: string;
  /** Why no principal: missing, malformed, unknown, revoked, expired, or unavailable (the key store did not answer). */
  refusal?: string;
}

interface AuthorizerContext {
  lambda?: ApiKeyAuthorizerContext;
  iam?: { userArn?: unknown };
}

export function resolveCaller(event: APIGatewayProxyEventV2, policy: AccessPolicy): Caller {
  const authorizer = (event.requestContext as { authorizer?: AuthorizerContext } | undefined)?.authorizer;
  const arn = authorizer?.iam?.userArn;
  if (typeof arn === 'string' && arn.length > 0) return { principal: arn, operator: isOperatorArn(arn, policy.operatorRoleArns) };

  const verdict = authorizer?.lambda;
  if (typeof verdict?.principal === 'string' && verdict.principal.length > 0) return { principal: verdict.principal, operator: verdict.role === 'operator' };
  if (verdict?.refusal === 'unavailable') {
    throw new ServiceUnavailableError('Your credentials could not be checked just now; retry shortly.', { headers: { 'retry-after': '2' } });
  }
  const reason = (verdict?.refusal ?? 'missing') as keyof typeof KEY_REFUSALS;
  throw new UnauthorizedError(KEY_REFUSALS[reason] ?? KEY_REFUSALS.missing, { headers: { 'www-authenticate': 'Bearer' } });
}

/** Establishes `event.caller` for the route, or answers 401 (503 when the key store could not be asked). */
export function authenticate(policy: AccessPolicy = OWNERS_ONLY): MiddlewareObj<HttpEvent, HttpResult, Error, Context> {
  return {
    before: async ({ event }) => {
      event.caller = resolveCaller(event, policy);
    },
  };
}

/** The authenticated caller of a request that went through `authenticate()` (every route built with httpHandler). */
export function callerOf(event: HttpEvent): Caller {
  return event.caller ?? resolveCaller(event, OWNERS_ONLY);
}

/** The owner of whatever the request creates or touches: the authenticated principal. */
export function principalOf(event: HttpEvent): string {
  return callerOf(event).principal;
}
