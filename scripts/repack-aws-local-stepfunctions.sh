#!/usr/bin/env bash
# Rebuilds vendor/aws-local-stepfunctions-3.0.0-node20.tgz from the registry's aws-local-stepfunctions 3.0.0.
#
# Why: 3.0.0 (the only version the registry offers us) declares engines node >=22, so `npm ci` warns on Node 20,
# which the README, the machines and CI run. Its build uses one API Node 20 lacks, Promise.withResolvers. The repack
# keeps the published build byte for byte, adds entry points (library and CLI) that install that polyfill before loading it, and then
# declares node >=20, which is true of the package as repacked (test/deployment/engines.test.ts runs it on the current
# Node without any other polyfill). The browser build is left out: nothing here runs in a browser.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack aws-local-stepfunctions@3.0.0 --silent >/dev/null
tar -xzf aws-local-stepfunctions-3.0.0.tgz
rm package/build/main.browser.esm.js
mkdir package/node20

cat >package/node20/polyfill.cjs <<'JS'
// Added by swarm-provisioner's repack: Promise.withResolvers (Node 22) for Node 20, installed only when missing.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
JS
cat >package/node20/index.cjs <<'JS'
require('./polyfill.cjs');
module.exports = require('../build/main.node.cjs');
JS
cat >package/node20/cli.cjs <<'JS'
#!/usr/bin/env node
require('./polyfill.cjs');
require('../bin/CLI.cjs');
JS
chmod +x package/node20/cli.cjs
cat >package/node20/index.mjs <<'JS'
import './polyfill.cjs';
export * from '../build/main.node.esm.js';
JS

node - <<'JS'
const fs = require('node:fs');
const manifest = JSON.parse(fs.readFileSync('package/package.json', 'utf8'));
manifest.description += ' (repacked by swarm-provisioner for Node 20: adds a Promise.withResolvers polyfill; see scripts/repack-aws-local-stepfunctions.sh)';
manifest.engines = { node: '>=20.0.0' };
manifest.files = ['build', 'bin', 'node20'];
manifest.main = 'node20/index.cjs';
manifest.module = 'node20/index.mjs';
delete manifest.browser;
manifest.bin = { 'local-sfn': './node20/cli.cjs' };
manifest.exports = { types: './build/main.d.ts', import: './node20/index.mjs', require: './node20/index.cjs', default: './node20/index.cjs' };
fs.writeFileSync('package/package.json', `${JSON.stringify(manifest, null, 2)}\n`);
JS

# A fixed mtime and owner, so the same input gives the same tarball (and the lock file's integrity stays put).
tar --sort=name --mtime='2026-04-11 00:00:00Z' --owner=0 --group=0 --numeric-owner -cf - package | gzip -n -9 >"$root/vendor/aws-local-stepfunctions-3.0.0-node20.tgz"
echo "wrote vendor/aws-local-stepfunctions-3.0.0-node20.tgz"
