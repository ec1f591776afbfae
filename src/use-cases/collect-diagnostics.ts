import type { Cluster } from '../domain/cluster';
import { diagnosedCause, MAX_DIAGNOSED_NODES, nodeDiagnostics, redactSecrets, tailOf, type ClusterDiagnostics, type DiagnosticsRequest } from '../domain/diagnostics';
import { logger } from '../logger';
import type { Clock, ClusterTimeline, ConsoleOutputReader, DiagnosticsStore, InstanceInventory, NodeCommands } from './ports';

/** How long the collector waits for `docker info` and `docker node ls` on a manager (inside its 60 s). */
export const SWARM_COMMAND_DEADLINE_MS = 15_000;
const SWARM_COMMANDS = ['docker info', 'docker node ls'];

export interface CollectDiagnosticsDeps {
  consoleOutput: ConsoleOutputReader;
  diagnostics: DiagnosticsStore;
  instances: InstanceInventory;
  store: Pick<ClusterTimeline, 'appendEvent'>;
  clock: Clock;
}

/**
 * Primary course:
 * 1. The nodes concerned: the instances named (those that sent a FAILURE signal), else the cluster's instances by
 *    tag, managers first; at most MAX_DIAGNOSED_NODES, so the calls stay bounded.
 * 2. Read each one's console output (sequentially: at most five calls, and EC2 throttles bursts), redact, cap.
 * 3. Store them as the cluster's latest diagnostics and link them from the timeline (`diagnostics.collected`).
 * A node whose output cannot be read is listed with an empty log: diagnostics never fail the step that asks for them.
 */
export async function collectDiagnostics(
  deps: CollectDiagnosticsDeps,
  input: {
    cluster: Pick<Cluster, 'id' | 'region'> & Partial<Pick<Cluster, 'nodes'>>;
    instanceIds?: string[];
    trigger: NonNullable<ClusterDiagnostics['trigger']>;
    nodeCommands?: NodeCommands;
    /** The POST's request this collection carries out (kept on the item, so GET shows which one is ready). */
    request?: DiagnosticsRequest;
  },
): Promise<ClusterDiagnostics> {
  const { cluster } = input;
  const instanceIds = (
    input.instanceIds && input.instanceIds.length > 0 ? input.instanceIds : (await deps.instances.instancesOfCluster(cluster.region, cluster.id)).map((n) => n.instanceId)
  ).slice(0, MAX_DIAGNOSED_NODES);
  const nodes = [];
  for (const instanceId of instanceIds) {
    let output = '';
    try {
      output = (await deps.consoleOutput.consoleOutput(cluster.region, instanceId)) ?? '';
    } catch (error) {
      logger.warn('console output not read', { clusterId: cluster.id, instanceId, error: error instanceof Error ? error.name : String(error) });
    }
    nodes.push(nodeDiagnostics(instanceId, output));
  }
  const cause = diagnosedCause(nodes);
  const swarm = input.nodeCommands ? await swarmState(input.nodeCommands, cluster) : undefined;
  const collectedAt = deps.clock.now().toISOString();
  const diagnostics: ClusterDiagnostics = {
    clusterId: cluster.id,
    status: 'ready',
    ...(input.request ? { request: input.request } : {}),
    collectedAt,
    trigger: input.trigger,
    nodes,
    ...(cause ? { cause } : {}),
    ...(swarm ? { swarm } : {}),
  };
  await deps.diagnostics.put(diagnostics);
  await deps.store.appendEvent({
    clusterId: cluster.id,
    at: collectedAt,
    type: 'diagnostics.collected',
    message: cause ? `diagnostics collected from ${nodes.length} node(s); ${cause}` : `diagnostics collected from ${nodes.length} node(s)`,
    details: { href: `/clusters/${cluster.id}/diagnostics`, nodes: nodes.length, trigger: input.trigger },
  });
  return diagnostics;
}

/** `docker info` and `docker node ls` on the first running manager, redacted and capped; none without one. */
async function swarmState(commands: NodeCommands, cluster: Pick<Cluster, 'id' | 'region'> & Partial<Pick<Cluster, 'nodes'>>): Promise<ClusterDiagnostics['swarm']> {
  const manager = (cluster.nodes ?? []).find((node) => node.role === 'manager' && node.state === 'running');
  if (!manager) return undefined;
  try {
    const run = await commands.run(cluster.region, manager.instanceId, SWARM_COMMANDS, { deadlineMs: SWARM_COMMAND_DEADLINE_MS });
    const { text, truncated } = tailOf(redactSecrets(run.error ? `${run.output}${run.error}` : run.output));
    return { instanceId: manager.instanceId, status: run.status, output: text, truncated };
  } catch (error) {
    logger.warn('swarm state not read', { clusterId: cluster.id, instanceId: manager.instanceId, error: error instanceof Error ? error.name : String(error) });
    return { instanceId: manager.instanceId, status: 'NotRead', output: '', truncated: false };
  }
}
