import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { UnauthorizedError } from '../../domain/errors';

interface AuthorizerContext {
  lambda?: { principalId?: unknown };
  iam?: { userArn?: unknown };
  jwt?: { claims?: { sub?: unknown } };
}

/**
 * The owner of whatever the request touches: the principal the API Gateway authorizer established (a Lambda
 * authorizer's principalId, the IAM caller's ARN, or a JWT subject). Never a field of the request body.
 */
export function principalOf(event: APIGatewayProxyEventV2): string {
  const authorizer = (event.requestContext as { authorizer?: AuthorizerContext }).authorizer;
  const principal = authorizer?.lambda?.principalId ?? authorizer?.iam?.userArn ?? authorizer?.jwt?.claims?.sub;
  if (typeof principal !== 'string' || principal.length === 0) throw new UnauthorizedError('The request carries no authenticated principal.');
  return principal;
}
