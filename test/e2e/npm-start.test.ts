/**
 * The README's first command under test, as a person runs it: `npm start` through npm (npm → sh → tsx → node), with
 * its own port (PORT=0) and data folder (LOCAL_DATA_DIR in a temp dir), then the README walkthrough's own create
 * request over HTTP, READY, DELETE, DELETED, and Ctrl-C.
 *
 * Ctrl-C in a terminal sends SIGINT to the whole foreground process group, not to npm alone: signalling only npm's pid
 * may leave sh, tsx or node behind. So the child is spawned detached (its own process group, the npm pid being the
 * group id) and the test signals the group, as the terminal does. A clean stop is: exit code 0, no process left in
 * the group, the data folder's lock released (another process can take it) and local-endpoints.json removed.
 *
 * No LOCAL_API_KEY: the README's walkthrough runs against the open sandbox (its requests carry no key), so this does too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDataLayout, lockDataDir } from '../../sandbox/data-dir';
import { ROOT, sandboxEnv, sandboxUrl } from '../support/sandbox-process';
import { eventually } from '../support/webhook-receiver';

const dataDir = mkdtempSync(join(tmpdir(), 'swarm-npm-start-'));
// The walkthrough's wait_for gives each wait 90 tries 2 s apart.
const WALKTHROUGH_WAIT_MS = 180_000;
const STOP_MS = 30_000;

/** The walkthrough's create request, read from the README so the test follows it if it changes. */
function readmeCreateRequest(): { headers: Record<string, string>; body: unknown } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const command = /^ID=\$\(curl -s -X POST \$API\/clusters ([\s\S]*?) \| jq -r \.id\)$/m.exec(readme)?.[1];
  if (!command) throw new Error('README.md has no walkthrough create (`ID=$(curl -s -X POST $API/clusters … | jq -r .id)`)');
  const joined = command.replace(/\\\n\s*/g, '');
  const headers = Object.fromEntries(
    [...joined.matchAll(/-H (?:'([^']*)'|"([^"]*)")/g)].map((match) => {
      const [name, value] = (match[1] ?? match[2] ?? '').split(/:\s*/, 2);
      // KEY=demo-$(date +%s) in the walkthrough.
      return [name, value === '$KEY' ? `demo-${Date.now()}` : value];
    }),
  );
  const body = /-d '([^']*)'/.exec(joined)?.[1];
  if (body === undefined) throw new Error(`README.md's create has no -d body: ${joined}`);
  return { headers, body: JSON.parse(body) };
}

interface NpmStart {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function npmStart(): NpmStart {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    // What a user's shell would have: none of the settings this test run or another test's local cloud put in the
    // environment, so main.ts's own defaults apply (reaper, reconciler, health sweep, time scale, log level).
    env: sandboxEnv({
      PORT: '0',
      LOCAL_DATA_DIR: dataDir,
      LOCAL_API_KEY: undefined,
      SIM_TIME_SCALE: undefined,
      REAPER_INTERVAL_SECONDS: undefined,
      HEALTH_INTERVAL_SECONDS: undefined,
      POWERTOOLS_LOG_LEVEL: undefined,
    }),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return { child, output: () => output, exited };
}

/**
 * The processes still in the group, as `pid args` lines (empty when none is left), read from /proc rather than with
 * `ps`, which a slim image may lack. Zombies are left out: they no longer run, only wait for their parent to read them.
 */
function groupMembers(pgid: number): string[] {
  const members: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so split after its last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid || state === 'Z') continue;
      members.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()}`);
    } catch {
      // It ended while we looked.
    }
  }
  return members;
}

async function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(what())), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

let started: NpmStart | undefined;
let url: string;

async function api(method: string, path: string, request: { headers?: Record<string, string>; body?: unknown } = {}) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: request.headers,
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

const statusOf = async (id: string) => (await api('GET', `/clusters/${id}`)).body;

afterAll(() => {
  // Only if a failed step left it running: the whole group, so nothing outlives the test.
  if (started?.child.pid && started.child.exitCode === null && started.child.signalCode === null) process.kill(-started.child.pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start, as the README runs it', () => {
  let clusterId: string;

  it('comes up on its own port and data folder and takes the walkthrough create: CREATING, then READY', async () => {
    // Prepare
    const request = readmeCreateRequest();
    started = npmStart();
    url = await sandboxUrl(started.output, () => started!.child.exitCode !== null);

    // Act
    const created = await api('POST', '/clusters', request);
    const replayed = await api('POST', '/clusters', request);

    // Assess
    expect(created).toMatchObject({ status: 202, body: { status: 'CREATING', name: 'demo' } });
    clusterId = created.body.id;
    expect(clusterId).toMatch(/^c-[0-9a-z]{26}$/);
    expect(replayed.body.id).toBe(clusterId);
    const settled = await eventually(() => statusOf(clusterId), (c) => c.status !== 'CREATING', WALKTHROUGH_WAIT_MS, 500);
    expect(settled).toMatchObject({ status: 'READY', statusReason: 'stack CREATE_COMPLETE; 3 managers and 5 workers over 3 availability zones' });
    expect(existsSync(localDataLayout(dataDir).endpointsFile)).toBe(true);
    // The request it suggests on start is the walkthrough's, at the address it listens on.
    expect(started.output()).toContain(`try: curl -s -X POST ${url}/clusters -H 'content-type: application/json' -d '${JSON.stringify(request.body)}'`);
  }, WALKTHROUGH_WAIT_MS + 120_000);

  it('deletes it: DELETING at once, then DELETED with every instance terminated', async () => {
    // Act
    const requested = await api('DELETE', `/clusters/${clusterId}`);

    // Assess
    expect(requested).toMatchObject({ status: 202, body: { status: 'DELETING', deleteReason: 'requested' } });
    const settled = await eventually(() => statusOf(clusterId), (c) => c.status !== 'DELETING', WALKTHROUGH_WAIT_MS, 500);
    expect(settled).toMatchObject({ status: 'DELETED', statusReason: 'stack deleted and all 8 instances terminated' });
  }, WALKTHROUGH_WAIT_MS + 30_000);

  it('stops on Ctrl-C (SIGINT to its process group): exit code 0, no process left, the data folder unlocked', async () => {
    // Prepare
    const pgid = started!.child.pid!;
    // npm and, under it, the node that runs sandbox/main.ts: the emptiness checked below is not an empty start.
    const members = groupMembers(pgid);
    expect(members.some((line) => line.startsWith(`${pgid} `))).toBe(true);
    expect(members.filter((line) => line.endsWith('sandbox/main.ts') && !line.startsWith(`${pgid} `))).toHaveLength(1);

    // Act
    process.kill(-pgid, 'SIGINT');
    const exit = await within(started!.exited, STOP_MS, () => `npm start still running ${STOP_MS} ms after SIGINT:\n${started!.output().slice(-2000)}`);

    // Assess
    expect({ ...exit, output: exit.code === 0 ? '' : started!.output().slice(-2000) }).toEqual({ code: 0, signal: null, output: '' });
    expect(started!.output()).toMatch(/\d stopping\n/);
    // npm returns once its sh did, and sh once tsx did; a grandchild that outlived them (esbuild's service) gets a
    // moment to see its pipe close.
    await eventually(async () => groupMembers(pgid), (left) => left.length === 0, 5_000, 100);
    const layout = localDataLayout(dataDir);
    expect(existsSync(layout.endpointsFile)).toBe(false);
    const release = await lockDataDir(layout); // throws DataDirInUseError if the lock were still held
    await release();
  }, STOP_MS + 30_000);
});
