/**
 * packages/client/src/schema.d.ts is generated from the OpenAPI document and committed (it is the client's source).
 * The generator runs in its own process: openapi-typescript loads ESM-only packages that jest's CommonJS cannot.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const check = (...extra: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'client-schema.ts'), '--check', ...extra], { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('the typed client’s generated schema', () => {
  it('is what the current OpenAPI document generates (else run npm run client:generate)', () => {
    const result = check();

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('the check fails on a file that differs by one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'client-schema-'));
    const stale = join(dir, 'schema.d.ts');
    writeFileSync(stale, readFileSync(join(root, 'packages', 'client', 'src', 'schema.d.ts'), 'utf8').replace('"/clusters/{id}/wake"', '"/clusters/{id}/woke"'));

    const result = check('--against', stale);

    rmSync(dir, { recursive: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('is stale: run npm run client:generate');
  });
});
