/**
 * Least privilege, checked against the code. Every function in the packaged template (the one `serverless deploy`
 * would deploy) is bundled on its own from its `Handler`, the SDK commands in its bundle are turned into the IAM
 * actions they need, and those are compared with the actions its role allows: a new SDK call without its permission,
 * or a permission no code uses any more, fails here. The role table is scripts/function-roles.js.
 */
import { FUNCTION_PERMISSIONS } from '../../scripts/function-roles';
import { PACKAGE_TIMEOUT_MS, packagedResources, packagedServiceDir, type Resource } from './support/packaged-service';
import { bundledCode, iamActionsOf, permissionDrift, type FunctionCode, type PermissionDrift } from './support/sdk-calls';

type Statement = { Sid?: string; Effect: string; Action: string[] | string; Resource: unknown; Condition?: unknown };

const FIXTURE = 'fixtureStartsAnExecution';
let resources: Record<string, Resource>;
let functions: { name: string; handler: string; role: string }[];
let code: Map<string, FunctionCode>;

const statementsOf = (roleId: string): Statement[] => resources[roleId]!.Properties.Policies.flatMap((p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement);
/** What a role allows beyond writing its own logs, as a set of actions. */
const allowedActions = (roleId: string): Set<string> =>
  new Set(statementsOf(roleId).flatMap((s) => [s.Action].flat()).filter((action) => !action.startsWith('logs:')));
const sentActions = (name: string): Set<string> => iamActionsOf(code.get(name)!.commands);

beforeAll(async () => {
  resources = packagedResources(packagedServiceDir());
  functions = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([, r]) => ({
      name: (r.Properties.FunctionName as string).replace(/^swarm-provisioner-test-/, ''),
      handler: r.Properties.Handler as string,
      role: (r.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
    }));
  code = await bundledCode([...functions, { name: FIXTURE, handler: 'test/deployment/fixtures/starts-an-execution.handler' }]);
}, PACKAGE_TIMEOUT_MS);

describe('each function’s role allows exactly what its code sends', () => {
  it('reads the calls out of the bundles (a handler known to send them is seen sending them)', () => {
    expect(functions).toHaveLength(Object.keys(FUNCTION_PERMISSIONS).length);
    expect(sentActions('createStack')).toEqual(
      new Set(['cloudformation:CreateStack', 'cloudformation:DeleteStack', 'cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents', 'iam:PassRole', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query']),
    );
    expect(sentActions('authorizeApiKey')).toEqual(new Set(['dynamodb:GetItem']));
    expect(sentActions('slackCommand')).toEqual(new Set(['dynamodb:PutItem', 'events:PutEvents']));
    expect(sentActions('openApi')).toEqual(new Set());
    expect(sentActions(FIXTURE)).toEqual(new Set(['states:StartExecution']));
  });

  it('has no function whose role lacks an action its code sends, or allows one it never sends', () => {
    const drifts: Record<string, PermissionDrift> = {};
    for (const fn of functions) {
      const drift = permissionDrift(sentActions(fn.name), allowedActions(fn.role));
      if (drift.missing.length || drift.unused.length) drifts[fn.name] = drift;
    }

    expect(drifts).toEqual({});
  });

  it('reports a new SDK call as missing from the role, and a permission nobody uses as unused', () => {
    const getClusterRole = functions.find((fn) => fn.name === 'getCluster')!.role;

    // Prepare: getCluster's code with one more call (the fixture's StartExecution) and its role as deployed.
    const grown = new Set([...sentActions('getCluster'), ...sentActions(FIXTURE)]);
    const shrunk = new Set([...sentActions('getCluster')].filter((action) => action !== 'dynamodb:Query'));

    // Act / Assess
    expect(permissionDrift(grown, allowedActions(getClusterRole))).toEqual({ missing: ['states:StartExecution'], unused: [] });
    expect(permissionDrift(shrunk, allowedActions(getClusterRole))).toEqual({ missing: [], unused: ['dynamodb:Query'] });
  });

  it('lets only the code that holds a table’s adapter reach that table', () => {
    const TABLE_ADAPTERS: Record<string, string[]> = {
      ApiKeysTable: ['src/adapters/dynamodb/api-key-store.ts'],
      IdempotencyTable: ['src/adapters/dynamodb/idempotency.ts', 'src/adapters/dynamodb/replay-guard.ts'],
      ClustersTable: ['src/adapters/dynamodb/cluster-store.ts', 'src/adapters/dynamodb/delivery-store.ts', 'src/adapters/dynamodb/quota-ledger.ts', 'src/adapters/dynamodb/workflow-waits.ts'],
    };
    for (const fn of functions) {
      const sources = code.get(fn.name)!.sources;
      const policy = JSON.stringify(statementsOf(fn.role));
      for (const [table, adapters] of Object.entries(TABLE_ADAPTERS)) {
        expect({ function: fn.name, table, reaches: policy.includes(`"${table}"`) }).toEqual({ function: fn.name, table, reaches: adapters.some((a) => sources.has(a)) });
      }
    }
  });

  it('gives every statement of a role its own Sid (IAM wants them unique within a policy)', () => {
    for (const fn of functions) {
      const sids = statementsOf(fn.role).map((s) => s.Sid);
      expect(new Set(sids).size).toBe(sids.length);
    }
  });
});

describe('from SDK commands to IAM actions', () => {
  it('maps each command to its action, adding the role pass that CreateStack and DeleteStack with a service role need', () => {
    expect(iamActionsOf(['sfn:StartExecution', 'lambda:Invoke', 'eventbridge:PutEvents', 'cloudformation:CreateStack', 'dynamodb:DescribeEndpoints'])).toEqual(
      new Set(['states:StartExecution', 'lambda:InvokeFunction', 'events:PutEvents', 'cloudformation:CreateStack', 'iam:PassRole']),
    );
  });

  it('refuses a client it has no IAM prefix for, rather than guessing', () => {
    expect(() => iamActionsOf(['s3:PutObject'])).toThrow(/no IAM prefix known for the SDK client "s3"/);
  });
});
