/**
 * `npm ci` on the Node version the README promises (and CI runs) prints no EBADENGINE warning: every installed
 * package's `engines.node`, as the lock file records it, admits the running Node. npm warns on exactly this check
 * (https://docs.npmjs.com/cli/v11/configuring-npm/package-json#engines).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { satisfies } from 'semver';

const ROOT = join(__dirname, '../..');

interface LockedPackage {
  version?: string;
  engines?: unknown;
}

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };

describe('engines', () => {
  it('every installed package admits the running Node version, so npm ci does not warn', () => {
    const installed = Object.entries(lock.packages).filter(([path]) => path !== '' && existsSync(join(ROOT, path, 'package.json')));
    const refusing = installed.flatMap(([path, entry]) => {
      const engines = entry.engines as { node?: unknown } | undefined;
      const range = typeof engines === 'object' && engines !== null && !Array.isArray(engines) ? engines.node : undefined;
      return typeof range === 'string' && !satisfies(process.version, range) ? [`${path}@${entry.version} wants node ${range}`] : [];
    });

    expect(installed.length).toBeGreaterThan(100);
    expect(refusing).toEqual([]);
  });

  it('runs the repacked aws-local-stepfunctions on this Node with no polyfill of ours loaded', () => {
    // A fresh process: the test setup's environment is not there, only the package and what it brings.
    const script = `
      const { StateMachine } = require('aws-local-stepfunctions');
      const machine = new StateMachine({ StartAt: 'Hello', States: { Hello: { Type: 'Pass', Result: { ok: true }, End: true } } });
      machine.run({}).result.then((output) => console.log(JSON.stringify(output)));
    `;

    const output = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });

    expect(JSON.parse(output)).toEqual({ ok: true });
  });
});
