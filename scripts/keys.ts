/**
 * `npm run keys -- <mint|list|revoke> [options]`: API keys, through the SDK, against whichever DynamoDB the options
 * name: the running local sandbox (--local), a deployed stage (--stage), or a table (--table / API_KEYS_TABLE).
 *
 *   npm run keys -- mint --local --principal ci-bot [--role operator] [--expires-in 30] [--description "nightly job"]
 *   npm run keys -- list --stage prod --region eu-west-1 [--principal ci-bot]
 *   npm run keys -- revoke --stage prod --region eu-west-1 <key id>
 *
 * The key itself is printed once, by mint, and never stored: only its SHA-256 is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ApiKeyRole } from '../src/domain/api-key';
import { localDataLayout } from '../sandbox/data-dir';
import type { ApiKeyDeps } from '../src/use-cases/api-keys';

// Before any module builds its logger or SDK client: this is a command line, its output is for a person.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SERVICE = 'swarm-provisioner';
const USAGE = `usage:
  npm run keys -- mint   <target> --principal NAME [--role user|operator] [--expires-in DAYS | --expires-at ISO-8601] [--description TEXT]
  npm run keys -- list   <target> [--principal NAME]
  npm run keys -- revoke <target> KEY_ID
target: --local (the running npm start) | --stage STAGE [--region REGION] | --table TABLE [--region REGION] | API_KEYS_TABLE=...`;

class UsageError extends Error {
  override name = 'UsageError';
}

function target(values: Record<string, string | boolean | undefined>): { region: string; table: string; endpoint?: string } {
  const region = String(values.region ?? process.env.AWS_REGION ?? 'us-east-1');
  if (values.local) {
    const file = localDataLayout().endpointsFile;
    if (!existsSync(file)) throw new UsageError(`no running local sandbox found (${file} is missing): start it with npm start first`);
    const local = JSON.parse(readFileSync(file, 'utf8')) as { dynamodb: string; apiKeysTable: string };
    // The sandbox's DynamoDB takes any credentials; real ones from the environment would do as well.
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    return { region: 'us-east-1', table: local.apiKeysTable, endpoint: local.dynamodb };
  }
  if (typeof values.table === 'string') return { region, table: values.table };
  if (typeof values.stage === 'string') return { region, table: `${SERVICE}-${values.stage}-api-keys` };
  if (process.env.API_KEYS_TABLE) return { region, table: process.env.API_KEYS_TABLE };
  throw new UsageError('say which keys: --local, --stage STAGE, --table TABLE or API_KEYS_TABLE');
}

function expiry(values: Record<string, string | boolean | undefined>): Date | undefined {
  if (typeof values['expires-at'] === 'string') {
    const at = new Date(values['expires-at']);
    if (Number.isNaN(at.getTime())) throw new UsageError('--expires-at must be an ISO 8601 date');
    return at;
  }
  if (typeof values['expires-in'] === 'string') {
    const days = Number(values['expires-in']);
    if (!Number.isInteger(days) || days < 1) throw new UsageError('--expires-in is a whole number of days');
    return new Date(Date.now() + days * 86_400_000);
  }
  return undefined;
}

async function main(argv: string[]): Promise<void> {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { apiKeyStore } = await import('../src/composition/dynamodb');
  const { API_KEY_ROLES } = await import('../src/domain/api-key');
  const { DEFAULT_KEY_LIFETIME_DAYS, listApiKeys, mintApiKey, revokeApiKey } = await import('../src/use-cases/api-keys');
  const { systemClock } = await import('../src/use-cases/ports');
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      local: { type: 'boolean' },
      stage: { type: 'string' },
      table: { type: 'string' },
      region: { type: 'string' },
      principal: { type: 'string' },
      role: { type: 'string', default: 'user' },
      'expires-in': { type: 'string' },
      'expires-at': { type: 'string' },
      description: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  const where = target(values);
  const client = new DynamoDBClient({ region: where.region, ...(where.endpoint ? { endpoint: where.endpoint } : {}) });
  const deps: ApiKeyDeps = { keys: apiKeyStore({ region: where.region, apiKeysTable: where.table }, client), clock: systemClock };
  try {
    switch (command) {
      case 'mint': {
        if (!values.principal) throw new UsageError('mint needs --principal NAME');
        if (!API_KEY_ROLES.includes(values.role as ApiKeyRole)) throw new UsageError(`--role is one of ${API_KEY_ROLES.join(', ')}`);
        const { key, record } = await mintApiKey(deps, { principal: values.principal, role: values.role as ApiKeyRole, expiresAt: expiry(values), description: values.description });
        console.log(`key id:    ${record.keyId}\nprincipal: ${record.principal}\nrole:      ${record.role}\nexpires:   ${record.expiresAt}`);
        console.log(`\n${key}\n\nThis is the only time the key is shown; only its hash is stored. Send it as "Authorization: Bearer <key>".`);
        if (!values['expires-in'] && !values['expires-at']) console.log(`(It expires in ${DEFAULT_KEY_LIFETIME_DAYS} days; --expires-in DAYS to choose.)`);
        return;
      }
      case 'list': {
        let cursor: string | undefined;
        let count = 0;
        do {
          const page = await listApiKeys(deps, { principal: values.principal, limit: 100, cursor });
          for (const key of page.items) {
            count += 1;
            console.log([key.keyId, key.state.padEnd(7), key.role.padEnd(8), key.principal, `expires ${key.expiresAt}`, key.revokedAt ? `revoked ${key.revokedAt}` : '', key.description ?? ''].filter(Boolean).join('  '));
          }
          cursor = page.nextCursor;
        } while (cursor);
        if (count === 0) console.log('no keys');
        return;
      }
      case 'revoke': {
        const [keyId] = rest;
        if (!keyId) throw new UsageError('revoke needs the key id (the part after spk_, before the second _)');
        const record = await revokeApiKey(deps, keyId);
        if (!record) throw new UsageError(`there is no key ${keyId}`);
        console.log(`key ${keyId} revoked at ${record.revokedAt}; requests with it are refused from now on (the authorizer does not cache).`);
        return;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } finally {
    client.destroy();
  }
}

main(process.argv.slice(2)).catch(async (error: unknown) => {
  const { ProblemError } = await import('../src/domain/errors');
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else if (error instanceof ProblemError) console.error([error.message, ...error.errors.map((e) => `  ${e.field}: ${e.message}`)].join('\n'));
  else console.error('keys failed:', error);
  process.exitCode = 1;
});
