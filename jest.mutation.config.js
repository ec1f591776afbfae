/**
 * The jest configuration of `npm run mutate` (stryker.config.mjs): the project's own, narrowed to the unit tests of
 * the layer being mutated (below). Stryker runs, for every mutant,
 * each test file that covers it, and a file's setup is paid each time: the handler and adapter tests (most of them
 * start dynalite or the local cloud) cover nearly every domain line, which made a run of the domain alone take hours
 * on two shared cores (docs/testing.md). A use case reached only through a handler test shows as "no coverage": that
 * is the finding (it has no test of its own), not noise.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  // src is a root too, only so that jest's haste map holds it: Stryker picks the test files related to the mutated ones
  // (enableFindRelatedTests), and jest follows imports only through files under a root. With test/unit alone, a use
  // case reached through a handler (receive-chat-command, through the Slack handler) had no test related to it and all
  // its mutants showed "no coverage". testMatch below still decides which files are tests.
  roots: ['<rootDir>/test/unit', '<rootDir>/src'],
  // The domain (MUTATE_AREA=domain, pure code) is measured by its own tests, test/unit/domain: the use-case tests reach
  // cluster.ts and expiry.ts too, but each starts dynalite, and paying that for each of the domain's ~2,000 mutants
  // made one run take hours. The use cases are measured by test/unit/{use-cases,access,domain}.
  // MUTATE_TESTS=all widens either to every unit test but the typed client's (packages/client; its schema test alone
  // takes ~17 s): the code reached through handler tests then counts as covered, at many times the run time.
  testMatch:
    process.env.MUTATE_TESTS === 'all'
      ? ['<rootDir>/test/unit/**/*.test.ts']
      : process.env.MUTATE_AREA === 'use-cases'
        ? ['<rootDir>/test/unit/{domain,use-cases,access}/**/*.test.ts']
        : ['<rootDir>/test/unit/domain/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/client/'],
  // Stryker's node environment reports which test covers which mutant (coverageAnalysis "perTest").
  testEnvironment: '@stryker-mutator/jest-runner/jest-env/node',
};
