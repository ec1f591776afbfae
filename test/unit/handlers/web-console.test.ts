/**
 * GET /console: the page built from src/console/ by the same build `serverless package` runs, served with a
 * Content-Security-Policy that allows exactly its own inline script and style.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions } from '../../../scripts/bundles';
import { buildConsolePage } from '../../../scripts/console-page';
import { packagedConsolePage, webConsoleHandler, type ConsolePage } from '../../../src/handlers/http/web-console';
import { httpEvent } from '../../support/http';

let page: ConsolePage;

beforeAll(async () => {
  page = await buildConsolePage();
}, 30_000);

const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('the web console page', () => {
  it('is one document with its script and style inline, and nothing fetched from anywhere else', () => {
    const scripts = [...page.html.matchAll(/<script([^>]*)>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toBe('');
    expect(page.html).not.toMatch(/<link[^>]+href="(?!data:)/);
    expect(page.html).not.toMatch(/\b(src|href)="https?:/);
    expect(page.html).not.toMatch(/@import|url\(\s*['"]?https?:/);
  });

  it('allows by hash exactly the inline script and style it carries, API calls to its own origin, and nothing else', () => {
    const script = /<script>([\s\S]*)<\/script>/.exec(page.html)![1]!;
    const style = /<style>([\s\S]*)<\/style>/.exec(page.html)![1]!;

    expect(page.csp.split('; ')).toEqual([
      "default-src 'none'",
      `script-src ${hashOf(script)}`,
      `style-src ${hashOf(style)}`,
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ]);
  });

  it('stays small: the whole console is well within the HTTP budget even before the Lambda wrapper', () => {
    expect(Buffer.byteLength(page.html)).toBeLessThan(100_000);
  });
});

describe('GET /console', () => {
  it('answers the page at /console and /console/ with its CSP, never cached stale, without asking for a caller', async () => {
    const handler = webConsoleHandler(async () => page);

    for (const path of ['/console', '/console/']) {
      const response = await handler(httpEvent({ path, principal: null }));
      expect(response.statusCode).toBe(200);
      expect(response.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'content-security-policy': page.csp, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
      expect(response.body).toBe(page.html);
    }
  });

  it('builds the page once, and again after a failed build rather than serving the failure for good', async () => {
    const build = jest.fn<Promise<ConsolePage>, []>().mockRejectedValueOnce(new Error('esbuild crashed')).mockResolvedValue(page);
    const handler = webConsoleHandler(build);
    jest.spyOn(console, 'error').mockImplementation(() => undefined);

    const failed = await handler(httpEvent({ path: '/console/' }));
    const first = await handler(httpEvent({ path: '/console/' }));
    const second = await handler(httpEvent({ path: '/console/' }));

    expect(failed.statusCode).toBe(500);
    expect(JSON.parse(failed.body!)).toMatchObject({ status: 500, detail: 'The console page is not available.' });
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(build).toHaveBeenCalledTimes(2);
  });

  it('serves the page from the bundle `serverless package` builds (serverless.yml\'s esbuild options and plugins)', async () => {
    const result = await build({ ...esbuildOptions(), entryPoints: [resolve(__dirname, '../../../src/handlers/http/web-console.ts')], outdir: join(tmpdir(), 'web-console-bundle'), write: false, logLevel: 'error' });
    const dir = mkdtempSync(join(tmpdir(), 'web-console-'));
    try {
      const file = join(dir, 'web-console.js');
      writeFileSync(file, result.outputFiles.find((output) => output.path.endsWith('.js'))!.text);
      const bundled = require(file) as { handler: (event: unknown) => Promise<{ statusCode: number; body: string; headers: Record<string, string> }> };

      const response = await bundled.handler(httpEvent({ path: '/console/', principal: null }));

      expect(response.statusCode).toBe(200);
      expect(response.body).toBe(page.html);
      expect(response.headers['content-security-policy']).toBe(page.csp);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('has no packaged page when run from source: the sandbox serves its own build of it', async () => {
    await expect(packagedConsolePage()).rejects.toThrow('defined at package time');
  });
});
