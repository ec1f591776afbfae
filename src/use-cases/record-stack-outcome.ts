import { describeNodes, observedAt } from '../domain/nodes';
import { failedSignalInstanceIds, isNodeBootstrapFailure } from '../domain/diagnostics';
import { rootCauseOf } from '../domain/stack';
import { logger } from '../logger';
import { collectDiagnostics } from './collect-diagnostics';
import { loadCluster, transition, type TransitionDeps } from './lifecycle';
import type { ConsoleOutputReader, DiagnosticsStore, InstanceInventory, InstanceWaits, StackReader } from './ports';

export interface RecordStackOutcomeDeps extends TransitionDeps {
  stacks: StackReader;
  instances: InstanceInventory;
}

export interface OutcomeResult {
  event: 'cluster.ready' | 'cluster.failed';
  version: number;
}

/**
 * Primary course (CREATE_COMPLETE):
 * 1. Read the stack outputs and the instances tagged with the cluster id.
 * 2. Map each instance to the cluster, so that from now on EC2's state-change events (which carry only the instance
 *    id) keep the node inventory current (await-instances.ts `onInstanceState`).
 * 3. Mark the cluster READY with outputs and node inventory, each node's state as of the read.
 */
export async function recordStackReady(
  deps: RecordStackOutcomeDeps & { instanceWaits: Pick<InstanceWaits, 'watch'> },
  input: { clusterId: string; stackId: string },
): Promise<OutcomeResult> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  const stack = await deps.stacks.describeStack(cluster.region, input.stackId);
  const readAt = deps.clock.now().toISOString();
  const nodes = observedAt(
    (await deps.instances.instancesOfCluster(cluster.region, cluster.id)).filter((n) => n.state !== 'terminated' && n.state !== 'shutting-down'),
    readAt,
  );
  // Before the transition, so a retry of this step (the transition failed) maps them again; the puts are idempotent.
  await deps.instanceWaits.watch(cluster.id, nodes.map((node) => node.instanceId));
  const updated = await transition(
    deps,
    cluster,
    'READY',
    { statusReason: `stack CREATE_COMPLETE; ${describeNodes(nodes)}`, outputs: stack?.outputs ?? {}, nodes, readyAt: deps.clock.now().toISOString() },
    { type: 'cluster.ready', details: { nodes: nodes.length } },
  );
  return { event: 'cluster.ready', version: updated.version };
}

/**
 * Primary course (CREATE_FAILED, ROLLBACK_*, stack gone, or the poll budget spent):
 * 1. Find the root cause in the stack events: the first resource that failed with its own reason.
 * 2. When nodes did not come up (a group's FAILURE signal or signal timeout), collect the diagnostics of the nodes
 *    concerned (collect-diagnostics.ts) and add the line of their log that says why to the reason.
 * 3. Mark the cluster FAILED with that reason.
 */
export async function recordStackFailure(
  deps: RecordStackOutcomeDeps & { consoleOutput?: ConsoleOutputReader; diagnostics?: DiagnosticsStore },
  input: { clusterId: string; stackId?: string; reason?: string; stackStatus?: string },
): Promise<OutcomeResult> {
  const cluster = await loadCluster(deps.store, input.clusterId);
  let reason = input.reason;
  if (!reason && input.stackId) {
    const events = await deps.stacks.listStackEvents(cluster.region, input.stackId);
    reason = rootCauseOf(events, cluster.stackName);
    if (deps.consoleOutput && deps.diagnostics && isNodeBootstrapFailure(events)) {
      // Best effort: no diagnostics is no reason to leave the cluster CREATING.
      try {
        const diagnostics = await collectDiagnostics(
          { consoleOutput: deps.consoleOutput, diagnostics: deps.diagnostics, instances: deps.instances, store: deps.store, clock: deps.clock },
          { cluster, instanceIds: failedSignalInstanceIds(events), trigger: 'create-failed' },
        );
        if (diagnostics.cause) reason = `${reason}; node log ${diagnostics.cause}`;
      } catch (error) {
        logger.warn('diagnostics not collected', { clusterId: cluster.id, error: error instanceof Error ? error.name : String(error) });
      }
    }
  }
  if (!reason && input.stackStatus) reason = `the stack ended ${input.stackStatus}`;
  const updated = await transition(
    deps,
    cluster,
    'FAILED',
    { statusReason: reason ?? 'the stack failed', failedAt: deps.clock.now().toISOString() },
    { type: 'cluster.failed' },
  );
  return { event: 'cluster.failed', version: updated.version };
}
