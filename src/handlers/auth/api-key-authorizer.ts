/**
 * The HTTP API's Lambda authorizer for API keys (payload 2.0, simple responses). It is also what the local sandbox
 * runs in front of every route, so both check keys with the same code.
 *
 * It always answers `isAuthorized: true` and puts its verdict in the context: a principal and role for a good key,
 * a refusal reason otherwise. An HTTP API answers a denied request itself with 403 {"message":"Forbidden"}, which is
 * neither the 401 nor the problem+json this API promises; so the verdict travels to the route, and the route's
 * authenticate() middleware (every authenticated route has it, see http-handler.ts) answers 401 before doing anything.
 *
 * Not cached (AuthorizerResultTtlInSeconds 0 in serverless.yml): a revoked or expired key stops working on the very
 * next request, at the price of one authorizer run and one DynamoDB read per request.
 */
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { apiKeyLookup } from '../../composition/dynamodb';
import { loadConfig } from '../../config';
import { authenticateApiKey, type ApiKeyAuthenticationDeps } from '../../use-cases/api-keys';
import { systemClock } from '../../use-cases/ports';
import { lazyHandler } from '../lazy';
import type { ApiKeyAuthorizerContext } from '../http/principal';

export type ApiKeyAuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<ApiKeyAuthorizerContext>;

export function apiKeyAuthorizerHandler(deps: ApiKeyAuthenticationDeps) {
  return async (event: Pick<APIGatewayRequestAuthorizerEventV2, 'headers'>): Promise<ApiKeyAuthorizerResult> => {
    const verdict = await authenticateApiKey(deps, event.headers?.authorization);
    const context: ApiKeyAuthorizerContext = verdict.ok ? { principal: verdict.principal, role: verdict.role, keyId: verdict.keyId } : { refusal: verdict.reason };
    return { isAuthorized: true, context };
  };
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return apiKeyAuthorizerHandler({ keys: apiKeyLookup(config), clock: systemClock });
});
