/** Plain-text renderings for people; `--output json` prints the API's own JSON instead. */
import type { Cluster, ClusterPlan, ConnectInstructions, DeliveryPage, EventPage, NodeList } from '../../client/src';

export function table(header: string[], rows: (string | number | undefined)[][]): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (cell === undefined ? '-' : String(cell))))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  return cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

export const clusterRows = (clusters: Cluster[]) =>
  table(
    ['NAME', 'ID', 'STATUS', 'MANAGERS', 'WORKERS', 'REGION', 'REQUESTED'],
    clusters.map((c) => [c.name, c.id, c.status, c.parameters.managers as number, c.parameters.workers as number, c.region, c.requestedAt]),
  );

export function clusterDetail(cluster: Cluster): string {
  const lines = [
    `name:      ${cluster.name}`,
    `id:        ${cluster.id}`,
    `status:    ${cluster.status}`,
    `reason:    ${cluster.statusReason}`,
    `region:    ${cluster.region}`,
    `managers:  ${String(cluster.parameters.managers)} × ${String(cluster.parameters.managerInstanceType)}`,
    `workers:   ${String(cluster.parameters.workers)} × ${String(cluster.parameters.workerInstanceType)}`,
  ];
  if (cluster.progress) lines.push(`progress:  ${cluster.progress.resourcesDone}/${cluster.progress.resourcesTotal} resources${cluster.progress.inProgress.length ? ` (working on ${cluster.progress.inProgress.join(', ')})` : ''}`);
  if (cluster.lastUpdate) lines.push(`last update: ${cluster.lastUpdate.operation} ${cluster.lastUpdate.outcome}${cluster.lastUpdate.reason ? `: ${cluster.lastUpdate.reason}` : ''}`);
  if (cluster.autoDeleteAt) lines.push(`auto-delete: ${cluster.autoDeleteAt}`);
  for (const [key, value] of Object.entries(cluster.outputs)) lines.push(`output ${key}: ${value}`);
  lines.push(`nodes:     ${cluster.nodes.length}`);
  return lines.join('\n') + '\n';
}

export const nodeRows = (nodes: NodeList) =>
  table(
    ['ROLE', 'AZ', 'STATE', 'INSTANCE', 'TYPE', 'PRIVATE IP', 'PUBLIC IP'],
    nodes.items.map((n) => [n.role, n.availabilityZone, n.state, n.instanceId, n.instanceType, n.privateIp, n.publicIp]),
  );

/** The API's commands one a line, as the server's connectScript (src/domain/connect.ts) lays them out for Slack. */
export function connectScript(instructions: ConnectInstructions): string {
  const { commands } = instructions;
  return [
    `# 1. Forward 127.0.0.1:${instructions.localPort} to manager ${instructions.instanceId} (${instructions.region}); leave it running:`,
    commands.portForward,
    '# 2. In another terminal, a docker context for the swarm:',
    commands.dockerContext,
    commands.nodeList,
    '# Or, for this shell only:',
    `${commands.dockerHost} && docker node ls`,
  ].join('\n') + '\n';
}

export const eventLine = (event: EventPage['items'][number]) => `${event.at}  ${event.type.padEnd(22)}  ${event.message}\n`;

export const deliveryRows = (page: DeliveryPage) =>
  table(
    ['ID', 'EVENT', 'STATUS', 'ROUND', 'ATTEMPTS', 'REASON'],
    page.items.map((d) => [d.id, d.event, d.status, d.round, d.attempts.length, d.statusReason]),
  );

const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;

export function planText(plan: ClusterPlan): string {
  const resources = table(
    ['RESOURCE', 'COUNT'],
    plan.resources.map((r) => [r.type, r.count]),
  );
  const name = typeof plan.cluster.name === 'string' ? plan.cluster.name : 'the cluster';
  const estimate = plan.estimate;
  // A region the price table does not cover: the plan says why there is no estimate.
  if (!estimate) return `Plan for ${name} (nothing was created):\n\n${resources}\nNo estimate: ${plan.estimateUnavailable ?? 'the service gave none'}.\n`;
  const costs = table(
    ['ITEM', 'HOURLY', 'MONTHLY'],
    [...estimate.lines.map((l) => [l.item, usd(l.hourly), usd(l.monthly)]), ['total', usd(estimate.hourly), usd(estimate.monthly)]],
  );
  return (
    `Plan for ${name} (nothing was created):\n\n${resources}\n${costs}\n` +
    `Prices in ${estimate.currency}, on demand, from ${estimate.source} (${estimate.priceDate}).\n`
  );
}
