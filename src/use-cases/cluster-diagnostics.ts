import type { Caller } from '../domain/access';
import type { ClusterStatus } from '../domain/cluster';
import { COLLECTION_LOST_AFTER_MS, newDiagnosticsRequestId, type ClusterDiagnostics, type DiagnosticsJob } from '../domain/diagnostics';
import { ConflictError, NotFoundError } from '../domain/errors';
import { logger } from '../logger';
import { collectDiagnostics, type CollectDiagnosticsDeps } from './collect-diagnostics';
import type { Clock, ClusterReader, DiagnosticsRequests, DiagnosticsStore, NodeCommands } from './ports';
import { getCluster } from './read-clusters';

/** GET /clusters/{id}/diagnostics: the latest collected (or being collected), to the cluster's owner; 404 when none. */
export async function readDiagnostics(
  deps: { store: ClusterReader; diagnostics: Pick<DiagnosticsStore, 'get'> },
  query: { caller: Caller | string; id: string },
): Promise<ClusterDiagnostics> {
  const cluster = await getCluster(deps.store, query.caller, query.id, 'read');
  const diagnostics = await deps.diagnostics.get(cluster.id);
  if (!diagnostics) throw new NotFoundError(`No diagnostics were collected for cluster ${cluster.id}.`);
  return diagnostics;
}

/** Statuses whose nodes are worth reading: running ones, or the failed ones a rollback may still let EC2 show. */
const DIAGNOSABLE: ReadonlySet<ClusterStatus> = new Set(['READY', 'FAILED']);

export interface RequestDiagnosticsDeps {
  store: ClusterReader;
  diagnostics: Pick<DiagnosticsStore, 'requestCollection' | 'failRequest'>;
  requests: DiagnosticsRequests;
  clock: Clock;
  newRequestId?: () => string;
}

/**
 * POST /clusters/{id}/diagnostics. Primary course:
 * 1. The owner's cluster, READY or FAILED.
 * 2. Record the request as `collecting` (one conditional write). A request still collecting is answered as it is:
 *    a second POST meanwhile starts nothing, and gets the same request.
 * 3. Hand the collection to the collector function (one event on the default bus) and answer: the console output
 *    and the Run Command on a manager are the collector's, with its own time, not the request's.
 * Alternative course: the hand-over fails. The request is marked `failed` (so the next POST starts a new one at once)
 * and the error goes to the caller.
 */
export async function requestDiagnostics(deps: RequestDiagnosticsDeps, input: { caller: Caller | string; id: string }): Promise<ClusterDiagnostics> {
  const cluster = await getCluster(deps.store, input.caller, input.id, 'change');
  if (!DIAGNOSABLE.has(cluster.status)) throw new ConflictError(`Cluster ${cluster.id} is ${cluster.status}: diagnostics are collected from READY or FAILED clusters.`);
  const now = deps.clock.now();
  const request = { id: (deps.newRequestId ?? newDiagnosticsRequestId)(), requestedAt: now.toISOString() };
  const recorded = await deps.diagnostics.requestCollection(cluster.id, request, new Date(now.getTime() - COLLECTION_LOST_AFTER_MS).toISOString());
  if (!recorded.started) return recorded.diagnostics;
  try {
    await deps.requests({ clusterId: cluster.id, requestId: request.id });
  } catch (error) {
    await deps.diagnostics.failRequest(cluster.id, request.id, 'the collection could not be handed to the collector');
    throw error;
  }
  return recorded.diagnostics;
}

export type CollectRequestedDeps = CollectDiagnosticsDeps & {
  store: ClusterReader & CollectDiagnosticsDeps['store'];
  diagnostics: CollectDiagnosticsDeps['diagnostics'] & Pick<DiagnosticsStore, 'failRequest'>;
  nodeCommands: NodeCommands;
};

/**
 * The collector (the event a POST put on the bus). Primary course:
 * 1. The request must still be the one collecting: a redelivered event, or one for a request that has since failed
 *    or been replaced, does nothing (EventBridge and Lambda deliver at least once).
 * 2. The cluster, still READY or FAILED.
 * 3. Collect (collect-diagnostics.ts): at most five GetConsoleOutput calls and, on a READY cluster, one Run Command on
 *    a manager waited for at most SWARM_COMMAND_DEADLINE_MS; store them `ready` with the request, link them from the
 *    timeline.
 * Alternative course: the cluster is gone or moved on, or the collection breaks: the request is marked `failed` with
 * why, and the event is not retried (a retry would find the request no longer collecting).
 */
export async function collectRequestedDiagnostics(deps: CollectRequestedDeps, job: DiagnosticsJob): Promise<ClusterDiagnostics | undefined> {
  const current = await deps.diagnostics.get(job.clusterId);
  if (current?.status !== 'collecting' || current.request?.id !== job.requestId) {
    logger.info('diagnostics request no longer collecting; nothing to do', { clusterId: job.clusterId, requestId: job.requestId, status: current?.status });
    return undefined;
  }
  const request = current.request;
  const cluster = await deps.store.get(job.clusterId);
  if (!cluster || !DIAGNOSABLE.has(cluster.status)) {
    await deps.diagnostics.failRequest(job.clusterId, job.requestId, `the cluster is ${cluster?.status ?? 'gone'}: diagnostics are collected from READY or FAILED clusters`);
    return undefined;
  }
  try {
    return await collectDiagnostics(deps, { cluster, trigger: 'requested', request, ...(cluster.status === 'READY' ? { nodeCommands: deps.nodeCommands } : {}) });
  } catch (error) {
    logger.warn('requested diagnostics not collected', { clusterId: cluster.id, requestId: job.requestId, error: error instanceof Error ? error.name : String(error) });
    await deps.diagnostics.failRequest(job.clusterId, job.requestId, `the collection failed (${error instanceof Error ? error.name : 'unknown error'})`);
    return undefined;
  }
}
