/**
 * scripts/system-tools.sh, which `npm test` runs first ("pretest"): with a system tool missing and no way to install
 * it, it must stop before any test runs with one line naming the one command to run.
 *
 * Nothing is uninstalled: each case runs the script in its own mount namespace (`unshare -Urm`, unprivileged user
 * namespaces) where an empty, non-executable file is bind-mounted over each tool to hide, with PATH stripped to
 * /usr/bin:/bin (no pyenv or venv python3). "Not root" is a nested user namespace mapping the script to uid 1000.
 * apt-get is hidden too in the root case, so the script can never install anything from here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/sandbox-process';

const SCRIPT = join(ROOT, 'scripts/system-tools.sh');
// Where Debian puts each tool; /usr/bin/python3 is a symlink, and a bind mount on it hides its target.
const SHELLCHECK = '/usr/bin/shellcheck';
const PYTHON3 = '/usr/bin/python3';
const CHROMIUM = '/usr/bin/chromium';
const APT_GET = '/usr/bin/apt-get';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'system-tools-'));
  const probe = spawnSync('unshare', ['-Urm', 'true'], { encoding: 'utf8', timeout: 10_000 });
  // Fails, not skips: without namespaces these cases would prove nothing.
  if (probe.status !== 0) throw new Error(`this test hides tools in a mount namespace and needs \`unshare -Urm\` (util-linux, unprivileged user namespaces): ${probe.stderr || probe.error}`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh empty, non-executable file to bind-mount over a tool. */
function blankFile(): string {
  const path = join(dir, `blank-${blanks++}`);
  writeFileSync(path, '', { mode: 0o644 });
  return path;
}
let blanks = 0;

/**
 * Runs the script with each of `hide` made unusable (or replaced by the file `replace` gives for it); as uid 1000
 * unless `asRoot`. Answers the exit code and all it printed.
 */
function runWithout(
  hide: string[],
  options: { asRoot?: boolean; env?: Record<string, string>; replace?: Record<string, string> } = {},
): { status: number | null; output: string } {
  const over = { ...Object.fromEntries(hide.map((path) => [path, blankFile()])), ...options.replace };
  // set -e: a mount that fails stops here, before the script could see the real tool.
  const mounts = Object.entries(over).map(([path, file]) => `if [ -e ${path} ]; then mount --bind ${file} ${path}; fi`);
  const run = options.asRoot ? `exec bash ${SCRIPT}` : `exec unshare --user --map-user=1000 --map-group=1000 bash ${SCRIPT}`;
  const result = spawnSync('unshare', ['-Urm', 'bash', '-c', ['set -e', ...mounts, run].join('; ')], {
    env: { PATH: '/usr/bin:/bin', HOME: dir, ...options.env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('npm test before any test (scripts/system-tools.sh)', () => {
  it('stops with exit code 1 and one line naming the one command when every tool is missing and it is not root', () => {
    // Act
    const { status, output } = runWithout([SHELLCHECK, PYTHON3, CHROMIUM]);

    // Assess
    expect({ status, output }).toEqual({
      status: 1,
      output: 'npm test needs shellcheck python3-yaml chromium; install with: sudo apt-get install -y shellcheck python3-yaml chromium\n',
    });
  });

  it('names only the missing tool', () => {
    // Act
    const { status, output } = runWithout([CHROMIUM]);

    // Assess
    expect({ status, output }).toEqual({ status: 1, output: 'npm test needs chromium; install with: sudo apt-get install -y chromium\n' });
  });

  it('as root on a machine without apt-get, stops with the command (no sudo) and claims no install', () => {
    // Act
    const { status, output } = runWithout([SHELLCHECK, PYTHON3, APT_GET], { asRoot: true });

    // Assess
    expect({ status, output }).toEqual({ status: 1, output: 'npm test needs shellcheck python3-yaml; install with: apt-get install -y shellcheck python3-yaml\n' });
  });

  it('as root with apt-get, installs what is missing (one update, then only the missing packages) and exits 0', () => {
    // Prepare: an apt-get that logs its calls and whose "install" makes the hidden shellcheck answer again.
    const hidden = blankFile();
    const log = join(dir, 'apt-get.log');
    const aptGet = join(dir, 'apt-get');
    writeFileSync(
      aptGet,
      `#!/bin/bash\necho "apt-get $*" >> ${log}\nif [[ " $* " == *" install "* ]]; then printf '#!/bin/sh\\nexit 0\\n' > ${hidden}; chmod +x ${hidden}; fi\n`,
      { mode: 0o755 },
    );

    // Act
    const { status, output } = runWithout([], { asRoot: true, replace: { [SHELLCHECK]: hidden, [APT_GET]: aptGet } });

    // Assess
    expect({ status, output }).toEqual({ status: 0, output: 'npm test: installing shellcheck with apt-get\n' });
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['apt-get --version', 'apt-get update -qq', 'apt-get install -y -qq shellcheck']);
  });

  it('with CHROMIUM_PATH naming no executable, says so rather than installing Debian\'s chromium, which the test would not use', () => {
    // Act
    const { status, output } = runWithout([APT_GET], { asRoot: true, env: { CHROMIUM_PATH: join(dir, 'no-such-chromium') } });

    // Assess
    expect({ status, output }).toEqual({
      status: 1,
      output: `CHROMIUM_PATH=${join(dir, 'no-such-chromium')} is not an executable; unset it to use Debian's chromium or point it at a Chromium binary\n`,
    });
  });

  it('passes silently (exit 0, no output) on this machine, where npm test has just run it', () => {
    // Act
    const result = spawnSync('bash', [SCRIPT], { encoding: 'utf8', timeout: 30_000 });

    // Assess
    expect({ status: result.status, output: `${result.stdout}${result.stderr}` }).toEqual({ status: 0, output: '' });
  });

  it('passes shellcheck, as .ci/run does', () => {
    // Act
    const result = spawnSync('shellcheck', ['--severity=style', '--format=gcc', SCRIPT, join(ROOT, '.ci/run')], { encoding: 'utf8', timeout: 30_000 });

    // Assess
    if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new Error('shellcheck is not installed: run `sudo apt-get install -y shellcheck` (npm test installs it as root)');
    expect({ status: result.status, output: `${result.stdout}${result.stderr}` }).toEqual({ status: 0, output: '' });
  });
});
