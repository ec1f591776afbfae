/**
 * The jest configuration of `npm run mutate` (stryker.config.mjs): the project's own, narrowed to the fast unit tests
 * (test/unit), the only ones that cover src/domain and src/use-cases without a local cloud or dynalite; every mutant
 * runs the tests that cover it, so a slow file here is paid for once per mutant.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/unit'],
  // The typed client's tests (packages/client) kill no mutant here, and client/schema.test.ts alone takes ~17 s.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/client/'],
  // Stryker's node environment reports which test covers which mutant (coverageAnalysis "perTest").
  testEnvironment: '@stryker-mutator/jest-runner/jest-env/node',
};
