/**
 * The web console's page for the local service: built by esbuild from src/console/ the first time /console/ is asked
 * for (so `npm start` and the tests that never open it pay nothing), with the same build `serverless package` uses
 * (scripts/console-page.js), and served by the route's own handler.
 */
import { webConsoleHandler } from '../src/handlers/http/web-console';
import type { RouteHandler } from '../src/handlers/http/routes';
import { buildConsolePage } from '../scripts/console-page';

export function localWebConsole(): RouteHandler {
  return webConsoleHandler(buildConsolePage);
}
