import type { Caller } from '../domain/access';
import type { ClusterStatus } from '../domain/cluster';
import type { ClusterDiagnostics } from '../domain/diagnostics';
import { ConflictError, NotFoundError } from '../domain/errors';
import { collectDiagnostics, type CollectDiagnosticsDeps } from './collect-diagnostics';
import type { ClusterReader, DiagnosticsStore, NodeCommands } from './ports';
import { getCluster } from './read-clusters';

/** GET /clusters/{id}/diagnostics: the latest collected, to the cluster's owner; 404 when none was collected. */
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

/**
 * POST /clusters/{id}/diagnostics. Primary course:
 * 1. The owner's cluster, READY or FAILED.
 * 2. Collect now, within the request (collect-diagnostics.ts): at most five GetConsoleOutput calls and, on a READY
 *    cluster, one Run Command on a manager waited for at most SWARM_COMMAND_DEADLINE_MS: inside the API's 29 s, so no
 *    workflow is worth starting for it.
 */
export async function requestDiagnostics(
  deps: CollectDiagnosticsDeps & { store: ClusterReader & CollectDiagnosticsDeps['store']; nodeCommands: NodeCommands },
  input: { caller: Caller | string; id: string },
): Promise<ClusterDiagnostics> {
  const cluster = await getCluster(deps.store, input.caller, input.id, 'change');
  if (!DIAGNOSABLE.has(cluster.status)) throw new ConflictError(`Cluster ${cluster.id} is ${cluster.status}: diagnostics are collected from READY or FAILED clusters.`);
  return collectDiagnostics(deps, { cluster, trigger: 'requested', ...(cluster.status === 'READY' ? { nodeCommands: deps.nodeCommands } : {}) });
}
