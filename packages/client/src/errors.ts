/** What the client throws. Each error names its class (`name`) so a caller can tell them apart without `instanceof` across copies. */

/** RFC 9457 problem details, as the service answers every error (`errors` names each field at fault). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

/** The service answered an error status (after the client's own retries). */
export class SwarmApiError extends Error {
  override readonly name = 'SwarmApiError';
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    const fields = problem.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
    super(`${status} ${problem.title ?? 'error'}${problem.detail ? `: ${problem.detail}` : ''}${fields ? ` (${fields})` : ''}`);
  }
}

/** `waitFor` reached a status it will not leave (FAILED, say) that is not one it waited for. */
export class ClusterStatusError extends Error {
  override readonly name = 'ClusterStatusError';
  constructor(
    readonly cluster: { id: string; name: string; status: string; statusReason: string },
    readonly wanted: readonly string[],
  ) {
    super(`cluster ${cluster.name} is ${cluster.status}, not ${wanted.join(' or ')}: ${cluster.statusReason}`);
  }
}

/** `waitFor`'s deadline passed before the cluster reached a wanted status. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(
    readonly cluster: { id: string; status: string } | undefined,
    readonly wanted: readonly string[],
    readonly timeoutMs: number,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${wanted.join(' or ')}${cluster ? ` (cluster ${cluster.id} is ${cluster.status})` : ''}`);
  }
}

/** plan() was answered with something other than a dry run: a service from before it, which created the cluster. */
export class DryRunUnsupportedError extends Error {
  override readonly name = 'DryRunUnsupportedError';
  constructor(readonly answer: { id?: string; status?: string }) {
    super(
      answer.id
        ? `this service has no dry run: it created cluster ${answer.id} (${answer.status ?? 'unknown status'}) instead; delete it`
        : 'this service has no dry run: its answer was not a plan',
    );
  }
}
