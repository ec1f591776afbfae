/**
 * The jest configuration of `npm run mutate` (stryker.config.mjs): the project's own, narrowed to the unit tests of
 * the layers being mutated, test/unit/{domain,use-cases,access} and the webhook rules. Stryker runs, for every mutant,
 * each test file that covers it, and a file's setup is paid each time: the handler and adapter tests (most of them
 * start dynalite or the local cloud) cover nearly every domain line, which made a run of the domain alone take hours
 * on two shared cores (docs/testing.md). A use case reached only through a handler test shows as "no coverage": that
 * is the finding (it has no test of its own), not noise.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/unit'],
  // MUTATE_TESTS=all widens it to every unit test but the typed client's (packages/client; its schema test alone takes
  // ~17 s): the use cases reached through handler tests then count as covered, at many times the run time.
  testMatch:
    process.env.MUTATE_TESTS === 'all'
      ? ['<rootDir>/test/unit/**/*.test.ts']
      : ['<rootDir>/test/unit/{domain,use-cases,access}/**/*.test.ts', '<rootDir>/test/unit/webhook.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/client/'],
  // Stryker's node environment reports which test covers which mutant (coverageAnalysis "perTest").
  testEnvironment: '@stryker-mutator/jest-runner/jest-env/node',
};
