/**
 * A lab for the node bootstrap: the real script text from the template, run by bash against a local DynamoDB, with
 * stand-ins on PATH for what an EC2 instance has (instance metadata through `curl`, the AWS CLI, the Docker engine).
 * Each node is a process with its own identity; every run is killed at a deadline.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { ensureTables, startEmbeddedDynamoDB, type EmbeddedDynamoDB } from '../../../sandbox/dynamodb';
import { bootstrapScript, loadTemplate, STACK_VALUES } from './template';

const FIXTURES = join(__dirname, '..', 'fixtures');
const REAL_SLEEP = ['/usr/bin/sleep', '/bin/sleep'].find((path) => existsSync(path)) ?? 'sleep';

export type Role = 'manager' | 'worker';
export interface NodeRun {
  instance: string;
  role: Role;
  command?: 'join' | 'leave' | 'watch' | 'tidy';
  waitSeconds?: number;
  /** The bound on draining before leaving (the template's DrainSeconds). */
  drainSeconds?: number;
  lifecycleState?: string;
  timeoutMs?: number;
}
export interface NodeResult {
  instance: string;
  code: number | null;
  stderr: string;
  timedOut: boolean;
}
export interface Running {
  done: Promise<NodeResult>;
  stop(): void;
}
export interface Call {
  node: string;
  tool: 'aws' | 'docker';
  args: string[];
}

export const ipOf = (instance: string): string => `10.0.${Number(instance.replace(/\D/g, '')) % 250}.10`;

export async function startDynamoDB(): Promise<{ server: EmbeddedDynamoDB; client: DynamoDBClient }> {
  const server = await startEmbeddedDynamoDB();
  // The SDK's standard retries (3 attempts), as in the service: between two reads the lab runs scripts for seconds,
  // dynalite's HTTP server closes the idle keep-alive socket (Node's 5 s keepAliveTimeout), and a read sent on it as it
  // closes fails with ECONNRESET, which the SDK retries. With maxAttempts 1 that made this helper flaky under load.
  const client = new DynamoDBClient({ endpoint: server.endpoint, region: 'us-east-1', maxAttempts: 3 });
  return { server, client };
}

export async function createLab(dynamodb: { server: EmbeddedDynamoDB; client: DynamoDBClient }, name: string) {
  const dir = mkdtempSync(join(tmpdir(), `swarm-lab-${name}-`));
  const bin = join(dir, 'bin');
  const state = join(dir, 'state');
  const table = `swarm-${name}`;
  mkdirSync(bin);
  mkdirSync(state);
  writeStandIns(bin);
  await ensureTables(dynamodb.client, [
    {
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    },
  ]);
  const template = loadTemplate();
  const scriptFor = (role: Role, waitSeconds: number, drainSeconds?: number): string => {
    const path = join(dir, `${role}-${waitSeconds}-${drainSeconds ?? 'default'}.sh`);
    if (!existsSync(path)) {
      const launchTemplate = role === 'manager' ? 'ManagerLaunchTemplate' : 'WorkerLaunchTemplate';
      const overrides: Record<string, string> = { SwarmTable: table, JoinWaitSeconds: String(waitSeconds) };
      if (drainSeconds !== undefined) overrides.DrainSeconds = String(drainSeconds);
      writeFileSync(path, bootstrapScript(template, launchTemplate, overrides));
    }
    return path;
  };
  const start = (node: NodeRun): Running => {
    const env: NodeJS.ProcessEnv = {
      PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: dir,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.server.endpoint,
      FAKE_STATE: state,
      FAKE_INSTANCE_ID: node.instance,
      FAKE_IP: ipOf(node.instance),
      FAKE_AZ: `us-east-1${'abc'[Number(node.instance.replace(/\D/g, '')) % 3]}`,
      FAKE_INSTANCE_TYPE: 't3.small',
      FAKE_LIFECYCLE_STATE: node.lifecycleState ?? 'InService',
    };
    const script = scriptFor(node.role, node.waitSeconds ?? 60, node.drainSeconds);
    return runBounded(node.instance, ['bash', script, node.command ?? 'join'], env, node.timeoutMs ?? 45_000);
  };

  return {
    table,
    state,
    run(node: NodeRun): Promise<NodeResult> {
      return start(node).done;
    },
    /** Starts a node that runs until it ends by itself, its deadline, or stop() (a watcher that never sees termination). */
    start,
    calls(): Call[] {
      const log = join(state, 'calls.log');
      if (!existsSync(log)) return [];
      return readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Call);
    },
    async swarmItem(): Promise<Record<string, AttributeValue> | undefined> {
      const { Item } = await dynamodb.client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'swarm' } }, ConsistentRead: true }));
      return Item;
    },
    async putSwarmItem(item: Record<string, AttributeValue>): Promise<void> {
      await dynamodb.client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'swarm' }, ...item } }));
    },
    /** Seeds the stand-in engine with a node as a manager would see it (for tidy). */
    seedNode(node: {
      instance: string;
      state: string;
      role: Role;
      labels?: Record<string, string>;
      engineLabels?: Record<string, string>;
      /** Tasks running on the node; once drained they stop drainMs later, never when stuck. */
      tasks?: number;
      drainMs?: number;
      stuck?: boolean;
    }): void {
      const record = { id: `node-${node.instance}`, labels: {}, addr: ipOf(node.instance), ...node };
      writeFileSync(join(state, `node-${node.instance}.json`), JSON.stringify(record));
    },
    /** Adds to the record of a node the engine already knows (tasks, how draining goes). */
    patchNode(instance: string, patch: { tasks?: number; drainMs?: number; stuck?: boolean }): void {
      const file = join(state, `node-${instance}.json`);
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...patch }));
    },
    node(instance: string): { state: string; role?: string; availability?: string; labels: Record<string, string> } | undefined {
      const file = join(state, `node-${instance}.json`);
      return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
    },
    close(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Lab = Awaited<ReturnType<typeof createLab>>;

export const STACK_NAME = STACK_VALUES['AWS::StackName'] as string;

function writeStandIns(bin: string): void {
  const node = process.execPath;
  const files: Record<string, string> = {
    aws: `#!/bin/sh\nNODE_NO_WARNINGS=1 exec "${node}" "${join(FIXTURES, 'aws-cli.js')}" "$@"\n`,
    docker: `#!/bin/sh\nexec "${node}" "${join(FIXTURES, 'docker.js')}" "$@"\n`,
    curl: `#!/bin/sh\nexec "${join(FIXTURES, 'imds-curl.sh')}" "$@"\n`,
    // The script's pauses are for real instances; the lab keeps the rhythm but not the wait.
    sleep: `#!/bin/sh\nexec "${REAL_SLEEP}" 0.05\n`,
  };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
}

function runBounded(instance: string, argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Running {
  const [command = 'bash', ...args] = argv;
  const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let timedOut = false;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const done = new Promise<NodeResult>((resolve, reject) => {
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ instance, code, stderr, timedOut });
    });
  });
  return {
    done,
    stop: () => {
      child.kill('SIGKILL');
    },
  };
}
