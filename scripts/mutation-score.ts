/**
 * The mutation score per area, read from Stryker's JSON report (reports/mutation/mutation.json, written by
 * `npm run mutate`; its shape is the mutation-testing-report-schema). Stryker prints one score for everything it
 * mutated; the targets differ by area (issue 15: the domain rules at least 85%, the use cases at least 75%), so this
 * prints each area against its own. A measure: it always exits 0 when the report is readable.
 *
 * `npm run mutate:score` after a run; `-- --survivors` also lists every surviving and uncovered mutant (file:line,
 * mutator, replacement), `-- --report <path>` reads another report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

type MutantStatus = 'Killed' | 'Survived' | 'NoCoverage' | 'CompileError' | 'RuntimeError' | 'Timeout' | 'Ignored' | 'Pending';

interface MutantResult {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: MutantStatus;
  location: { start: { line: number; column: number } };
}

interface MutationReport {
  schemaVersion: string;
  files: Record<string, { mutants: MutantResult[] }>;
}

export interface Area {
  name: string;
  prefix: string;
  target: number;
  /** Its folder under reports/mutation (the MUTATE_AREA that writes it). */
  report: string;
}

export const AREAS: readonly Area[] = [
  { name: 'domain', prefix: 'src/domain/', target: 85, report: 'domain' },
  { name: 'use cases', prefix: 'src/use-cases/', target: 75, report: 'use-cases' },
];

export interface AreaScore {
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  errors: number;
  /** Stryker's mutation score: detected (killed or timed out) over valid mutants (errors and ignored ones are not valid). */
  score: number | undefined;
}

/** Stryker's definition (https://stryker-mutator.io/docs/mutation-testing-elements/mutant-states-and-metrics/). */
export function scoreOf(mutants: readonly Pick<MutantResult, 'status'>[]): AreaScore {
  const count = (status: MutantStatus) => mutants.filter((mutant) => mutant.status === status).length;
  const killed = count('Killed');
  const timeout = count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const errors = count('CompileError') + count('RuntimeError');
  const valid = killed + timeout + survived + noCoverage;
  return { killed, timeout, survived, noCoverage, errors, score: valid === 0 ? undefined : (100 * (killed + timeout)) / valid };
}

/** Report keys are paths relative to the project root; Windows-style separators are normalised. */
function mutantsUnder(report: MutationReport, prefix: string): { file: string; mutant: MutantResult }[] {
  return Object.entries(report.files)
    .filter(([file]) => file.replaceAll('\\', '/').startsWith(prefix))
    .flatMap(([file, result]) => result.mutants.map((mutant) => ({ file: file.replaceAll('\\', '/'), mutant })));
}

/** Each area's own report (stryker.config.mjs writes one per MUTATE_AREA), or one `--report` for every area. */
function reportPathOf(area: Area, argv: readonly string[]): string {
  const reportFlag = argv.indexOf('--report');
  if (reportFlag >= 0 && argv[reportFlag + 1]) return resolve(argv[reportFlag + 1]!);
  return resolve('reports/mutation', area.report, 'mutation.json');
}

function main(argv: readonly string[]): void {
  const reports = new Map<Area, MutationReport | undefined>();
  const lines: string[] = ['Mutation score per area:'];
  for (const area of AREAS) {
    const path = reportPathOf(area, argv);
    const report = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as MutationReport) : undefined;
    reports.set(area, report);
    if (!report) {
      lines.push(`  ${area.name.padEnd(10)}    -     no report at ${path}: \`npm run mutate\` writes it (docs/testing.md)`);
      continue;
    }
    const mutants = mutantsUnder(report, area.prefix);
    const score = scoreOf(mutants.map(({ mutant }) => mutant));
    const verdict = score.score === undefined ? 'not mutated in this run' : score.score >= area.target ? 'meets' : 'BELOW';
    const shown = score.score === undefined ? '   -  ' : `${score.score.toFixed(2).padStart(6)}%`;
    lines.push(
      `  ${area.name.padEnd(10)} ${shown}  target ≥ ${area.target}% (${verdict})  ` +
        `killed ${score.killed}, timeout ${score.timeout}, survived ${score.survived}, no coverage ${score.noCoverage}, errors ${score.errors}`,
    );
  }
  if (![...reports.values()].some(Boolean)) process.exitCode = 1;
  if (argv.includes('--survivors')) {
    for (const area of AREAS) {
      const report = reports.get(area);
      if (!report) continue;
      const left = mutantsUnder(report, area.prefix).filter(({ mutant }) => mutant.status === 'Survived' || mutant.status === 'NoCoverage');
      lines.push('', `${area.name}: ${left.length} surviving or uncovered`);
      for (const { file, mutant } of left) {
        const replacement = (mutant.replacement ?? '').replace(/\s+/g, ' ').slice(0, 100);
        lines.push(`  ${file}:${mutant.location.start.line} ${mutant.status} ${mutant.mutatorName}: ${replacement}`);
      }
    }
  }
  console.log(lines.join('\n'));
}

if (require.main === module) main(process.argv.slice(2));
