/**
 * Stacks in a deployed bundle name our source files although serverless.yml no longer sets --enable-source-maps:
 * src/stack-traces.ts maps them from the bundle's linked source map when a stack is first read (docs/performance.md).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions } from '../../scripts/bundles';

const ROOT = resolve(__dirname, '../..');
let dir: string;
let bundle: string;

/** The first lines of the stack of the error a handler throws on its first call without configuration. */
function stackOfFirstCall(env: Record<string, string> = {}): string[] {
  const probe = `try { require(${JSON.stringify(bundle)}).handler(undefined, {}); } catch (error) { process.stdout.write(error.stack); }`;
  const out = execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  return out.split('\n').slice(0, 3);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stack-traces-'));
  bundle = join(dir, 'get-cluster.js');
  await build({ ...esbuildOptions(), entryPoints: [join(ROOT, 'src/handlers/http/get-cluster.ts')], outfile: bundle, absWorkingDir: ROOT, logLevel: 'error' });
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stack traces of a bundled function', () => {
  it('names the source file and line of each frame, without --enable-source-maps', () => {
    const [head, first, second] = stackOfFirstCall();

    expect(head).toMatch(/^ConfigurationError: invalid environment/);
    expect(first).toMatch(/src\/config\.ts:\d+:\d+\)?$/);
    expect(second).toMatch(/src\/handlers\/http\/get-cluster\.ts:\d+:\d+\)?$/);
  });

  it('leaves the mapping to Node when --enable-source-maps is set', () => {
    const [, first] = stackOfFirstCall({ NODE_OPTIONS: '--enable-source-maps' });

    expect(first).toMatch(/^\s+at loadConfig \(.*src\/config\.ts:\d+:\d+\)$/);
  });

  it('shows the bundle positions when the map is not there', () => {
    rmSync(`${bundle}.map`);

    const [, first] = stackOfFirstCall();

    expect(first).toMatch(/get-cluster\.js:\d+:\d+\)?$/);
  });
});
