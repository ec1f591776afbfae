// The web console as one HTML page: esbuild bundles src/console/main.ts (with preact and htm) for the browser, and the
// script and the style sheet are inlined into the page, so the console is one response with nothing else to fetch
// (nothing from the internet either). The Content-Security-Policy allows exactly that script and that style by their
// SHA-256 hashes, and API calls to the page's own origin; no other script, style, frame or form target.
//
// Built at package time (scripts/esbuild-plugins.js puts it into the webConsole function's bundle) and, from the same
// sources, when the local service first serves /console/ (sandbox/local-cloud.ts). Nothing is written to disk.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const SOURCE = join(ROOT, 'src/console');

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** @returns {Promise<{ html: string, csp: string }>} */
async function buildConsolePage() {
  // Required here, not at the top: the bundles that load this module's plugin already have esbuild loaded.
  const { build, transform } = require('esbuild');
  const script = await build({
    entryPoints: [join(SOURCE, 'main.ts')],
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    legalComments: 'none',
    write: false,
    logLevel: 'error',
  });
  const style = await transform(readFileSync(join(SOURCE, 'style.css'), 'utf8'), { loader: 'css', minify: true });
  // Inline, a script must not contain "</script" (it would end the element): "<\/" means the same in every JS string,
  // template and regular expression.
  const js = script.outputFiles[0].text.replace(/<\/(script)/gi, '<\\/$1').trim();
  const css = style.code.trim();
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">' +
    '<title>swarm-provisioner console</title><link rel="icon" href="data:,">' +
    `<style>${css}</style></head><body><div id="app"><noscript>The console needs JavaScript.</noscript></div><script>${js}</script></body></html>`;
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(js)}`,
    `style-src ${sha256(css)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}

module.exports = { buildConsolePage };
