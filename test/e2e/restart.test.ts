/**
 * `npm start` stopped and started again on the same data folder, as a person would do it: the real entry point
 * (sandbox/main.ts) in a child process, killed mid-create (SIGKILL: a crash, nothing flushed on the way out) and
 * stopped mid-delete (SIGTERM: Ctrl-C). After each restart the cluster must reach its end with no user action: the
 * simulated cloud resumes its stacks and instances from the folder, and the reconciler restarts the workflow whose
 * execution died with the process. Also: a second process on a folder in use fails with one clear line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, sandboxEnv, sandboxUrl } from '../support/sandbox-process';
import { eventually } from '../support/webhook-receiver';

const dataDir = mkdtempSync(join(tmpdir(), 'swarm-restart-'));

interface Sandbox {
  child: ChildProcess;
  url: string;
  output: () => string;
}

function childEnv(): NodeJS.ProcessEnv {
  return sandboxEnv({
    PORT: '0',
    LOCAL_DATA_DIR: dataDir,
    // A default cluster (3 managers, 5 workers) takes about 10 s to create: time to stop it halfway.
    SIM_TIME_SCALE: '2',
    REAPER_INTERVAL_SECONDS: '0',
    RECONCILER_INTERVAL_SECONDS: '2',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
}

function run(): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts'], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

async function start(): Promise<Sandbox> {
  const { child, output } = run();
  const url = await sandboxUrl(output, () => child.exitCode !== null);
  return { child, url, output };
}

async function stop(sandbox: Sandbox, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise((done) => sandbox.child.once('exit', done));
  sandbox.child.kill(signal);
  await exited;
}

async function api(sandbox: Sandbox, method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

const cluster = async (sandbox: Sandbox, id: string) => (await api(sandbox, 'GET', `/clusters/${id}`)).body!;
const timeline = async (sandbox: Sandbox, id: string) => (await api(sandbox, 'GET', `/clusters/${id}/events?limit=100`)).body!.items as { type: string; message: string; details?: Record<string, unknown> }[];

let sandbox: Sandbox | undefined;
let clusterId: string;
let stackId: string;

afterAll(async () => {
  if (sandbox && sandbox.child.exitCode === null) await stop(sandbox, 'SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start restarted on the same data folder', () => {
  it('finishes a create that a crash interrupted: the same stack completes and the cluster is READY with no user action', async () => {
    // Prepare: a create under way, its stack CREATE_IN_PROGRESS.
    sandbox = await start();
    const created = await api(sandbox, 'POST', '/clusters', { name: 'restart-create' });
    expect(created.status).toBe(202);
    clusterId = created.body!.id;
    const creating = await eventually(() => cluster(sandbox!, clusterId), (c) => c.stackId !== undefined || c.status !== 'CREATING', 30_000);
    expect(creating.status).toBe('CREATING');
    stackId = creating.stackId;

    // Act: a crash (nothing gets the chance to save on the way out), then npm start again.
    await stop(sandbox, 'SIGKILL');
    expect(readdirSync(join(dataDir, 'cloud', 'stacks'))).toHaveLength(1);
    sandbox = await start();

    // Assess
    const settled = await eventually(() => cluster(sandbox!, clusterId), (c) => c.status !== 'CREATING', 90_000, 250);
    expect(settled).toMatchObject({ status: 'READY', stackId });
    expect(settled.nodes).toHaveLength(8);
    const events = await timeline(sandbox, clusterId);
    expect(events.find((e) => e.type === 'workflow.reconciled')).toMatchObject({ details: { action: 'resumed' } });
    expect(sandbox.output()).toMatch(/simulator\s+resumed 1 stacks/);
  }, 240_000);

  it('refuses a second npm start on the folder in use with one clear line and exit code 1', async () => {
    // Act
    const second = run();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`still running:\n${second.output()}`)), 90_000)));
    const code = await Promise.race([second.exited, deadline]).finally(() => clearTimeout(timer));

    // Assess
    expect(code).toBe(1);
    expect(second.output().trim().split('\n')).toEqual([`another swarm-provisioner is using ${dataDir}; stop it or set LOCAL_DATA_DIR`]);
    expect((await cluster(sandbox!, clusterId)).status).toBe('READY');
  }, 120_000);

  it('finishes a delete that a stop interrupted: DELETED, with every instance terminated', async () => {
    // Prepare: the delete under way, its stack DELETE_IN_PROGRESS.
    const requested = await api(sandbox!, 'DELETE', `/clusters/${clusterId}`);
    expect(requested.status).toBe(202);
    await eventually(() => timeline(sandbox!, clusterId), (events) => events.some((e) => e.type === 'stack.status_changed' && e.message === 'stack DELETE_IN_PROGRESS'), 30_000, 100);
    expect((await cluster(sandbox!, clusterId)).status).toBe('DELETING');

    // Act: Ctrl-C, then npm start again.
    await stop(sandbox!, 'SIGTERM');
    sandbox = await start();

    // Assess
    const settled = await eventually(() => cluster(sandbox!, clusterId), (c) => c.status !== 'DELETING', 90_000, 250);
    expect(settled.status).toBe('DELETED');
    // The instances are the ones the create launched, tracked to `terminated` (not "it ran no instances").
    expect(settled.statusReason).toBe('stack deleted and all 8 instances terminated');
    expect(settled.nodes.map((node: { state: string }) => node.state)).toEqual(Array(8).fill('terminated'));
    expect(existsSync(join(dataDir, 'lock'))).toBe(true);
  }, 240_000);
});
