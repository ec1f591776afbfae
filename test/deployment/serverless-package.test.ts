/**
 * Packages the service with the Serverless Framework (osls, no AWS credentials needed) and reads the generated
 * CloudFormation template: routes, state machine wiring and IAM scoping are checked on what would be deployed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clustersTableDefinition } from '../../src/adapters/dynamodb/table-design';
import { httpRoutes } from '../../src/handlers/http/routes';
import { CREATE_CLUSTER_TASKS } from '../../src/handlers/workflow/create-cluster-steps';
import { DELETE_CLUSTER_TASKS } from '../../src/handlers/workflow/delete-cluster-steps';

const ROOT = resolve(__dirname, '../..');
type Resource = { Type: string; Properties: Record<string, any> };
let resources: Record<string, Resource>;
let outDir: string;

const logicalFunctionId = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`;

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'sls-package-'));
  execFileSync('npx', ['serverless', 'package', '--package', outDir, '--stage', 'test'], {
    cwd: ROOT,
    env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', SLS_TELEMETRY_DISABLED: '1' },
    stdio: 'pipe',
    timeout: 180_000,
  });
  resources = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
}, 200_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

describe('serverless package', () => {
  it('targets the nodejs22.x runtime for every function', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(10);
    for (const [, fn] of functions) expect(fn.Properties.Runtime).toBe('nodejs22.x');
  });

  it('declares exactly the routes the local HTTP API serves, each on its function', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey as string).sort();
    expect(routes).toEqual(httpRoutes.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of httpRoutes) {
      const integration = ofType('AWS::ApiGatewayV2::Integration').find(([, i]) => JSON.stringify(i.Properties.IntegrationUri).includes(logicalFunctionId(route.functionName)));
      expect(integration).toBeDefined();
    }
  });

  it('protects every cluster route with IAM authorization', () => {
    for (const [, route] of ofType('AWS::ApiGatewayV2::Route')) {
      if (route.Properties.RouteKey === 'GET /openapi.json') continue;
      expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
    }
  });

  const machines = [
    { logicalId: 'CreateClusterStateMachine', role: 'StateMachineRole', file: 'create-cluster', tasks: CREATE_CLUSTER_TASKS as Record<string, string> },
    { logicalId: 'DeleteClusterStateMachine', role: 'DeleteStateMachineRole', file: 'delete-cluster', tasks: DELETE_CLUSTER_TASKS as Record<string, string> },
  ];

  it.each(machines)('deploys the $file ASL file unchanged, with every placeholder filled by DefinitionSubstitutions', ({ logicalId, file, tasks }) => {
    const machine = resources[logicalId]!.Properties;
    const asl = readFileSync(join(ROOT, `statemachines/${file}.asl.json`), 'utf8');
    expect(machine.DefinitionString).toBe(asl);
    const placeholders = new Set([...asl.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect(new Set(Object.keys(machine.DefinitionSubstitutions))).toEqual(placeholders);
    for (const [token, functionName] of Object.entries(tasks)) {
      expect(machine.DefinitionSubstitutions[token]).toEqual({ 'Fn::GetAtt': [logicalFunctionId(functionName), 'Arn'] });
    }
  });

  it.each(machines)('lets $logicalId invoke only its own task functions', ({ logicalId, role, tasks }) => {
    expect(resources[logicalId]!.Properties.RoleArn).toEqual({ 'Fn::GetAtt': [role, 'Arn'] });
    const statements = resources[role]!.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('lambda:InvokeFunction');
    expect(statements[0].Resource.map((r: any) => r['Fn::GetAtt'][0]).sort()).toEqual(Object.values(tasks).map(logicalFunctionId).sort());
  });

  describe('the Lambda role', () => {
    const statements = () => {
      const role = resources.IamRoleLambdaExecution!.Properties;
      return role.Policies.flatMap((p: any) => p.PolicyDocument.Statement) as { Action: string[]; Resource: unknown; Condition?: unknown }[];
    };
    const actions = (s: { Action: string[] | string }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

    it('has no wildcard actions and no write action on "*"', () => {
      for (const statement of statements()) {
        for (const action of actions(statement)) expect(action).not.toMatch(/\*/);
        if (statement.Resource === '*') {
          for (const action of actions(statement)) expect(action).toMatch(/^(ec2:Describe|logs:|xray:)/);
        }
      }
    });

    it('creates and deletes only stacks named with the swarm- prefix', () => {
      const stackStatement = statements().find((s) => actions(s).includes('cloudformation:CreateStack'))!;
      expect(JSON.stringify(stackStatement.Resource)).toContain(':stack/swarm-c-*/*');
    });

    it('starts each workflow only on its own state machine, and stops only create executions', () => {
      const starts = statements().filter((s) => actions(s).includes('states:StartExecution'));
      expect(starts.map((s) => s.Resource)).toEqual([{ Ref: 'CreateClusterStateMachine' }, { Ref: 'DeleteClusterStateMachine' }]);
      const stops = statements().filter((s) => actions(s).includes('states:StopExecution'));
      expect(stops).toHaveLength(1);
      expect(JSON.stringify(stops[0]!.Resource)).toMatch(/:execution:swarm-provisioner-test-create-cluster:\*/);
    });

    it('may pass only the CloudFormation service role, and only to CloudFormation', () => {
      const pass = statements().filter((s) => actions(s).includes('iam:PassRole'));
      expect(pass).toHaveLength(1);
      expect(pass[0]!.Resource).toEqual({ 'Fn::GetAtt': ['SwarmStackRole', 'Arn'] });
      expect(pass[0]!.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } });
    });
  });

  it('declares the clusters table with the keys and indexes the store uses', () => {
    const table = resources.ClustersTable!.Properties;
    const expected = clustersTableDefinition('x');
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.KeySchema).toEqual(expected.KeySchema);
    expect(table.GlobalSecondaryIndexes).toEqual(expected.GlobalSecondaryIndexes);
    const byName = (a: { AttributeName: string }, b: { AttributeName: string }) => a.AttributeName.localeCompare(b.AttributeName);
    expect([...table.AttributeDefinitions].sort(byName)).toEqual([...expected.AttributeDefinitions!].sort(byName as never));
  });

  it('ships the Swarm template with the function that creates stacks', () => {
    // Zip entry names are stored uncompressed, so the archive's bytes name every file in it.
    const archive = readFileSync(join(outDir, 'createStack.zip'));
    expect(archive.includes('templates/swarm.yaml')).toBe(true);
    expect(archive.includes('src/handlers/workflow/create-cluster-steps.js')).toBe(true);
  });

  it('routes failed, timed-out and aborted create and delete executions to the backstop', () => {
    const rule = ofType('AWS::Events::Rule').find(([, r]) => r.Properties.EventPattern)![1].Properties;
    expect(rule.EventPattern.detail.status).toEqual(['FAILED', 'TIMED_OUT', 'ABORTED']);
    expect(rule.EventPattern.detail.stateMachineArn).toEqual([{ Ref: 'CreateClusterStateMachine' }, { Ref: 'DeleteClusterStateMachine' }]);
    expect(JSON.stringify(rule.Targets)).toContain(logicalFunctionId('executionEnded'));
  });

  it('runs the reaper on an EventBridge schedule', () => {
    const rule = ofType('AWS::Events::Rule').find(([, r]) => r.Properties.ScheduleExpression)![1].Properties;
    expect(rule.ScheduleExpression).toBe('rate(5 minutes)');
    expect(JSON.stringify(rule.Targets)).toContain(logicalFunctionId('reapClusters'));
  });
});
