/**
 * Every Lambda function's bundle, built as `serverless package` builds it: one esbuild run per handler file named in
 * serverless.yml, with the options of its `custom.esbuild` block. For each function it reports the minified size,
 * the three biggest contributors (from esbuild's metafile, by package), the module init time (the median of N cold
 * `require`s, each in a fresh `node` process), and PASS/OVER against the budget of issue 11: every HTTP function
 * (an `httpApi` route, and the API-key authorizer) at most 300 KB minified and 60 ms module init.
 *
 * `npm run bench:bundles` prints the table (`-- --runs 9` for more samples, `-- --only getCluster,notify` for some);
 * `npm run bench` prints it first.
 * Sizes are deterministic, so test/deployment/bundle-budget.test.ts asserts them; init times are not, so only this
 * script measures them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { parseCloudFormationTemplate } from '../sandbox/cloudformation-yaml';

const ROOT = resolve(__dirname, '..');

/** Issue 11: every HTTP function at most 300 KB minified (1 KB = 1000 bytes) and 60 ms module init. */
export const HTTP_BUDGET = { bytes: 300_000, initMs: 60 } as const;

interface ServerlessFunction {
  handler: string;
  events?: Record<string, unknown>[];
}

export interface FunctionEntry {
  name: string;
  /** `path/to/module.export` as in serverless.yml. */
  handler: string;
  /** Served over HTTP (an `httpApi` event) or the API-key authorizer in front of the HTTP routes: the budget applies. */
  http: boolean;
  /** A reference bundle from bench/floors/, not a function: printed for comparison, never judged. */
  floor?: boolean;
}

/**
 * What no function of ours can go below, measured the same way in the same run: an empty module (the measurement's
 * own cost) and a module that only reads a DynamoDB item with the document client (the SDK's share of a DynamoDB
 * route). A route's init reads as that floor plus ours.
 */
export const FLOORS: FunctionEntry[] = [
  { name: '(floor) empty module', handler: 'bench/floors/empty.handler', http: false, floor: true },
  { name: '(floor) DynamoDB client', handler: 'bench/floors/dynamodb-client.handler', http: false, floor: true },
];

export interface BundleReport extends FunctionEntry {
  bytes: number;
  /** The biggest contributors to the minified output, by package (`src` for our own code), largest first. */
  top: { name: string; bytes: number }[];
  /** Every input file with bytes in the output, relative to the repository. */
  inputs: Map<string, number>;
  /**
   * Module init (a cold `require` of the bundle, with serverless.yml's NODE_OPTIONS, as deployed), median of the
   * runs, in ms: `cpu` is the CPU time the process spent on it, `wall` the elapsed time. On an idle machine they are
   * close; on a shared one the wall time grows with everyone else's load, so the budget is judged on the CPU time.
   * `cpuWithSourceMapsFlag` is the CPU time with `--enable-source-maps` added: what that flag would cost at every cold
   * start (src/stack-traces.ts maps stacks lazily instead). Undefined when not measured.
   */
  init?: { cpu: number; wall: number; cpuWithSourceMapsFlag: number };
}

function serverlessConfig(): {
  functions: Record<string, ServerlessFunction>;
  custom: { esbuild: Record<string, unknown> };
  provider: { environment?: Record<string, unknown> };
} {
  return parseCloudFormationTemplate(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as never;
}

/** The functions of serverless.yml, marking the ones under the HTTP budget. */
export function functionEntries(): FunctionEntry[] {
  return Object.entries(serverlessConfig().functions).map(([name, fn]) => ({
    name,
    handler: fn.handler,
    // The authorizer has no event of its own: scripts/key-api.js puts it in front of every route.
    http: name === 'authorizeApiKey' || (fn.events ?? []).some((event) => 'httpApi' in event),
  }));
}

/**
 * serverless.yml's `custom.esbuild`, as esbuild options (the plugin's own keys dropped, `exclude` → `external`,
 * `plugins` loaded from the file it names, as serverless-esbuild loads it).
 */
export function esbuildOptions(): BuildOptions {
  const { exclude, packager: _packager, plugins, ...options } = serverlessConfig().custom.esbuild as Omit<BuildOptions, 'plugins'> & { exclude?: string[]; packager?: string; plugins?: string };
  return { ...options, external: exclude ?? [], ...(plugins && { plugins: require(join(ROOT, plugins)) as BuildOptions['plugins'] }) };
}

/** `node_modules/@scope/name/...` → `@scope/name`; our own files → `src`. */
function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return input.startsWith('src/') ? 'src' : input;
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

function contributors(output: Metafile['outputs'][string]): { top: BundleReport['top']; inputs: Map<string, number> } {
  const inputs = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    if (bytesInOutput === 0) continue;
    inputs.set(input, bytesInOutput);
    byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  const top = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, bytes]) => ({ name, bytes }));
  return { top, inputs };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Median module init of a bundle: `require` timed inside N fresh node processes, with the deployed NODE_OPTIONS. */
function measureInit(bundle: string, runs: number): NonNullable<BundleReport['init']> {
  const probe = `${bundle}.probe.js`;
  writeFileSync(
    probe,
    `const c=process.cpuUsage(),t=process.hrtime.bigint();require(${JSON.stringify(bundle)});` +
      `const w=Number(process.hrtime.bigint()-t)/1e6,u=process.cpuUsage(c);process.stdout.write(JSON.stringify({wall:w,cpu:(u.user+u.system)/1e3}));`,
  );
  const nodeOptions = String(serverlessConfig().provider.environment?.NODE_OPTIONS ?? '');
  const sample = (options: string) => {
    const env = { ...process.env, NODE_OPTIONS: options, POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    return JSON.parse(execFileSync(process.execPath, [probe], { encoding: 'utf8', env })) as { cpu: number; wall: number };
  };
  const deployed: { cpu: number; wall: number }[] = [];
  const flagged: { cpu: number; wall: number }[] = [];
  // Interleaved, so a burst of load elsewhere touches both alike.
  for (let i = 0; i < runs; i++) {
    deployed.push(sample(nodeOptions));
    flagged.push(sample(`${nodeOptions} --enable-source-maps`.trim()));
  }
  return { cpu: median(deployed.map((s) => s.cpu)), wall: median(deployed.map((s) => s.wall)), cpuWithSourceMapsFlag: median(flagged.map((s) => s.cpu)) };
}

/**
 * Builds each handler file once (as serverless-esbuild does: functions sharing a file share its bundle) and reports
 * every function. `initRuns` 0 skips the init measurement (the size test).
 */
export async function measureBundles(options: { initRuns?: number; only?: (entry: FunctionEntry) => boolean; floors?: boolean } = {}): Promise<BundleReport[]> {
  const entries = [...(options.floors ? FLOORS : []), ...functionEntries().filter(options.only ?? (() => true))];
  const dir = mkdtempSync(join(tmpdir(), 'bundles-'));
  try {
    const files = [...new Set(entries.map((entry) => entry.handler.slice(0, entry.handler.lastIndexOf('.'))))];
    const result = await build({
      ...esbuildOptions(),
      entryPoints: files.map((file) => ({ in: join(ROOT, `${file}.ts`), out: file })),
      outdir: dir,
      absWorkingDir: ROOT,
      metafile: true,
      logLevel: 'error',
    });
    const outputOf = (file: string) => result.metafile.outputs[Object.keys(result.metafile.outputs).find((out) => out.endsWith(`${file}.js`))!]!;
    return entries.map((entry) => {
      const file = entry.handler.slice(0, entry.handler.lastIndexOf('.'));
      const bundle = join(dir, `${file}.js`);
      return {
        ...entry,
        bytes: statSync(bundle).size,
        ...contributors(outputOf(file)),
        init: options.initRuns ? measureInit(bundle, options.initRuns) : undefined,
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(0)} KB`;

/** The table: one line per function, HTTP functions judged against the budget. */
export function formatBundleTable(reports: BundleReport[]): string {
  const verdict = (report: BundleReport) => {
    if (!report.http) return '';
    const over = [report.bytes > HTTP_BUDGET.bytes && 'size', report.init !== undefined && report.init.cpu > HTTP_BUDGET.initMs && 'init'].filter(Boolean);
    return over.length ? `OVER (${over.join(', ')})` : 'PASS';
  };
  const lines = [
    `   budget for HTTP functions (*): ≤ ${kb(HTTP_BUDGET.bytes)} minified, ≤ ${HTTP_BUDGET.initMs} ms module init (CPU time; wall time beside it)`,
    `   ${'function'.padEnd(26)} ${'minified'.padStart(9)} ${'init cpu'.padStart(9)} ${'wall'.padStart(9)} ${'+maps'.padStart(9)}  ${'verdict'.padEnd(17)} top contributors`,
  ];
  const ms = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(1)} ms`);
  for (const report of reports) {
    const top = report.top.map((t) => `${t.name} ${kb(t.bytes)}`).join(', ');
    const name = `${report.name}${report.http ? ' *' : ''}`.padEnd(26);
    const init = [report.init?.cpu, report.init?.wall, report.init?.cpuWithSourceMapsFlag].map((value) => ms(value).padStart(9)).join(' ');
    lines.push(`   ${name} ${kb(report.bytes).padStart(9)} ${init}  ${verdict(report).padEnd(17)} ${top}`);
  }
  const http = reports.filter((r) => r.http);
  const failing = http.filter((r) => verdict(r) !== 'PASS');
  lines.push(`   HTTP functions within budget: ${http.length - failing.length}/${http.length}${failing.length ? ` (over: ${failing.map((r) => r.name).join(', ')})` : ''}`);
  const floor = reports.find((r) => r.floor && r.name.includes('DynamoDB'))?.init?.cpu;
  const timed = http.filter((r) => r.init !== undefined);
  if (floor !== undefined && timed.length > 0) {
    const above = timed.map((r) => r.init!.cpu - floor).sort((a, b) => a - b);
    lines.push(
      `   the DynamoDB client alone takes ${ms(floor)} of the ${HTTP_BUDGET.initMs} ms; the HTTP functions' init above it: ` +
        `${ms(above[0])} to ${ms(above[above.length - 1])} (median ${ms(above[Math.floor(above.length / 2)])})`,
    );
  }
  return lines.join('\n');
}

/** `--runs N` from the command line. */
function runsArgument(): number {
  const index = process.argv.indexOf('--runs');
  const runs = index < 0 ? 5 : Number(process.argv[index + 1]);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs needs a positive integer, got ${process.argv[index + 1]}`);
  return runs;
}

/** `--only a,b`: just those functions. */
function onlyArgument(): ((entry: FunctionEntry) => boolean) | undefined {
  const index = process.argv.indexOf('--only');
  if (index < 0) return undefined;
  const names = new Set(String(process.argv[index + 1]).split(','));
  return (entry) => names.has(entry.name);
}

export async function printBundleTable(heading: string, runs = runsArgument()): Promise<void> {
  console.log(`\n${heading} (minified, SDK included; module init = median of ${runs} cold requires, each in a fresh node process`);
  console.log(`   with serverless.yml's NODE_OPTIONS, as on Lambda; "+maps": CPU time with --enable-source-maps added;`);
  console.log(`   load average when it started: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs)`);
  console.log(formatBundleTable(await measureBundles({ initRuns: runs, only: onlyArgument(), floors: true })));
}

if (require.main === module) {
  printBundleTable('Bundles and cold module init').then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
