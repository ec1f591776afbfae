/**
 * The fetch under openapi-fetch: authentication (an API key, or SigV4 for the IAM API) and bounded retries that
 * honour Retry-After. It sits below openapi-fetch's middleware, so a retry resends the very request the middleware
 * built (the same Idempotency-Key) and only the signature is made again (it carries the time).
 */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type SwarmAuth =
  | { apiKey: string }
  /** The IAM API: requests signed for execute-api; credentials default to the AWS SDK's chain (env, profile, SSO, IMDS…). */
  | { iam: { region: string; credentials?: AwsCredentials | (() => Promise<AwsCredentials>) } };

export interface RetryOptions {
  /** Attempts after the first; 0 turns retries off. Default 3. */
  retries?: number;
  /** First back-off when the answer has no Retry-After, doubled each time, with full jitter. Default 250 ms. */
  baseDelayMs?: number;
  /** No wait is longer than this, Retry-After included. Default 20 s. */
  maxDelayMs?: number;
}

type Fetch = (request: Request) => Promise<Response>;
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Retry-After as milliseconds from now: delta-seconds or an HTTP date
 * (RFC 9110 §10.2.3, https://www.rfc-editor.org/rfc/rfc9110#field.retry-after); undefined when absent or unreadable.
 */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Whether an answer is worth asking again. 5xx: yes. 409: only with Retry-After, the service's "shortly" (an
 * Idempotency-Key still in flight, the quota ledger busy); a cluster that cannot change now says no Retry-After.
 * 429: yes, unless it is the owner's quota (`quota` in the problem): waiting frees no cluster.
 */
async function retryable(response: Response): Promise<boolean> {
  if (response.status >= 500) return true;
  if (response.status === 409) return response.headers.has('retry-after');
  if (response.status !== 429) return false;
  const problem = await response
    .clone()
    .json()
    .catch(() => undefined);
  return !(problem && typeof problem === 'object' && 'quota' in problem);
}

export function retryingFetch(send: Fetch, options: RetryOptions, sleep: Sleep, random = Math.random): Fetch {
  const retries = options.retries ?? 3;
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 20_000;
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await send(request.clone());
      } catch (error) {
        // A network failure: every route is safe to send again (POSTs carry their Idempotency-Key).
        if (attempt >= retries) throw error;
        await sleep(Math.min(max, random() * base * 2 ** attempt));
        continue;
      }
      if (attempt >= retries || !(await retryable(response))) return response;
      const asked = retryAfterMs(response.headers.get('retry-after'));
      await response.body?.cancel();
      await sleep(Math.min(max, asked ?? random() * base * 2 ** attempt));
    }
  };
}

/** No auth: no credentials at all, for the local open sandbox (`npm start` without LOCAL_API_KEY). */
export function authenticatedFetch(auth: SwarmAuth | undefined, send: Fetch): Fetch {
  if (auth === undefined) return send;
  if ('apiKey' in auth) {
    return (request) => {
      const authorized = new Request(request);
      authorized.headers.set('authorization', `Bearer ${auth.apiKey}`);
      return send(authorized);
    };
  }
  const signer = sigV4Signer(auth.iam);
  return async (request) => send(await signer(request));
}

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData) =>
  typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

/** Node's SHA-256 in the shape @smithy/signature-v4 takes (what @aws-crypto/sha256-js or @smithy/hash-node provide). */
async function nodeSha256() {
  const { createHash, createHmac } = await import('node:crypto');
  return class Sha256 {
    private readonly hash;
    constructor(secret?: SourceData) {
      this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
    }
    update(data: SourceData) {
      this.hash.update(bytes(data));
    }
    async digest() {
      return new Uint8Array(this.hash.digest());
    }
  };
}

function sigV4Signer({ region, credentials }: { region: string; credentials?: AwsCredentials | (() => Promise<AwsCredentials>) }) {
  // Loaded on first use: an API-key caller (a browser, say) never needs the signer, node:crypto or the SDK's credentials.
  let signer: Promise<{ sign: (request: never) => Promise<{ headers: Record<string, string> }> }> | undefined;
  const load = async () => {
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const provider = credentials ?? (await import('@aws-sdk/credential-provider-node')).defaultProvider();
    return new SignatureV4({ service: 'execute-api', region, credentials: provider, sha256: await nodeSha256() }) as never;
  };
  return async (request: Request): Promise<Request> => {
    signer ??= load();
    const url = new URL(request.url);
    const body = request.body ? await request.clone().text() : undefined;
    const headers: Record<string, string> = { host: url.host };
    request.headers.forEach((value, key) => (headers[key] = value));
    const query: Record<string, string | string[]> = {};
    url.searchParams.forEach((value, key) => {
      const seen = query[key];
      query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    });
    const signed = await (await signer).sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers,
      body,
    } as never);
    const out = new Headers();
    for (const [key, value] of Object.entries(signed.headers)) if (key !== 'host') out.set(key, value);
    return new Request(request.url, { method: request.method, headers: out, body, signal: request.signal });
  };
}
