/**
 * The typed client of the swarm-provisioner API: openapi-fetch over the types openapi-typescript generates from the
 * service's OpenAPI document (schema.d.ts, `npm run client:generate`), with what every caller otherwise hand-rolls:
 * authentication (API key or SigV4), an Idempotency-Key on every POST, retries that honour Retry-After, and waitFor.
 */
import createClient, { type Client } from 'openapi-fetch';
import { ClusterStatusError, DryRunUnsupportedError, SwarmApiError, WaitTimeoutError, type Problem } from './errors';
import type { paths } from './schema';
import { authenticatedFetch, realSleep, retryingFetch, type RetryOptions, type Sleep, type SwarmAuth } from './transport';

export { ClusterStatusError, DryRunUnsupportedError, SwarmApiError, WaitTimeoutError, type Problem } from './errors';
export { retryAfterMs, type AwsCredentials, type RetryOptions, type Sleep, type SwarmAuth } from './transport';
export type { paths } from './schema';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
export type ClusterRequest = NonNullable<paths['/clusters']['post']['requestBody']>['content']['application/json'];
export type ClusterChanges = NonNullable<paths['/clusters/{id}']['patch']['requestBody']>['content']['application/json'];
export type Cluster = Json<paths['/clusters/{id}']['get']['responses'][200]>;
export type CreatedCluster = Json<paths['/clusters']['post']['responses'][202]>;
export type ClusterPage = Json<paths['/clusters']['get']['responses'][200]>;
export type ClusterStatus = Cluster['status'];
export type ClusterProgress = NonNullable<Cluster['progress']>;
export type NodeList = Json<paths['/clusters/{id}/nodes']['get']['responses'][200]>;
/** GET /clusters/{id}/connect: the SSM port forward and docker lines for one running manager. */
export type ConnectInstructions = Json<paths['/clusters/{id}/connect']['get']['responses'][200]>;
export type EventPage = Json<paths['/clusters/{id}/events']['get']['responses'][200]>;
export type Delivery = Json<paths['/clusters/{id}/deliveries/{deliveryId}/redeliver']['post']['responses'][202]>;
export type DeliveryPage = Json<paths['/clusters/{id}/deliveries']['get']['responses'][200]>;

/** The dry run's answer (POST /clusters?dryRun=true): the resources and the estimate; nothing was created. */
export type ClusterPlan = Json<paths['/clusters']['post']['responses'][200]>;

export interface SwarmClientOptions {
  /** The API's URL, e.g. http://localhost:3000 or https://abc.execute-api.eu-west-1.amazonaws.com. */
  baseUrl: string;
  /** An API key, or the IAM API (SigV4); absent: no credentials (the local open sandbox). */
  auth?: SwarmAuth;
  fetch?: (request: Request) => Promise<Response>;
  /** A number is the attempts after the first (default 3). */
  retries?: number | RetryOptions;
  /** How the client waits between retries and polls (tests pass a fake). */
  sleep?: Sleep;
  /** The clock waitFor's deadline is read from (tests pass a fake with their sleep). */
  now?: () => number;
  /** Makes each POST's Idempotency-Key (default crypto.randomUUID). */
  idempotencyKey?: () => string;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Between reads; default 2 s. */
  intervalMs?: number;
  /** Called with every read of the cluster (its status, and `progress` while the stack works). */
  onProgress?: (cluster: Cluster) => void;
}

/** The statuses a cluster stays in until someone asks for something: waiting past them is waiting for nothing. */
const MOVING: readonly ClusterStatus[] = ['CREATING', 'UPDATING', 'DELETING'];

/** openapi-fetch's answer: `data` on a 2xx, `error` (the parsed problem) otherwise. */
function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  const problem = (result.error && typeof result.error === 'object' ? result.error : { title: String(result.error ?? result.response.statusText) }) as Problem;
  throw new SwarmApiError(result.response.status, problem);
}

export function createSwarmClient(options: SwarmClientOptions) {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const newKey = options.idempotencyKey ?? (() => crypto.randomUUID());
  const retry = typeof options.retries === 'number' ? { retries: options.retries } : (options.retries ?? {});
  const send = options.fetch ?? ((request: Request) => fetch(request));
  const raw: Client<paths> = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    // Signing inside the retry loop: each attempt is signed at its own time.
    fetch: retryingFetch(authenticatedFetch(options.auth, send), retry, sleep),
  });
  // Once per logical call, before the retries below it: every attempt of one call carries the same key.
  raw.use({
    onRequest({ request }) {
      if (request.method === 'POST' && !request.headers.has('idempotency-key')) request.headers.set('idempotency-key', newKey());
      return request;
    },
  });

  const id = (clusterId: string) => ({ params: { path: { id: clusterId } } });

  const client = {
    raw,
    async createCluster(body: ClusterRequest, { idempotencyKey }: { idempotencyKey?: string } = {}): Promise<CreatedCluster> {
      // Without dryRun the answer is the 202's (the document's 200 is the dry run's).
      return unwrap(await raw.POST('/clusters', { body, ...(idempotencyKey !== undefined && { headers: { 'Idempotency-Key': idempotencyKey } }) })) as CreatedCluster;
    },
    /** The dry run: validated, defaulted, quota-checked and priced; nothing is created. */
    async plan(body: ClusterRequest): Promise<ClusterPlan> {
      const answer: ClusterPlan | CreatedCluster = unwrap(await raw.POST('/clusters', { body, params: { query: { dryRun: 'true' } } }));
      // A service from before the dry run ignores the parameter and creates the cluster: say so, loudly.
      if (!('dryRun' in answer) || answer.dryRun !== true) throw new DryRunUnsupportedError(answer as CreatedCluster);
      return answer;
    },
    async listClusters(query: { limit?: number; cursor?: string; status?: ClusterStatus; owner?: string; idleSince?: string } = {}): Promise<ClusterPage> {
      return unwrap(await raw.GET('/clusters', { params: { query } }));
    },
    async getCluster(clusterId: string): Promise<Cluster> {
      return unwrap(await raw.GET('/clusters/{id}', id(clusterId)));
    },
    async listNodes(clusterId: string): Promise<NodeList> {
      return unwrap(await raw.GET('/clusters/{id}/nodes', id(clusterId)));
    },
    async connect(clusterId: string): Promise<ConnectInstructions> {
      return unwrap(await raw.GET('/clusters/{id}/connect', id(clusterId)));
    },
    async listEvents(clusterId: string, query: { cursor?: string; limit?: number } = {}): Promise<EventPage> {
      return unwrap(await raw.GET('/clusters/{id}/events', { params: { path: { id: clusterId }, query } }));
    },
    async updateCluster(clusterId: string, changes: ClusterChanges): Promise<Cluster> {
      return unwrap(await raw.PATCH('/clusters/{id}', { ...id(clusterId), body: changes }));
    },
    async upgrade(clusterId: string): Promise<Cluster> {
      return unwrap(await raw.POST('/clusters/{id}/upgrade', id(clusterId)));
    },
    async hibernate(clusterId: string): Promise<Cluster> {
      return unwrap(await raw.POST('/clusters/{id}/hibernate', id(clusterId)));
    },
    async wake(clusterId: string): Promise<Cluster> {
      return unwrap(await raw.POST('/clusters/{id}/wake', id(clusterId)));
    },
    async deleteCluster(clusterId: string): Promise<Cluster> {
      return unwrap(await raw.DELETE('/clusters/{id}', id(clusterId)));
    },
    async listDeliveries(clusterId: string, query: { cursor?: string; limit?: number } = {}): Promise<DeliveryPage> {
      return unwrap(await raw.GET('/clusters/{id}/deliveries', { params: { path: { id: clusterId }, query } }));
    },
    async redeliver(clusterId: string, deliveryId: string): Promise<Delivery> {
      return unwrap(await raw.POST('/clusters/{id}/deliveries/{deliveryId}/redeliver', { params: { path: { id: clusterId, deliveryId } } }));
    },
    /**
     * Reads the cluster every intervalMs until it is in one of `wanted` (and returns it), settles in another status
     * (throws ClusterStatusError: FAILED with its reason, say), or the deadline passes (throws WaitTimeoutError).
     */
    async waitFor(clusterId: string, wanted: ClusterStatus | readonly ClusterStatus[], { timeoutMs, intervalMs = 2000, onProgress }: WaitOptions): Promise<Cluster> {
      const statuses: readonly ClusterStatus[] = typeof wanted === 'string' ? [wanted] : wanted;
      const deadline = now() + timeoutMs;
      let last: Cluster | undefined;
      for (;;) {
        last = await client.getCluster(clusterId);
        onProgress?.(last);
        if (statuses.includes(last.status)) return last;
        if (!MOVING.includes(last.status)) throw new ClusterStatusError(last, statuses);
        const left = deadline - now();
        if (left <= 0) throw new WaitTimeoutError(last, statuses, timeoutMs);
        await sleep(Math.min(intervalMs, left));
      }
    },
  };
  return client;
}

export type SwarmClient = ReturnType<typeof createSwarmClient>;
