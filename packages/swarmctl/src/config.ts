/**
 * Where swarmctl sends its requests and as whom: the only reader of the environment.
 *   SWARM_API_URL  the API (required): http://localhost:3000 for `npm start`, or the key or IAM API's URL.
 *   SWARM_API_KEY  an API key (spk_…): sent as a bearer token, to the key API.
 *   otherwise      an execute-api URL (or SWARM_API_AUTH=iam) is the IAM API: SigV4 with the AWS SDK's credentials
 *                  (AWS_PROFILE, AWS_ACCESS_KEY_ID…, SSO, instance roles) in the URL's region or AWS_REGION;
 *                  anything else gets no credentials (the open local sandbox).
 */
import type { SwarmClientOptions } from '../../client/src';
import { UsageError } from './errors';

type Env = Record<string, string | undefined>;

const EXECUTE_API = /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

export function clientConfig(env: Env): Pick<SwarmClientOptions, 'baseUrl' | 'auth'> {
  const baseUrl = env.SWARM_API_URL;
  if (!baseUrl) throw new UsageError('SWARM_API_URL is not set: the API to talk to, e.g. http://localhost:3000 (npm start) or your stack’s HttpApiUrl');
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UsageError(`SWARM_API_URL is not a URL: ${baseUrl}`);
  }
  if (env.SWARM_API_KEY) return { baseUrl, auth: { apiKey: env.SWARM_API_KEY } };
  const apiRegion = EXECUTE_API.exec(url.hostname)?.[1];
  if (apiRegion === undefined && env.SWARM_API_AUTH !== 'iam') return { baseUrl };
  const region = apiRegion ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError('SWARM_API_AUTH=iam needs a region: set AWS_REGION');
  return { baseUrl, auth: { iam: { region } } };
}
