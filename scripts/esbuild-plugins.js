// esbuild plugins of `serverless package` (serverless.yml, custom.esbuild.plugins; scripts/bundles.ts loads them too,
// so what it measures is what deploys).
//
// swarm-console-page: puts the web console's page (scripts/console-page.js, built once per process) into
// src/handlers/http/web-console.ts, by giving that module's `declare const __SWARM_CONSOLE_PAGE__` its value. It
// touches that one file only: an esbuild `define` would reach every bundle, and even unused it changes how esbuild
// names identifiers in all of them (createCluster grew by 2 KB with one).
const { readFile } = require('node:fs/promises');
const { buildConsolePage } = require('./console-page');

const DECLARATION = 'declare const __SWARM_CONSOLE_PAGE__: ConsolePage | undefined;';

let page;

const consolePage = {
  name: 'swarm-console-page',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]handlers[\\/]http[\\/]web-console\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(DECLARATION)) throw new Error(`${args.path} no longer has "${DECLARATION}": scripts/esbuild-plugins.js cannot put the console's page in`);
      page ??= buildConsolePage();
      const value = `const __SWARM_CONSOLE_PAGE__: ConsolePage | undefined = ${JSON.stringify(await page)};`;
      // A function, not the string: the page's minified script has `$&` and the like, which replace() would expand.
      return { contents: source.replace(DECLARATION, () => value), loader: 'ts' };
    });
  },
};

module.exports = [consolePage];
