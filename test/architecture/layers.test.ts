/**
 * The layer rules (.dependency-cruiser.cjs, knip.json) are checked on the real tree by `npm run lint:layers`, which
 * `npm test` runs before jest. This file proves the checks can fail: it runs the same configuration over a small
 * fixture tree (test/architecture/fixtures) that breaks every rule once and obeys it elsewhere, and expects exactly
 * those breaches. Both tools run through their CLIs, since dependency-cruiser's JavaScript API is ESM only.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(__dirname, 'fixtures');

function run(bin: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', bin), ...args], {
    cwd: FIXTURE,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return result;
}

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** `rule: from → to`, with a package shown by name rather than by where it sits in node_modules. */
const describeViolation = (v: Violation): string =>
  `${v.rule.name}: ${v.from} → ${v.to.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+)\/.*$/, '$1')}`;

describe('the layer rules', () => {
  it('catch every kind of breach in a tree that breaks each rule once, and nothing else', () => {
    // Prepare: the fixture tree and the repository's own configuration.
    const args = ['src', 'sandbox', 'packages', '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'];

    // Act
    const { stdout } = run('dependency-cruiser/bin/dependency-cruise.mjs', args);

    // Assess: the allowed imports (pure.ts, allowed.ts, handler.ts, sandbox/main.ts) raise nothing.
    const violations = (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
    expect(violations.map(describeViolation).sort()).toEqual([
      'deployed-code-never-imports-the-packages: src/handlers/uses-a-package.ts → packages/tool/src/reaches-in.ts',
      'deployed-code-never-imports-the-sandbox: src/adapters/store.ts → sandbox/sandbox-only.ts',
      'deployed-code-never-imports-the-sandbox: src/domain/leaky.ts → sandbox/sandbox-only.ts',
      'domain-does-no-io: src/domain/leaky.ts → fs',
      // Type-only: found because tsPreCompilationDeps counts imports that compile away.
      'domain-is-pure: src/domain/leaky.ts → @aws-sdk/client-dynamodb',
      'domain-is-pure: src/domain/leaky.ts → sandbox/sandbox-only.ts',
      'domain-is-pure: src/domain/leaky.ts → src/adapters/store.ts',
      // A cycle of type imports only.
      'no-cycles: src/domain/ping.ts → src/domain/pong.ts',
      'packages-stand-alone: packages/tool/src/reaches-in.ts → src/domain/pure.ts',
      'use-cases-see-only-domain-and-ports: src/use-cases/reaches-out.ts → @aws-sdk/client-sfn',
      'use-cases-see-only-domain-and-ports: src/use-cases/reaches-out.ts → src/adapters/store.ts',
    ]);
  });

  it('fail on an export nothing imports', () => {
    // Prepare: the fixture's package.json names sandbox/main.ts as its entry; store.ts exports one dead constant.
    const args = ['--config', join(ROOT, 'knip.json'), '--include', 'exports,types', '--reporter', 'json', '--no-progress'];

    // Act
    const { status, stdout } = run('knip/bin/knip.js', args);

    // Assess
    const issues = (JSON.parse(stdout) as { issues: { file: string; exports: { name: string }[] }[] }).issues;
    expect(issues.flatMap((issue) => issue.exports.map((e) => `${issue.file}: ${e.name}`))).toEqual(['src/adapters/store.ts: neverImported']);
    // knip exits non-zero on any issue, so `npm run lint:layers` (and with it `npm test`) fails.
    expect(status).not.toBe(0);
  });
});
