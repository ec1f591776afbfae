/**
 * The workflow registry (src/handlers/workflow/registry.ts) against what it describes: the files under
 * statemachines/, the ASL lint, and the configuration. serverless.yml is checked against the same rows in
 * test/deployment/serverless-package.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../../../src/config';
import { workflowRows } from '../../../src/handlers/workflow/registry';

const ROOT = resolve(__dirname, '../../..');
const asl = (file: string) => readFileSync(resolve(ROOT, 'statemachines', file), 'utf8');

describe('workflow registry', () => {
  it('has exactly one row per state machine definition under statemachines/', () => {
    const files = readdirSync(resolve(ROOT, 'statemachines')).filter((file) => file.endsWith('.asl.json'));
    expect(workflowRows.map((row) => row.aslFile).sort()).toEqual(files.sort());
    expect(new Set(workflowRows.map((row) => row.name)).size).toBe(workflowRows.length);
  });

  it('has `npm run lint:asl` validate every row’s definition', () => {
    const script = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['lint:asl']!;
    const linted = [...script.matchAll(/--json-path\s+(\S+)/g)].map((m) => m[1]);
    expect(linted.sort()).toEqual(workflowRows.map((row) => `statemachines/${row.aslFile}`).sort());
  });

  it.each(workflowRows)('maps every placeholder of $aslFile to a step, and only those', ({ aslFile, tasks, steps }) => {
    const placeholders = new Set([...asl(aslFile).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect(new Set(Object.keys(tasks))).toEqual(placeholders);
    // Every step the table names is one the row's steps builder makes (the local cloud calls them by these names).
    const built = steps({ config: { webhook: { retryTimeScale: 1 } } } as never);
    for (const step of Object.values(tasks)) expect(typeof built[step]).toBe('function');
  });

  it('reads each row’s ARN from its own variable into its own Config field', () => {
    const arnOf = (name: string) => `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`;
    const config = loadConfig({
      AWS_REGION: 'us-east-1',
      CLUSTERS_TABLE: 'clusters',
      IDEMPOTENCY_TABLE: 'idempotency',
      API_KEYS_TABLE: 'keys',
      STACK_ROLE_ARN: 'arn:aws:iam::123456789012:role/stacks',
      STACK_PERMISSIONS_BOUNDARY_ARN: 'arn:aws:iam::123456789012:policy/boundary',
      ...Object.fromEntries(workflowRows.map((row) => [row.arnVariable, arnOf(row.name)])),
    });
    for (const row of workflowRows) expect(config[row.configArn]).toBe(arnOf(row.name));
  });
});
