import { clientConfig } from '../../../packages/swarmctl/src/config';
import { UsageError } from '../../../packages/swarmctl/src/errors';

describe('swarmctl configuration', () => {
  it('an API key goes with any URL', () => {
    expect(clientConfig({ SWARM_API_URL: 'https://keys.example.com', SWARM_API_KEY: 'spk_a_b' })).toEqual({ baseUrl: 'https://keys.example.com', auth: { apiKey: 'spk_a_b' } });
  });

  it('without a key, an execute-api URL is the IAM API in that URL’s region', () => {
    expect(clientConfig({ SWARM_API_URL: 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com', AWS_REGION: 'us-east-1' })).toEqual({
      baseUrl: 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
      auth: { iam: { region: 'eu-west-1' } },
    });
  });

  it('a custom domain is the IAM API with SWARM_API_AUTH=iam and AWS_REGION, and a usage error without a region', () => {
    expect(clientConfig({ SWARM_API_URL: 'https://swarm.example.com', SWARM_API_AUTH: 'iam', AWS_REGION: 'us-east-2' }).auth).toEqual({ iam: { region: 'us-east-2' } });
    expect(() => clientConfig({ SWARM_API_URL: 'https://swarm.example.com', SWARM_API_AUTH: 'iam' })).toThrow(UsageError);
  });

  it('a local URL without a key sends no credentials (the open sandbox)', () => {
    expect(clientConfig({ SWARM_API_URL: 'http://127.0.0.1:3000' })).toEqual({ baseUrl: 'http://127.0.0.1:3000' });
  });

  it('refuses a missing or malformed SWARM_API_URL', () => {
    expect(() => clientConfig({})).toThrow('SWARM_API_URL is not set');
    expect(() => clientConfig({ SWARM_API_URL: 'localhost 3000' })).toThrow('SWARM_API_URL is not a URL');
  });
});
