/**
 * Mutation testing as a measure of the unit tests (docs/testing.md, "Mutation testing"): `npm run mutate`.
 * Stryker 9.6 (`@stryker-mutator/core` + `@stryker-mutator/jest-runner` 9.6.1): 10.x needs Node 22 and the project
 * runs Node 20 (package.json engines). Not part of `npm test`: it measures, it does not gate.
 */
/**
 * One area per run (`MUTATE_AREA`, set by the npm scripts: `npm run mutate` runs both, one after the other), each with
 * its own reports and incremental file, so an area's score is measured by that layer's own tests (jest.mutation.config.js
 * picks them) and one area can be re-run alone.
 */
const AREAS = {
  domain: [
    'src/domain/**/*.ts',
    // A table of numbers: every mutant is a changed price or an emptied region, found by no rule of the code; the
    // estimate's arithmetic (pricing/estimate.ts) is mutated and its tests pin the numbers that matter.
    '!src/domain/pricing/prices.ts',
  ],
  'use-cases': ['src/use-cases/**/*.ts'],
};
const area = process.env.MUTATE_AREA ?? 'domain';
if (!AREAS[area]) throw new Error(`MUTATE_AREA must be one of ${Object.keys(AREAS).join(', ')}; got ${area}`);

export default {
  mutate: AREAS[area],
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'jest.mutation.config.js', enableFindRelatedTests: true },
  coverageAnalysis: 'perTest',
  // A static mutant (module-level code: the constant tables, the zod schemas built once at import) cannot be traced
  // to the tests that cover it, so Stryker runs the whole suite for each; the first domain run found 389 of them
  // (17%) taking 86% of the time. They are reported as Ignored and are not in the score (docs/testing.md).
  ignoreStatic: true,
  concurrency: 2,
  // A second run re-tests only the mutants whose code or covering tests changed (the file is git-ignored).
  incremental: true,
  incrementalFile: `reports/mutation/${area}/stryker-incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${area}/index.html` },
  jsonReporter: { fileName: `reports/mutation/${area}/mutation.json` },
  // The score is printed per area by scripts/mutation-score.ts; no break threshold: a measure, not a gate.
  thresholds: { high: 85, low: 75, break: null },
  timeoutMS: 10000,
};
