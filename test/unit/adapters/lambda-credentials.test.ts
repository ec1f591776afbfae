/**
 * The deployed bundles take their credentials from src/adapters/lambda-credentials.ts in place of the SDK's default
 * chain (serverless.yml, custom.esbuild.alias). These tests hand it to a client the way the alias does, as the
 * client's `credentialDefaultProvider`, and check it answers with what Lambda puts in the environment.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { defaultProvider } from '../../../src/adapters/lambda-credentials';

const KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'] as const;
let saved: Partial<Record<(typeof KEYS)[number], string>>;

beforeEach(() => {
  saved = Object.fromEntries(KEYS.map((key) => [key, process.env[key]]));
  for (const key of KEYS) delete process.env[key];
});
afterEach(() => {
  for (const key of KEYS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

describe('Lambda credentials (the bundles’ credential chain)', () => {
  it('signs with the execution role’s keys from the environment, as Lambda sets them', async () => {
    // Prepare: what Lambda puts in every function's environment.
    process.env.AWS_ACCESS_KEY_ID = 'ASIAEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    process.env.AWS_SESSION_TOKEN = 'token';
    const client = new DynamoDBClient({ region: 'us-east-1', credentialDefaultProvider: defaultProvider });

    // Act
    const credentials = await client.config.credentials();

    // Assess
    expect(credentials).toMatchObject({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  it('fails with the SDK’s own error when the environment holds no keys, instead of looking elsewhere', async () => {
    const client = new DynamoDBClient({ region: 'us-east-1', credentialDefaultProvider: defaultProvider });

    await expect(client.config.credentials()).rejects.toMatchObject({ name: 'CredentialsProviderError' });
  });
});
