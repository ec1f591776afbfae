/**
 * Readable stack traces without paying for them at every cold start.
 *
 * `--enable-source-maps` makes Node read and parse a bundle's source map (1–2 MB) while it loads the bundle: 20–30 ms
 * of every cold start, for stacks most invocations never format. `process.setSourceMapsEnabled` /
 * `module.setSourceMapsSupport` cannot defer that: they apply only to files loaded after the call
 * (https://nodejs.org/api/module.html#modulesetsourcemapssupportenabled-options). So the bundle installs V8's
 * `Error.prepareStackTrace` hook instead, which runs only when an error's `stack` is first read: the first time, it
 * parses the map beside the bundle (`<bundle>.js.map`, esbuild's `sourcemap: linked`) with `node:module`'s
 * `SourceMap`, and every frame in the bundle is shown at its place in `src/` or `node_modules/`.
 * Where there is no map (tests, the local sandbox, which run the TypeScript itself) nothing is installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { SourceMap } from 'node:module';

export function installLazySourceMaps(bundle: string): void {
  const mapFile = `${bundle}.map`;
  // With --enable-source-maps Node maps the stacks itself (`process.sourceMapsEnabled`, Node 20.7+).
  if ((process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled || !existsSync(mapFile)) return;
  let map: SourceMap | null | undefined;
  const sourceMap = () => {
    if (map === undefined) {
      try {
        // Loaded on the first stack only: the parse is the cost --enable-source-maps pays at every start.
        const { SourceMap: SourceMapClass } = require('node:module') as typeof import('node:module');
        map = new SourceMapClass(JSON.parse(readFileSync(mapFile, 'utf8')));
      } catch {
        map = null;
      }
    }
    return map;
  };
  const position = new RegExp(`${bundle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`);
  const mapped = (frame: string) =>
    frame.replace(position, (whole, line: string, column: string) => {
      const entry = sourceMap()?.findEntry(Number(line) - 1, Number(column) - 1);
      if (!entry || !('originalSource' in entry)) return whole;
      return `${entry.originalSource.replace(/^(\.\.\/)+/, '')}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    });
  Error.prepareStackTrace = (error: Error, callSites: NodeJS.CallSite[]) => {
    let head: string;
    try {
      head = Error.prototype.toString.call(error);
    } catch {
      head = '<error>';
    }
    return [head, ...callSites.map((site) => `    at ${mapped(String(site))}`)].join('\n');
  };
}
