/**
 * Failure diagnostics from a cluster's nodes: the tail of each node's console output (cloud-init and the bootstrap
 * script), with secrets redacted, size-capped, and the line that says why the node did not come up. Pure functions.
 */
import { ulid } from 'ulid';
import type { StackEventView } from './stack';

/** At most this many nodes are read per collection: the failed ones first; every read is one GetConsoleOutput call. */
export const MAX_DIAGNOSED_NODES = 5;
/**
 * The tail kept of each node's console output, in characters (EC2 returns at most the last 64 KB). Five nodes of
 * 16 Ki characters stay far inside DynamoDB's 400 KB item limit, with the rest of the item.
 */
export const CONSOLE_TAIL_CHARS = 16 * 1024;

export interface NodeDiagnostics {
  instanceId: string;
  /** The redacted tail of the console output; empty when EC2 had none yet. */
  consoleOutput: string;
  /** Whether the output was longer than the tail kept. */
  truncated: boolean;
  /** The line of the log that says why the node failed, if one does. */
  cause?: string;
}

/**
 * `collecting`: a POST's collection is under way (the item shows the previous collection, if any, meanwhile);
 * `ready`: the nodes below are the latest collected; `failed`: the requested collection could not be made (`request.error`).
 */
export type DiagnosticsStatus = 'collecting' | 'ready' | 'failed';

/** The latest on-request collection: recorded by the POST, carried out by the collector function. */
export interface DiagnosticsRequest {
  id: string;
  requestedAt: string;
  /** Why it failed, when `status` is `failed`. */
  error?: string;
}

export interface ClusterDiagnostics {
  clusterId: string;
  status: DiagnosticsStatus;
  request?: DiagnosticsRequest;
  /** Absent until a first collection has been made (a first POST still collecting). */
  collectedAt?: string;
  /**
   * `create-failed` / `update-failed`: collected when a create or an update failed because nodes did not come up;
   * `requested`: on a POST.
   */
  trigger?: 'create-failed' | 'update-failed' | 'requested';
  nodes: NodeDiagnostics[];
  /** The first node's cause, `<instance id>: <line>`, when a log shows one. */
  cause?: string;
  /** `docker info` and `docker node ls` on a running manager (SSM Run Command; a POST on a READY cluster only). */
  swarm?: { instanceId: string; status: string; output: string; truncated: boolean };
}

/**
 * The EventBridge detail-type of the event a POST puts on the default bus for the collector function (the rule in
 * serverless.yml); its detail is a DiagnosticsJob. The source is the deployment's DIAGNOSTICS_EVENT_SOURCE.
 */
export const DIAGNOSTICS_REQUESTED = 'Cluster Diagnostics Requested';

/** A new request's id: `dr-` and a ULID, so ids sort by when they were asked for. */
export function newDiagnosticsRequestId(): string {
  return `dr-${ulid().toLowerCase()}`;
}

export interface DiagnosticsJob {
  clusterId: string;
  requestId: string;
}

/**
 * A request still `collecting` after this long is taken as lost (its collector never ran, or died past its own
 * timeout): the next POST starts a new one instead of answering with it. Well above the collector's 60 s timeout
 * plus EventBridge's and Lambda's retries of an asynchronous invocation (two, minutes apart).
 */
export const COLLECTION_LOST_AFTER_MS = 15 * 60 * 1000;

const REDACTED = '[REDACTED]';

/**
 * What is never stored: swarm join tokens, AWS access key ids (long-term `AKIA`, temporary `ASIA`), secret access keys
 * given as assignments, and anything after `password=`, `token=`, `secret=` (up to the next blank or quote).
 */
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  [/SWMTKN-1-[A-Za-z0-9-]+/g, REDACTED],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED],
  [/\b(aws_secret_access_key|AWS_SECRET_ACCESS_KEY|aws_session_token|AWS_SESSION_TOKEN)(\s*[=:]\s*)\S+/g, (_m, key, sep) => `${key}${sep}${REDACTED}`],
  [/\b(password|passwd|token|secret)(\s*=\s*|:\s+)("?)[^\s"'&]+/gi, (_m, key, sep, quote) => `${key}${sep}${quote}${REDACTED}`],
];

export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement as string), text);
}

/** The last `max` characters, cut at a line start so the first line kept is whole. */
export function tailOf(text: string, max = CONSOLE_TAIL_CHARS): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  const cut = text.slice(-max);
  const newline = cut.indexOf('\n');
  return { text: newline >= 0 && newline < cut.length - 1 ? cut.slice(newline + 1) : cut, truncated: true };
}

/** Lines that say a node's bootstrap failed, most specific first. */
const CAUSE_PATTERNS = [
  /Error response from daemon: .+/,
  /docker swarm (?:join|init).*(?:failed|error).*/i,
  /cfn-signal.*--success false.*|cfn-signal.*-s false.*/,
  /(?:^|\s)(?:ERROR|FATAL|error):? .+/,
];

/** The line of a (redacted) console log that says why the node did not come up, trimmed to 300 characters. */
export function bootstrapFailureCause(log: string): string | undefined {
  const lines = log.split(/\r?\n/);
  for (const pattern of CAUSE_PATTERNS) {
    const line = lines.find((l) => pattern.test(l));
    if (line) return line.replace(/^\[\s*[\d.]+\]\s*/, '').trim().slice(0, 300);
  }
  return undefined;
}

/**
 * Whether a failed create's (or update's) root cause is nodes that did not come up: an Auto Scaling group that got a FAILURE
 * signal, or not enough SUCCESS signals before its creation policy's timeout.
 */
export function isNodeBootstrapFailure(events: StackEventView[]): boolean {
  return events.some(
    (e) => e.resourceType === 'AWS::AutoScaling::AutoScalingGroup' && /signal/i.test(e.resourceStatusReason ?? '') && /FAILURE|SUCCESS signals out of/i.test(e.resourceStatusReason ?? ''),
  );
}

/** The instances that sent a FAILURE signal ("Received FAILURE signal with UniqueId i-…"), in the order they did. */
export function failedSignalInstanceIds(events: StackEventView[]): string[] {
  const ids = [...events]
    .sort((a, b) => a.timestamp.localeCompare(b.timestamp))
    .flatMap((e) => /Received FAILURE signal with UniqueId (i-[0-9a-f]+)/.exec(e.resourceStatusReason ?? '')?.[1] ?? []);
  return [...new Set(ids)];
}

/** One node's diagnostics from its raw console output. */
export function nodeDiagnostics(instanceId: string, rawOutput: string): NodeDiagnostics {
  const { text, truncated } = tailOf(redactSecrets(rawOutput));
  const cause = bootstrapFailureCause(text);
  return { instanceId, consoleOutput: text, truncated, ...(cause ? { cause } : {}) };
}

/** The cause of the collection as a whole: the first node whose log shows one. */
export function diagnosedCause(nodes: NodeDiagnostics[]): string | undefined {
  const node = nodes.find((n) => n.cause);
  return node ? `${node.instanceId}: ${node.cause}` : undefined;
}
