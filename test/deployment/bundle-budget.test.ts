/**
 * The size half of issue 11's cold-start budget, from the bundles `serverless package` would build: every HTTP
 * function (an `httpApi` route of serverless.yml, and the API-key authorizer) at most 300 KB minified, and every
 * function carrying only the SDK clients its role lets it call. Sizes are deterministic, so they are asserted here;
 * module init times are not, so only `npm run bench:bundles` measures them.
 *
 * A function listed in OVER_BUDGET is over for the reason given, which docs/performance.md explains with what getting
 * under would take; its entry is a ceiling, so it can shrink but not grow, and an entry that is no longer needed fails
 * too.
 */
import { FUNCTION_PERMISSIONS } from '../../scripts/function-roles';
import { HTTP_BUDGET, measureBundles, type BundleReport } from '../../scripts/bundles';

const OVER_BUDGET: Record<string, { ceiling: number; why: string }> = {
  // 385 000 + 5 383 bytes measured for the dry run (issue 13: the plan, the price table and the estimate; docs/performance.md).
  // + at most 1 025 bytes (issue 14, health: the store's settled-index key, listSettled and touchHealth, and three
  // webhook event names; 391 746 measured).
  // + 189 bytes (issue 14, diagnostics off the request path: config.ts's DIAGNOSTICS_EVENT_SOURCE, in every bundle;
  // 391 935 measured).
  // + 254 bytes (issue 14, Slack channel: SLACK_BOT_TOKEN / SLACK_API_URL in the config, the channel on the create).
  // + 73 bytes (issue 14, autoRepair: the request's optional boolean and the create keeping it).
  // + 106 bytes (counts in words, domain/words.ts: "1 manager and 2 workers" on the create's timeline and in the plan).
  createCluster: { ceiling: 392_368, why: 'Powertools idempotency (with its JMESPath engine), the SFN client, the request schema (zod/mini), the webhook address rules, middy and the dry run' },
};

/** The SDK client each permission group of scripts/function-roles.js is for. */
const CLIENT_OF_GROUP: Record<string, string> = {
  clusters: 'dynamodb',
  clustersRead: 'dynamodb',
  idempotency: 'dynamodb',
  slackReplays: 'dynamodb',
  apiKeyLookup: 'dynamodb',
  stackRead: 'cloudformation',
  stackWrite: 'cloudformation',
  stackUpdate: 'cloudformation',
  stackCancel: 'cloudformation',
  nodeInventory: 'ec2',
  nodeConsoleOutput: 'ec2',
  nodeRunCommand: 'ssm',
  nodeAgents: 'ssm',
  clusterGroups: 'auto-scaling',
  clusterWorkflows: 'sfn',
  clusterWorkflowStarts: 'sfn',
  clusterExecutions: 'sfn',
  deliveryWorkflow: 'sfn',
  updateWorkflow: 'sfn',
  chatCommandEvents: 'eventbridge',
  diagnosticsRequestEvents: 'eventbridge',
  diagnosticsRequestItems: 'dynamodb',
  stackWaits: 'dynamodb',
  instanceWaits: 'dynamodb',
  nodeEvents: 'dynamodb',
  timeline: 'dynamodb',
  taskCallbacks: 'sfn',
};

let all: BundleReport[];
let reports: BundleReport[];

beforeAll(async () => {
  all = await measureBundles();
  reports = all.filter((report) => report.http);
}, 180_000);

describe('HTTP function bundles', () => {
  it('finds every HTTP function of serverless.yml, the authorizer included', () => {
    const names = reports.map((report) => report.name);
    expect(names).toEqual(expect.arrayContaining(['getCluster', 'createCluster', 'authorizeApiKey', 'openApi', 'slackCommand', 'webConsole']));
    expect(names).not.toContain('createStack');
  });

  it('keeps every HTTP function within 300 KB minified, but for the listed exceptions, each under its ceiling', () => {
    const sizes = Object.fromEntries(reports.map((report) => [report.name, report.bytes]));
    const over = Object.fromEntries(Object.entries(sizes).filter(([name, bytes]) => bytes > (OVER_BUDGET[name]?.ceiling ?? HTTP_BUDGET.bytes)));
    const noLongerOver = Object.keys(OVER_BUDGET).filter((name) => sizes[name] !== undefined && sizes[name] <= HTTP_BUDGET.bytes);

    expect({ over, noLongerOver }).toEqual({ over: {}, noLongerOver: [] });
  });

  it('gives no HTTP function undici, nor any credential provider but the environment’s', () => {
    for (const report of reports) {
      const inputs = [...report.inputs.keys()];
      expect({ name: report.name, undici: inputs.some((input) => input.includes('node_modules/undici/')) }).toEqual({ name: report.name, undici: false });
      expect({ name: report.name, chain: inputs.some((input) => /node_modules\/@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity)|nested-clients)\//.test(input)) }).toEqual({
        name: report.name,
        chain: false,
      });
    }
  });

  it('gives every function, workflow steps included, only the SDK clients its role lets it call', () => {
    const carried = (report: BundleReport) =>
      [...new Set([...report.inputs.keys()].map((input) => /node_modules\/@aws-sdk\/client-([a-z0-9-]+)\//.exec(input)?.[1]).filter((client) => client !== undefined))].sort();
    const allowed = (name: string) => [...new Set((FUNCTION_PERMISSIONS[name] ?? []).map((group) => CLIENT_OF_GROUP[group] ?? `unknown group ${group}`))].sort();

    expect(all.length).toBe(Object.keys(FUNCTION_PERMISSIONS).length);
    expect(Object.fromEntries(all.map((report) => [report.name, carried(report)]))).toEqual(Object.fromEntries(all.map((report) => [report.name, allowed(report.name)])));
  });

  it('carries undici only in the function that sends webhooks', () => {
    expect(all.filter((report) => [...report.inputs.keys()].some((input) => input.includes('node_modules/undici/'))).map((report) => report.name)).toEqual(['attemptDelivery']);
  });
});
