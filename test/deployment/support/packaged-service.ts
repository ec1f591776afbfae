/**
 * `serverless package` (osls, no AWS credentials needed) is the slow part of the deployment tests, so every test
 * file shares one package: it is made once per content of the inputs (serverless.yml, scripts, templates, state
 * machines, src) into a directory under the OS temp dir named by their hash, and reused while they are unchanged.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../..');
const INPUTS = ['serverless.yml', 'package-lock.json', 'scripts', 'templates', 'statemachines', 'src'];
const PREFIX = 'swarm-provisioner-sls-package-';
const TEMPLATE = 'cloudformation-template-update-stack.json';

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => filesUnder(join(path, entry)));
}

function inputsHash(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => filesUnder(join(ROOT, input)))) hash.update(file).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

/** The directory holding the packaged template and zips, made now or by an earlier test file of the same inputs. */
export function packagedServiceDir(): string {
  const dir = join(tmpdir(), `${PREFIX}${inputsHash()}`);
  if (existsSync(join(dir, TEMPLATE))) return dir;
  const work = mkdtempSync(join(tmpdir(), `${PREFIX}work-`));
  execFileSync('npx', ['serverless', 'package', '--package', work, '--stage', 'test'], {
    cwd: ROOT,
    env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', SLS_TELEMETRY_DISABLED: '1' },
    stdio: 'pipe',
    timeout: 300_000,
  });
  // Packages of older inputs are of no further use.
  for (const stale of readdirSync(tmpdir()).filter((entry) => entry.startsWith(PREFIX) && !entry.includes('work-'))) rmSync(join(tmpdir(), stale), { recursive: true, force: true });
  try {
    renameSync(work, dir);
  } catch {
    // Another test file packaged the same inputs meanwhile: use theirs.
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}

export type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string | string[] };

export function packagedResources(dir: string): Record<string, Resource> {
  return JSON.parse(readFileSync(join(dir, TEMPLATE), 'utf8')).Resources;
}

/** The packaging timeout plus the bundling a test file does after it. */
export const PACKAGE_TIMEOUT_MS = 400_000;
