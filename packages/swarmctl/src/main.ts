/**
 * swarmctl: the swarm-provisioner API from a terminal or a CI job. Every command is one or two calls of the typed
 * client; `--wait` polls the cluster (GET /clusters/{id}) and draws its progress. Exit codes are in errors.ts.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ClusterStatusError, createSwarmClient, SwarmApiError, WaitTimeoutError, type Cluster, type ClusterRequest, type ClusterStatus, type SwarmClient, type SwarmClientOptions } from '../../client/src';
import { clientConfig } from './config';
import { EXIT, OutcomeError, UsageError } from './errors';
import { clusterDetail, clusterRows, connectScript, deliveryRows, eventLine, nodeRows, planText } from './format';
import { progressBar, progressLines, stageOf, type ProgressView, type TerminalStream } from './progress';

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: TerminalStream;
  stderr: TerminalStream;
  /** Builds the client from the configuration (tests pass one over a fake fetch). */
  client?: (options: SwarmClientOptions) => SwarmClient;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

type Output = 'text' | 'json';

const CLUSTER_ID = /^c-[0-9a-z]{26}$/;

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('not a whole number');
  return Number(value);
}

function collectTag(value: string, tags: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected key=value');
  return { ...tags, [value.slice(0, at)]: value.slice(at + 1) };
}

/** The create's and the plan's parameters, as options; only those given are sent (the service applies its defaults). */
function withClusterOptions(command: Command): Command {
  return command
    .option('--managers <n>', 'managers: 1, 3 or 5 (default 3)', integer)
    .option('--workers <n>', 'workers: 0–1000 (default 5)', integer)
    .option('--instance-type <type>', 'instance type of managers and workers (default t3.small)')
    .option('--manager-instance-type <type>', 'instance type of the managers')
    .option('--worker-instance-type <type>', 'instance type of the workers')
    .option('--manager-disk-size <gb>', 'managers’ disk, 20–1024 GB (default 20)', integer)
    .option('--worker-disk-size <gb>', 'workers’ disk, 20–1024 GB (default 20)', integer)
    .option('--manager-disk-type <type>', 'gp3, gp2 or standard (default gp3)')
    .option('--worker-disk-type <type>', 'gp3, gp2 or standard (default gp3)')
    .option('--key-name <name>', 'an EC2 key pair for SSH')
    .option('--region <region>', 'an AWS region the service allows (default: the service’s)')
    .option('--expires-at <time>', 'delete the cluster at this ISO 8601 time')
    .option('--idle-timeout <duration>', 'idle this long (ISO 8601 duration, e.g. PT8H) → idle action')
    .addOption(new Option('--idle-action <action>', 'what idleness does').choices(['delete', 'hibernate']))
    .option('--webhook <url>', 'send lifecycle webhooks here (the secret is printed once)')
    .option('--webhook-events <list>', 'comma-separated webhook event types (default: all)')
    .option('--tag <key=value>', 'a tag for the stack and its resources (repeatable)', collectTag)
    .option('--system-prune', 'run docker system prune on the nodes daily')
    .option('--auto-repair', 'let the health sweep replace a hung manager through its Auto Scaling group')
    .option('--no-cloudwatch-logs', 'do not send container logs to CloudWatch Logs');
}

function clusterRequest(name: string, o: Record<string, unknown>): ClusterRequest {
  const request: Record<string, unknown> = {
    name,
    managers: o.managers,
    workers: o.workers,
    managerInstanceType: o.managerInstanceType ?? o.instanceType,
    workerInstanceType: o.workerInstanceType ?? o.instanceType,
    managerDiskSizeGb: o.managerDiskSize,
    workerDiskSizeGb: o.workerDiskSize,
    managerDiskType: o.managerDiskType,
    workerDiskType: o.workerDiskType,
    keyName: o.keyName,
    region: o.region,
    expiresAt: o.expiresAt,
    idleTimeout: o.idleTimeout,
    idleAction: o.idleAction,
    tags: o.tag,
    enableSystemPrune: o.systemPrune === true ? true : undefined,
    autoRepair: o.autoRepair === true ? true : undefined,
    enableCloudWatchLogs: o.cloudwatchLogs === false ? false : undefined,
    webhook: typeof o.webhook === 'string' ? { url: o.webhook, ...(typeof o.webhookEvents === 'string' && { events: o.webhookEvents.split(',').map((e) => e.trim()) }) } : undefined,
  };
  // The service validates every field (422 naming it); swarmctl only leaves out what was not given.
  return Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined)) as ClusterRequest;
}

const waitOptions = (command: Command) =>
  command
    .option('--wait', 'wait until the cluster has settled, showing its progress')
    .option('--timeout <seconds>', 'give up waiting after this long (exit 3)', integer, 1800)
    .option('--interval <seconds>', 'seconds between reads while waiting', parseFloat, 2);

export async function run(argv: string[], io: CliIo): Promise<number> {
  const print = (text: string) => io.stdout.write(text);
  const printJson = (value: unknown) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  let client: SwarmClient | undefined;
  const api = (): SwarmClient => {
    const options = { ...clientConfig(io.env), ...(io.sleep && { sleep: io.sleep }), ...(io.now && { now: io.now }) };
    client ??= (io.client ?? createSwarmClient)(options);
    return client;
  };
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  const program = new Command('swarmctl')
    .description('Create, watch, change and delete Docker Swarm clusters through the swarm-provisioner API.\nConfiguration: SWARM_API_URL, and SWARM_API_KEY or AWS credentials (the IAM API). See docs/cli.md.')
    .addOption(new Option('-o, --output <format>', 'text or json').choices(['text', 'json']).default('text'))
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(swarmctl --help for usage)');
  const output = (): Output => program.opts<{ output: Output }>().output;

  /** A cluster id, or the name of one of the caller's clusters (the live one when a name was reused). */
  async function resolve(ref: string): Promise<string> {
    if (CLUSTER_ID.test(ref)) return ref;
    const matches: Cluster[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const listing = await api().listClusters({ limit: 100, ...(cursor && { cursor }) });
      matches.push(...listing.items.filter((c) => c.name === ref));
      cursor = listing.nextCursor;
      if (!cursor) break;
    }
    const live = matches.filter((c) => c.status !== 'DELETED');
    if (live.length > 1) throw new UsageError(`${live.length} clusters are named ${ref}: use an id (${live.map((c) => c.id).join(', ')})`);
    const found = live[0] ?? matches[0];
    if (!found) throw new OutcomeError(`no cluster named ${ref}`);
    return found.id;
  }

  /** Polls until one of `wanted`, drawing progress on stderr; the cluster, or an error the exit code comes from. */
  async function settle(id: string, wanted: ClusterStatus[], options: { timeout: number; interval: number }): Promise<Cluster> {
    const view: ProgressView = io.stderr.isTTY ? progressBar(io.stderr) : progressLines(io.stderr, io.now);
    try {
      return await api().waitFor(id, wanted, { timeoutMs: options.timeout * 1000, intervalMs: options.interval * 1000, onProgress: (c) => view.update(c) });
    } finally {
      view.stop();
    }
  }

  /** The end of a --wait: the cluster on stdout, or why not (exit 1). */
  function report(cluster: Cluster, extra: Record<string, unknown> = {}) {
    if (output() === 'json') printJson({ ...cluster, ...extra });
    else print(`${cluster.name} is ${stageOf(cluster)}\n${cluster.status === 'READY' && cluster.outputs.DefaultDNSTarget ? `DNS target: ${cluster.outputs.DefaultDNSTarget}\n` : ''}`);
  }

  withClusterOptions(waitOptions(program.command('create').argument('<name>', 'the cluster’s name ([a-z][a-z0-9-]{0,39})').description('create a cluster (POST /clusters)')))
    .option('--idempotency-key <key>', 'send this Idempotency-Key (default: a new one; the same on the client’s own retries)')
    .action(async (name: string, o: Record<string, unknown> & { wait?: boolean; timeout: number; interval: number; idempotencyKey?: string }) => {
      const created = await api().createCluster(clusterRequest(name, o), o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {});
      const secret = created.webhookSecret ? { webhookSecret: created.webhookSecret } : {};
      if (created.webhookSecret && output() === 'text') io.stderr.write(`webhook signing secret (shown once): ${created.webhookSecret}\n`);
      if (!o.wait) {
        if (output() === 'json') printJson(created);
        else print(`${created.name} ${created.id} ${created.status}\n`);
        return;
      }
      if (output() === 'text') io.stderr.write(`${created.name} ${created.id} ${created.status}\n`);
      report(await settle(created.id, ['READY'], o), secret);
    });

  withClusterOptions(program.command('plan').argument('<name>', 'the cluster’s name').description('what a create would build and cost, creating nothing (POST /clusters?dryRun=true)')).action(
    async (name: string, o: Record<string, unknown>) => {
      const plan = await api().plan(clusterRequest(name, o));
      if (output() === 'json') printJson(plan);
      else print(planText(plan));
    },
  );

  program
    .command('list')
    .description('your clusters, newest first')
    .addOption(new Option('--status <status>', 'only clusters in this status').choices(['CREATING', 'READY', 'UPDATING', 'HIBERNATED', 'UPDATE_FAILED', 'FAILED', 'DELETING', 'DELETED', 'DELETE_FAILED']))
    .option('--limit <n>', 'at most this many', integer, 100)
    .action(async (o: { status?: ClusterStatus; limit: number }) => {
      const items: Cluster[] = [];
      let cursor: string | undefined;
      do {
        const page = await api().listClusters({ limit: Math.min(100, o.limit - items.length), ...(o.status && { status: o.status }), ...(cursor && { cursor }) });
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && items.length < o.limit);
      if (output() === 'json') printJson({ items });
      else print(items.length ? clusterRows(items) : 'no clusters\n');
    });

  program
    .command('get')
    .argument('<cluster>', 'id or name')
    .description('one cluster: status, progress, outputs')
    .action(async (ref: string) => {
      const cluster = await api().getCluster(await resolve(ref));
      if (output() === 'json') printJson(cluster);
      else print(clusterDetail(cluster));
    });

  program
    .command('nodes')
    .argument('<cluster>', 'id or name')
    .description('the cluster’s instances by role and availability zone')
    .action(async (ref: string) => {
      const nodes = await api().listNodes(await resolve(ref));
      if (output() === 'json') printJson(nodes);
      else print(nodes.items.length ? nodeRows(nodes) : 'no nodes\n');
    });

  program
    .command('connect')
    .argument('<cluster>', 'id or name')
    .description('commands that reach a manager’s Docker API through an SSM port forward (GET /clusters/{id}/connect)')
    .action(async (ref: string) => {
      const instructions = await api().connect(await resolve(ref));
      if (output() === 'json') printJson(instructions);
      else print(connectScript(instructions));
    });

  program
    .command('events')
    .argument('<cluster>', 'id or name')
    .option('-f, --follow', 'keep printing new events until the cluster settles (json: one object per line)')
    .option('--interval <seconds>', 'seconds between reads with --follow', parseFloat, 2)
    .description('the cluster’s timeline, oldest first')
    .action(async (ref: string, o: { follow?: boolean; interval: number }) => {
      const id = await resolve(ref);
      const everything = async () => {
        const items = [];
        let cursor: string | undefined;
        do {
          const page = await api().listEvents(id, { limit: 100, ...(cursor && { cursor }) });
          items.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor);
        return items;
      };
      if (!o.follow) {
        const items = await everything();
        if (output() === 'json') printJson({ items });
        else print(items.map(eventLine).join(''));
        return;
      }
      // The timeline only grows, oldest first: print what is past the count already printed.
      let printed = 0;
      for (;;) {
        const cluster = await api().getCluster(id);
        const items = await everything();
        for (const event of items.slice(printed)) print(output() === 'json' ? `${JSON.stringify(event)}\n` : eventLine(event));
        printed = items.length;
        if (!['CREATING', 'UPDATING', 'DELETING'].includes(cluster.status)) return;
        await sleep(o.interval * 1000);
      }
    });

  waitOptions(program.command('delete').argument('<cluster>', 'id or name').description('delete a cluster and everything in it (DELETE /clusters/{id})')).action(
    async (ref: string, o: { wait?: boolean; timeout: number; interval: number }) => {
      const deleting = await api().deleteCluster(await resolve(ref));
      if (!o.wait) {
        if (output() === 'json') printJson(deleting);
        else print(`${deleting.name} ${deleting.id} ${deleting.status}\n`);
        return;
      }
      report(await settle(deleting.id, ['DELETED'], o));
    },
  );

  /** scale, upgrade, hibernate, wake: one update; with --wait, a rollback is a failure (exit 1) like UPDATE_FAILED. */
  async function update(started: Cluster, o: { wait?: boolean; timeout: number; interval: number }, wanted: ClusterStatus[]) {
    if (!o.wait) {
      if (output() === 'json') printJson(started);
      else print(`${started.name} ${started.id} ${stageOf(started)}\n`);
      return;
    }
    const ended = await settle(started.id, wanted, o);
    report(ended);
    if (started.update && ended.lastUpdate?.id === started.update.id && ended.lastUpdate.outcome !== 'updated') {
      throw new OutcomeError(`${ended.lastUpdate.operation} ${ended.lastUpdate.outcome.replace('_', ' ')}: ${ended.lastUpdate.reason ?? ended.statusReason}`);
    }
  }

  waitOptions(
    program
      .command('scale')
      .argument('<cluster>', 'id or name')
      .description('change the worker (and manager) count (PATCH /clusters/{id})')
      .requiredOption('--workers <n>', 'workers: 0–1000', integer)
      .option('--managers <n>', 'managers: 1 ↔ 3 ↔ 5, one step at a time', integer),
  ).action(async (ref: string, o: { workers: number; managers?: number; wait?: boolean; timeout: number; interval: number }) => {
    const started = await api().updateCluster(await resolve(ref), { workers: o.workers, ...(o.managers !== undefined && { managers: o.managers }) });
    await update(started, o, ['READY']);
  });

  for (const [name, description, wanted] of [
    ['upgrade', 'replace every node with the newest AMI and the pinned Docker version', ['READY', 'HIBERNATED']],
    ['hibernate', 'scale the workers to 0, keeping the managers and the swarm', ['HIBERNATED']],
    ['wake', 'restore the workers a hibernate removed', ['READY']],
  ] as const) {
    waitOptions(program.command(name).argument('<cluster>', 'id or name').description(description)).action(async (ref: string, o: { wait?: boolean; timeout: number; interval: number }) => {
      const id = await resolve(ref);
      const started = name === 'upgrade' ? await api().upgrade(id) : name === 'hibernate' ? await api().hibernate(id) : await api().wake(id);
      await update(started, o, [...wanted]);
    });
  }

  program
    .command('deliveries')
    .argument('<cluster>', 'id or name')
    .description('the webhook delivery log: each event, its status and attempts')
    .action(async (ref: string) => {
      const page = await api().listDeliveries(await resolve(ref));
      if (output() === 'json') printJson(page);
      else print(page.items.length ? deliveryRows(page) : 'no deliveries\n');
    });

  program
    .command('redeliver')
    .argument('<cluster>', 'id or name')
    .argument('<delivery>', 'the delivery’s id (swarmctl deliveries)')
    .description('send a webhook delivery again (same body and webhook-id)')
    .action(async (ref: string, deliveryId: string) => {
      const delivery = await api().redeliver(await resolve(ref), deliveryId);
      if (output() === 'json') printJson(delivery);
      else print(`${delivery.id} ${delivery.event} ${delivery.status}: ${delivery.statusReason}\n`);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return failure(error, io, output());
  }
}

/** Every failure's message goes to stderr; with --output json the problem or cluster also goes to stdout. */
function failure(error: unknown, io: CliIo, output: Output): number {
  const fail = (code: number, message: string, json?: unknown) => {
    io.stderr.write(`swarmctl: ${message}\n`);
    if (output === 'json' && json !== undefined) io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return code;
  };
  if (error instanceof CommanderError) {
    // Commander has already written the help or the usage error.
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof UsageError) return fail(EXIT.usage, error.message);
  if (error instanceof ClusterStatusError) return fail(EXIT.failed, `${error.cluster.name} is ${error.cluster.status}: ${error.cluster.statusReason}`, error.cluster);
  if (error instanceof WaitTimeoutError) return fail(EXIT.timeout, `${error.message}; it carries on (swarmctl get ${error.cluster?.id ?? ''})`, error.cluster);
  if (error instanceof SwarmApiError) return fail(EXIT.failed, error.message, { status: error.status, ...error.problem });
  if (error instanceof OutcomeError) return fail(EXIT.failed, error.message);
  // fetch's own failure says only "fetch failed"; its cause says why (ECONNREFUSED, ENOTFOUND…).
  const cause = error instanceof Error && error.cause instanceof Error ? ((error.cause as Error & { code?: string }).code ?? error.cause.message) : undefined;
  if (cause !== undefined) return fail(EXIT.failed, `cannot reach ${io.env.SWARM_API_URL ?? 'the API'}: ${cause}`);
  return fail(EXIT.failed, error instanceof Error ? error.message : String(error));
}

export function main(): void {
  void run(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr }).then((code) => {
    process.exitCode = code;
  });
}
