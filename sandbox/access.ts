/**
 * Who a local request acts as. The same authorizer code as on AWS: with LOCAL_API_KEY it is the only way in; without,
 * a request that carries no credentials is the local principal (the open sandbox), and one that carries a key still
 * has it checked.
 */
import { apiKeyStore } from '../src/composition/dynamodb';
import type { Config } from '../src/config';
import { apiKeyAuthorizerHandler } from '../src/handlers/auth/api-key-authorizer';
import type { ApiKeyAuthorizerContext } from '../src/handlers/http/principal';
import { registerLocalApiKey } from '../src/use-cases/api-keys';
import { systemClock } from '../src/use-cases/ports';

export type LocalAuthorizer = (headers: Record<string, string>) => Promise<ApiKeyAuthorizerContext>;

export async function localAuthorizer(config: Config, { principal, apiKey }: { principal: string; apiKey?: string }): Promise<LocalAuthorizer> {
  const keyDeps = { keys: apiKeyStore(config), clock: systemClock };
  const authorizer = apiKeyAuthorizerHandler(keyDeps);
  if (apiKey !== undefined) await registerLocalApiKey(keyDeps, { key: apiKey, principal });
  return async (headers) => {
    if (apiKey === undefined && !headers.authorization) return { principal, role: 'user' };
    return (await authorizer({ headers })).context;
  };
}
