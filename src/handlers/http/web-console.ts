/**
 * GET /console (and /console/): the web console, one HTML page with its script and style inline, built from
 * src/console/ by esbuild when the service is packaged (scripts/esbuild-plugins.js gives __SWARM_CONSOLE_PAGE__ below
 * its value in this bundle) and, locally, when the sandbox first serves it. A public route: the page holds nothing
 * secret, and the API calls it makes carry the API key the person signs in with (docs/console.md says why it is a
 * route of the key API, not S3 + CloudFront).
 */
import type { HttpEvent, HttpResult } from './middleware';

export interface ConsolePage {
  html: string;
  /** The Content-Security-Policy that allows the page's own inline script and style (by hash) and nothing else. */
  csp: string;
}

// Keep this line as it is: the packaging plugin replaces exactly it with the page's value.
declare const __SWARM_CONSOLE_PAGE__: ConsolePage | undefined;

const problem = (status: number, title: string, detail: string): HttpResult => ({
  statusCode: status,
  headers: { 'content-type': 'application/problem+json' },
  body: JSON.stringify({ type: 'about:blank', title, status, detail }),
});

/** Serves the page `page` gives (asked once, on the first request). */
export function webConsoleHandler(page: () => Promise<ConsolePage>): (event: HttpEvent) => Promise<HttpResult> {
  let built: Promise<ConsolePage> | undefined;
  return async (event) => {
    if (!/^\/console\/?$/.test(event.rawPath)) return problem(404, 'Not Found', 'The console is at /console/.');
    let served: ConsolePage;
    try {
      served = await (built ??= page());
    } catch (error) {
      built = undefined;
      console.error('the console page could not be built', error);
      return problem(500, 'Internal Server Error', 'The console page is not available.');
    }
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': served.csp,
        // The page changes with each deployment and is small: always revalidated, never a stale console.
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      },
      body: served.html,
    };
  };
}

/** The packaged page; from source (not packaged) there is none, and the sandbox serves its own build instead. */
export async function packagedConsolePage(): Promise<ConsolePage> {
  if (typeof __SWARM_CONSOLE_PAGE__ === 'undefined') throw new Error('the console page is defined at package time (scripts/esbuild-plugins.js); run from source, build it with scripts/console-page.js');
  return __SWARM_CONSOLE_PAGE__;
}

export const handler = webConsoleHandler(packagedConsolePage);
