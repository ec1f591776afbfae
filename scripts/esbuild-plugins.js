// esbuild plugins of `serverless package` (serverless.yml, custom.esbuild.plugins; scripts/bundles.ts loads them too,
// so what it measures is what deploys).
//
// swarm-console-page: the web console's page (scripts/console-page.js), built once per process, is defined into every
// bundle as the global __SWARM_CONSOLE_PAGE__; only src/handlers/http/web-console.ts reads it, so only the webConsole
// function carries it.
const { buildConsolePage } = require('./console-page');

let page;

const consolePage = {
  name: 'swarm-console-page',
  async setup(build) {
    page ??= buildConsolePage();
    build.initialOptions.define = { ...build.initialOptions.define, __SWARM_CONSOLE_PAGE__: JSON.stringify(await page) };
  },
};

module.exports = [consolePage];
