/**
 * The slash command's language and what it answers, in plain words: `create NAME [key=value ...]`, `plan NAME
 * [key=value ...]` (what a create would make and cost, nothing created), `status NAME`, `connect NAME`,
 * `list`, `delete NAME`, `scale NAME workers=N [managers=M]`, `upgrade NAME`, `hibernate NAME`, `wake NAME`, `help`. Pure: parsing text, building a cluster request, wording messages. No Slack I/O here.
 */
import type { z } from 'zod';
import type { Cluster } from './cluster';
import { connectInstructions, connectScript } from './connect';
import type { ProblemError } from './errors';
import { clusterRequestSchema, type ClusterRequest } from './parameters';
import type { ClusterPlan } from './plan';
import { counted, nodeCounts, plural } from './words';

export type ChatCommand =
  | { verb: 'create' | 'plan'; name: string; options: Record<string, string> }
  | { verb: 'status'; name: string }
  | { verb: 'connect'; name: string }
  | { verb: 'delete'; name: string }
  | { verb: 'scale'; name: string; workers?: number; managers?: number }
  | { verb: 'upgrade' | 'hibernate' | 'wake'; name: string }
  | { verb: 'list' }
  | { verb: 'help' };

/**
 * The `detail-type` of the EventBridge event that hands a received command to the worker; its `source` is the
 * deployment's own (SLACK_COMMAND_SOURCE) and its `detail` the command to run (ChatCommandJob).
 */
export const CHAT_COMMAND_RECEIVED = 'Chat Command Received';

export type ParsedChatCommand = { ok: true; command: ChatCommand } | { ok: false; message: string };

/** A message for Slack: `ephemeral` is seen by the person who typed the command, `in_channel` by everyone there. */
export interface ChatMessage {
  response_type: 'ephemeral' | 'in_channel';
  text: string;
  replace_original?: boolean;
}

export const HELP_TEXT = [
  'Docker Swarm clusters on AWS, from this channel:',
  '• `create NAME [managers=3] [workers=5] [key=value ...]` — e.g. `create demo workers=2 workerInstanceType=t3.medium tag:team=web`',
  '• `plan NAME [key=value ...]` — what `create` with the same options would make and cost per hour and month; nothing is created',
  '• `status NAME` — where a cluster is, and its manager address once it is ready',
  '• `connect NAME` — the commands that reach its Docker API through an SSM port forward (no key pair, no open port)',
  '• `list` — your clusters',
  '• `delete NAME` — delete a cluster',
  '• `scale NAME workers=N [managers=M]` — change the node counts (workers 0–1000, managers 1 ↔ 3 ↔ 5 one step at a time)',
  '• `upgrade NAME` — every node onto the newest AMI and Docker version, one at a time, drained first',
  '• `hibernate NAME` — scale the workers to 0, keep the managers and the swarm; `wake NAME` brings the workers back',
  '• `help` — this text',
  'Options for create: managers (1, 3, 5), workers (0–1000), managerInstanceType, workerInstanceType, managerDiskSizeGb, workerDiskSizeGb, managerDiskType, workerDiskType, keyName, enableSystemPrune, enableCloudWatchLogs, region, expiresAt, idleTimeout, tag:KEY=VALUE.',
].join('\n');

const NUMBER_OPTIONS = ['managers', 'workers', 'managerDiskSizeGb', 'workerDiskSizeGb'];
const BOOLEAN_OPTIONS = ['enableSystemPrune', 'enableCloudWatchLogs'];
// No webhook option: its signing secret is shown once, and a chat channel is no place to show a secret.
const TEXT_OPTIONS = ['managerInstanceType', 'workerInstanceType', 'managerDiskType', 'workerDiskType', 'keyName', 'region', 'expiresAt', 'idleTimeout'];
const KNOWN_OPTIONS = new Map([...NUMBER_OPTIONS, ...BOOLEAN_OPTIONS, ...TEXT_OPTIONS].map((name) => [name.toLowerCase(), name]));
const TAG_PREFIX = 'tag:';

// Slack sends the text after the command; people type quotes and curly quotes, and nothing here needs either.
const words = (text: string) => text.replace(/[“”‘’"']/g, '').trim().split(/\s+/).filter(Boolean);

export function parseChatCommand(text: string): ParsedChatCommand {
  const [verb, ...rest] = words(text);
  switch ((verb ?? 'help').toLowerCase()) {
    case 'help':
      return { ok: true, command: { verb: 'help' } };
    case 'list':
      return rest.length === 0 ? { ok: true, command: { verb: 'list' } } : { ok: false, message: '`list` takes nothing after it.' };
    case 'scale':
      return parseScale(rest);
    case 'status':
    case 'connect':
    case 'delete':
    case 'upgrade':
    case 'hibernate':
    case 'wake': {
      const which = verb!.toLowerCase() as 'status' | 'connect' | 'delete' | 'upgrade' | 'hibernate' | 'wake';
      if (rest.length !== 1) return { ok: false, message: `Say which cluster: \`${which} NAME\`.` };
      return { ok: true, command: { verb: which, name: rest[0]! } };
    }
    case 'create':
    case 'plan': {
      const which = verb!.toLowerCase() as 'create' | 'plan';
      const [name, ...pairs] = rest;
      if (!name || name.includes('=')) return { ok: false, message: `Give the new cluster a name: \`${which} NAME [key=value ...]\`.` };
      const options: Record<string, string> = {};
      for (const pair of pairs) {
        const at = pair.indexOf('=');
        if (at <= 0) return { ok: false, message: `\`${pair}\` is not an option; write options as key=value, e.g. workers=2.` };
        const key = pair.slice(0, at);
        if (key in options) return { ok: false, message: `\`${key}\` is given twice.` };
        options[key] = pair.slice(at + 1);
      }
      return { ok: true, command: { verb: which, name, options } };
    }
    default:
      return { ok: false, message: `I don't know \`${verb}\`. Try \`help\`.` };
  }
}

const SCALE_USAGE = '`scale NAME workers=N [managers=M]`';

/** `scale NAME workers=N [managers=M]`: whole numbers only; the rules (range, quorum) are the API's, checked later. */
function parseScale(rest: string[]): ParsedChatCommand {
  const [name, ...pairs] = rest;
  if (!name || name.includes('=')) return { ok: false, message: `Say which cluster and to what: ${SCALE_USAGE}.` };
  const counts: { workers?: number; managers?: number } = {};
  for (const pair of pairs) {
    const match = /^(workers|managers)=(\d{1,4})$/i.exec(pair);
    if (!match) return { ok: false, message: `\`${pair}\` is not a count I understand; write ${SCALE_USAGE}, e.g. \`scale ${name} workers=2\`.` };
    const key = match[1]!.toLowerCase() as 'workers' | 'managers';
    if (counts[key] !== undefined) return { ok: false, message: `\`${key}\` is given twice.` };
    counts[key] = Number(match[2]);
  }
  if (counts.workers === undefined && counts.managers === undefined) return { ok: false, message: `Say the new count: ${SCALE_USAGE}.` };
  return { ok: true, command: { verb: 'scale', name, ...counts } };
}

export type ChatRequestBuild = { ok: true; request: ClusterRequest } | { ok: false; problems: string[] };

/** Turns `create` options into a cluster request, validated by the same schema as the HTTP API's. */
export function chatClusterRequest(name: string, options: Record<string, string>): ChatRequestBuild {
  const problems: string[] = [];
  const body: Record<string, unknown> = { name };
  const tags: Record<string, string> = {};
  for (const [rawKey, value] of Object.entries(options)) {
    if (rawKey.toLowerCase().startsWith(TAG_PREFIX)) {
      tags[rawKey.slice(TAG_PREFIX.length)] = value;
      continue;
    }
    const key = KNOWN_OPTIONS.get(rawKey.toLowerCase());
    if (!key) {
      problems.push(`\`${rawKey}\` is not an option I know (try \`help\`).`);
    } else if (NUMBER_OPTIONS.includes(key)) {
      body[key] = /^-?\d+$/.test(value) ? Number(value) : value;
    } else if (BOOLEAN_OPTIONS.includes(key)) {
      body[key] = value === 'true' || value === 'yes' ? true : value === 'false' || value === 'no' ? false : value;
    } else {
      body[key] = value;
    }
  }
  if (Object.keys(tags).length > 0) body.tags = tags;
  if (problems.length > 0) return { ok: false, problems };
  const parsed = clusterRequestSchema.safeParse(body);
  if (!parsed.success) return { ok: false, problems: plainIssues(parsed.error) };
  return { ok: true, request: parsed.data };
}

function plainIssues(error: { issues: readonly z.core.$ZodIssue[] }): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || 'the request';
    if (issue.code === 'invalid_type' && issue.expected === 'number') return `${field} must be a whole number.`;
    if (issue.code === 'invalid_type' && issue.expected === 'boolean') return `${field} must be true or false.`;
    return `${field} ${issue.message.replace(/^Invalid input: /, '')}.`.replace(/\.\.$/, '.');
  });
}

/** A refusal of the service, worded for a person in a channel. */
export function problemText(error: ProblemError): string {
  const fields = error.errors.map((e) => `• ${e.field}: ${e.message}`);
  return [error.message, ...fields].join('\n');
}

export function createdText(cluster: Cluster, userId: string): string {
  return `<@${userId}> asked for *${cluster.name}* (${cluster.id}): ${nodeCounts(cluster.parameters)} in ${cluster.region}. Creating it now; I will post here when it is ready.`;
}

const dollars = (amount: number, digits = 2) => `$${amount.toFixed(digits)}`;

/** A dry run, for the person who asked: what would be made, what it would cost, how much of the quota it takes. */
export function planText(plan: ClusterPlan): string {
  const { cluster, quota, estimate } = plan;
  const { managers, workers, managerInstanceType, workerInstanceType } = cluster.parameters;
  const declared = plan.resources.filter((r) => !r.launchedBy).reduce((sum, r) => sum + r.count, 0);
  const after = `${quota.inUse.activeClusters + 1} of ${quota.limits.maxActiveClusters} clusters and ${quota.inUse.instances + quota.requested.instances} of ${quota.limits.maxInstances} instances`;
  const head = `Plan for *${cluster.name}* in ${cluster.region} (nothing was created): ${managers} × ${managerInstanceType} ${plural(managers, 'manager')} and ${workers} × ${workerInstanceType} ${plural(workers, 'worker')}, ${declared} stack resources. Your quota after it: ${after}.`;
  if (!estimate) return `${head}\n${plan.estimateUnavailable ?? 'No cost estimate.'}`;
  return [
    head,
    `Estimated cost, on demand: ${dollars(estimate.hourly, 4)} an hour, about ${dollars(estimate.monthly)} a month (${estimate.hoursPerMonth} h):`,
    ...estimate.lines.map((line) => `• ${line.item}: ${dollars(line.monthly)}/month`),
    `Not counted: ${estimate.notCounted.join('; ')}.`,
    `Prices: ${estimate.source} (${estimate.priceDate}).`,
  ].join('\n');
}

export function statusText(cluster: Cluster): string {
  const address = cluster.outputs.DefaultDNSTarget ? ` Swarm endpoint: ${cluster.outputs.DefaultDNSTarget}.` : '';
  return `*${cluster.name}* (${cluster.id}) is ${cluster.status}: ${cluster.statusReason}.${address}`;
}

/**
 * `connect NAME`: the same commands as GET /clusters/{id}/connect and `swarmctl connect`, in a code block so Slack
 * keeps the quotes straight. Throws the route's ConflictError (409) when no manager runs; the caller words it.
 */
export function connectText(cluster: Cluster): string {
  const script = connectScript(connectInstructions(cluster));
  return `To reach *${cluster.name}* (${cluster.id}), with the AWS CLI and its Session Manager plugin:\n\`\`\`\n${script}\n\`\`\``;
}

export function listText(clusters: Cluster[]): string {
  if (clusters.length === 0) return 'You have no clusters. Create one with `create NAME`.';
  return ['Your clusters, newest first:', ...clusters.map((c) => `• *${c.name}* (${c.id}) — ${c.status}, ${c.parameters.managers}+${c.parameters.workers} nodes in ${c.region}`)].join('\n');
}

/** How a cluster ended, for the person who asked (only for the statuses that end something). */
export function followUpText(cluster: Cluster): string | undefined {
  switch (cluster.status) {
    case 'READY': {
      const endpoint = cluster.outputs.DefaultDNSTarget ? ` Swarm endpoint: ${cluster.outputs.DefaultDNSTarget}.` : '';
      // After an update: the outcome of the update, which the person who asked for it is waiting for.
      if (cluster.lastUpdate?.outcome === 'rolled_back') return `*${cluster.name}* (${cluster.id}) was not changed: the ${cluster.lastUpdate.operation} was rolled back (${cluster.lastUpdate.reason ?? cluster.statusReason}). It is ready as before.`;
      if (cluster.lastUpdate) return `*${cluster.name}* (${cluster.id}) is ready after the ${cluster.lastUpdate.operation}: ${nodeCounts(cluster.parameters)}.${endpoint}`;
      return `*${cluster.name}* (${cluster.id}) is ready: ${cluster.statusReason}.${endpoint}`;
    }
    case 'FAILED':
      return `*${cluster.name}* (${cluster.id}) could not be created: ${cluster.statusReason}.`;
    case 'DELETED':
      return `*${cluster.name}* (${cluster.id}) is deleted; every instance is gone.`;
    case 'DELETE_FAILED':
      return `*${cluster.name}* (${cluster.id}) could not be deleted: ${cluster.statusReason}.`;
    case 'HIBERNATED':
      return `*${cluster.name}* (${cluster.id}) is hibernating: ${counted(cluster.parameters.managers, 'manager')} kept, no workers. \`wake ${cluster.name}\` brings back ${cluster.hibernatedWorkers === undefined ? 'its workers' : counted(cluster.hibernatedWorkers, 'worker')}.`;
    case 'UPDATE_FAILED':
      return `*${cluster.name}* (${cluster.id}) could not be changed, and the rollback failed too: ${cluster.statusReason}.`;
    default:
      return undefined;
  }
}

/** The command as one short line, for "On it: ..." (names only: nothing the user typed is echoed verbatim). */
/** The answer to a change that started (scale, upgrade, hibernate, wake): who asked, what, and that a follow-up comes. */
export function updateStartedText(cluster: Cluster, userId: string): string {
  const update = cluster.update;
  const what =
    update?.operation === 'hibernate'
      ? `hibernating *${cluster.name}* (${cluster.id}): its workers go from ${update.previous.workers} to 0, the managers stay`
      : update?.operation === 'wake'
        ? `waking *${cluster.name}* (${cluster.id}): back to ${counted(update.target.workers, 'worker')}`
        : update?.operation === 'upgrade'
          ? `upgrading *${cluster.name}* (${cluster.id}): every node is replaced, one at a time, drained first`
          : `scaling *${cluster.name}* (${cluster.id}) to ${update ? nodeCounts(update.target) : 'its new size'}`;
  return `<@${userId}> is ${what}. I will post here when it is done.`;
}

export function commandSummary(command: ChatCommand): string {
  return 'name' in command ? `${command.verb} ${command.name}` : command.verb;
}
