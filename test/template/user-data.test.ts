/**
 * The user data of both launch templates, with Fn::Sub resolved as CloudFormation would, checked by shellcheck
 * (Debian package `shellcheck`; npm test installs it as root). A missing shellcheck fails the test rather than skipping it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapScript, loadTemplate } from './support/template';

const template = loadTemplate();
const LAUNCH_TEMPLATES = ['ManagerLaunchTemplate', 'WorkerLaunchTemplate'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'user-data-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function shellcheck(path: string): { status: number | null; output: string } {
  const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '--format=gcc', path], { encoding: 'utf8', timeout: 30_000 });
  // Not on PATH (ENOENT) or not runnable (EACCES): either way the fix is the package.
  const code = (result.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EACCES') {
    throw new Error(`shellcheck could not run (${code}): run \`sudo apt-get install -y shellcheck\` (Debian/Ubuntu); npm test does it when run as root`);
  }
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe.each(LAUNCH_TEMPLATES)('%s user data', (launchTemplate) => {
  it('passes shellcheck (style level and above)', () => {
    const path = join(dir, `${launchTemplate}.sh`);
    writeFileSync(path, bootstrapScript(template, launchTemplate));

    const { status, output } = shellcheck(path);

    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('is a bash script that parses, and leaves no ${placeholder} unresolved', () => {
    const script = bootstrapScript(template, launchTemplate);
    const syntax = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8', timeout: 10_000 });

    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);
    // After Fn::Sub only shell expansions remain, such as ${1:-boot}.
    expect(script.match(/\$\{[A-Za-z:]+\}/g) ?? []).toEqual([]);
  });
});
