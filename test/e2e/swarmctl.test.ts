/**
 * swarmctl against the local cloud, as `npx swarmctl` runs it: the bin in its own process (tsx, no build step), over
 * HTTP with an API key, to the same handlers, ASL and simulated CloudFormation that `npm start` runs.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startLocalCloud, type LocalCloud } from '../../sandbox/local-cloud';

const BIN = join(__dirname, '..', '..', 'packages', 'swarmctl', 'bin', 'swarmctl.js');
const KEY = 'spk_swarmctle2e_0123456789abcdef0123456789abcdef';

let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud({ timeScale: 0.1, apiKey: KEY, principal: 'swarmctl-e2e' });
});

afterAll(async () => {
  await cloud.stepFunctions.idle();
  await cloud.close();
});

/** Runs the bin; async, so this process keeps serving the API it calls. Killed at the deadline. */
function swarmctl(args: string[], { deadlineMs = 60_000, env = { SWARM_API_URL: cloud.url, SWARM_API_KEY: KEY } } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`swarmctl ${args.join(' ')} still running after ${deadlineMs} ms; stderr: ${stderr}`));
    }, deadlineMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('swarmctl on the local cloud', () => {
  it('create demo --wait reaches READY and exits 0, with a line per stage (no terminal here)', async () => {
    const { code, stdout, stderr } = await swarmctl(['create', 'demo', '--workers', '2', '--wait', '--interval', '0.2']);

    expect(stderr).toMatch(/ demo CREATING: /);
    expect(stderr).toMatch(/ demo READY: stack CREATE_COMPLETE/);
    expect(stdout).toMatch(/^demo is READY: stack CREATE_COMPLETE/);
    expect(stdout).toMatch(/DNS target: \S+/);
    expect(code).toBe(0);
  });

  it('--output json parses, for a listing and for a cluster read by name', async () => {
    const listed = await swarmctl(['list', '--output', 'json']);
    const got = await swarmctl(['-o', 'json', 'get', 'demo']);
    const nodes = await swarmctl(['-o', 'json', 'nodes', 'demo']);

    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { items: { name: string }[] }).items.map((c) => c.name)).toContain('demo');
    expect(JSON.parse(got.stdout)).toMatchObject({ name: 'demo', status: 'READY', owner: 'swarmctl-e2e' });
    expect((JSON.parse(nodes.stdout) as { items: unknown[] }).items).toHaveLength(5);
  });

  it('a create that CloudFormation rolls back exits 1 with the reason', async () => {
    const { code, stdout, stderr } = await swarmctl(['create', 'doomed', '--workers', '1', '--tag', 'swarm-sim:fault=rollback', '--wait', '--interval', '0.2', '-o', 'json']);

    expect(code).toBe(1);
    expect(stderr).toMatch(/swarmctl: doomed is FAILED: .*ManagerAsg .*CREATE_FAILED/);
    expect(JSON.parse(stdout)).toMatchObject({ name: 'doomed', status: 'FAILED' });
  });

  it('refuses a wrong key with exit 1 and the 401, and a bad argument with exit 2 before sending anything', async () => {
    const wrongKey = await swarmctl(['list'], { env: { SWARM_API_URL: cloud.url, SWARM_API_KEY: 'spk_nope_0000' } });
    const usage = await swarmctl(['create', 'demo', '--workers', 'lots']);

    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/^swarmctl: 401 /);
    expect(usage.code).toBe(2);
  });

  it('delete demo --wait ends DELETED and exits 0', async () => {
    const { code, stdout } = await swarmctl(['delete', 'demo', '--wait', '--interval', '0.2']);

    expect(stdout).toMatch(/^demo is DELETED/);
    expect(code).toBe(0);
  });
});
