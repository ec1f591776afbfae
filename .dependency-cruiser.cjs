/**
 * The rules that hold the layers apart (docs/architecture.md). `npm run lint:layers` checks src/, sandbox/, scripts/,
 * bench/ and packages/ against them; test/architecture/layers.test.ts proves each rule fires on a fixture that breaks it.
 */

// Node modules that reach outside the process. The domain is pure functions over records, so none of these belong
// there; node:crypto (hashing, random ids) does not do I/O and stays allowed.
const NODE_IO = [
  'fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'tls', 'dgram', 'dns', 'dns/promises', 'child_process',
  'cluster', 'worker_threads', 'readline', 'repl', 'inspector', 'os', 'process', 'v8', 'vm',
];
const NODE_IO_PATTERN = `^(node:)?(${NODE_IO.join('|')})$`;

// The local sandbox lives outside src/, so src/ is exactly what deploys; nothing under src/ may reach it.
const SANDBOX = '^sandbox/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain holds the rules; it knows nothing of AWS, adapters, handlers, use cases, wiring or the sandbox.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: {
        path: [
          '^src/(adapters|handlers|use-cases)/',
          '^src/(composition|config|logger)\\.ts$',
          '^src/composition/',
          SANDBOX,
          '(^|/)node_modules/(@aws-sdk|@smithy|@aws-lambda-powertools|@types/aws-lambda|aws-lambda|@middy)/',
        ],
      },
    },
    {
      name: 'domain-does-no-io',
      comment: 'src/domain does no I/O: no file system, network, processes or threads.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { dependencyTypes: ['core'], path: NODE_IO_PATTERN },
    },
    {
      name: 'use-cases-see-only-domain-and-ports',
      comment:
        'A use case imports the domain, the ports it declares, the logger and other use cases: never an adapter, a ' +
        'handler, the composition root, config, the AWS SDK or any other package.',
      severity: 'error',
      from: { path: '^src/use-cases/' },
      to: { pathNot: ['^src/(domain|use-cases)/', '^src/logger\\.ts$'] },
    },
    {
      name: 'deployed-code-never-imports-the-sandbox',
      comment: 'Everything under src/ is deployed; the sandbox (sandbox/) only wraps it.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: SANDBOX },
    },
    {
      name: 'deployed-code-never-imports-the-packages',
      comment: 'packages/ (the typed client, swarmctl) are for callers; a function bundle does not carry them.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^packages/' },
    },
    {
      name: 'packages-stand-alone',
      comment:
        'The typed client and swarmctl run in other processes and repositories: they see the service only through ' +
        'its HTTP API (the client through the generated schema.d.ts), never its code, the sandbox, scripts or tests.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^(src|sandbox|scripts|bench|test)/' },
    },
    {
      name: 'no-cycles',
      comment: 'No import cycles, type-only ones included (tsPreCompilationDeps below makes type imports count).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'resolvable',
      comment: 'An import that does not resolve would hide a dependency from every rule above.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports are dependencies too: a type cycle is still a cycle for a reader.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    moduleSystems: ['cjs', 'es6'],
    // Packages like @aws-lambda-powertools/idempotency publish subpaths (`/dynamodb`) only through `exports`.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['require', 'import', 'node', 'types', 'default'],
      mainFields: ['main', 'types', 'typings'],
    },
  },
};
