/**
 * Packages the service with the Serverless Framework (osls, no AWS credentials needed) and reads the generated
 * CloudFormation template: routes, state machine wiring and IAM scoping are checked on what would be deployed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHAT_COMMAND_RECEIVED } from '../../src/domain/chatops';
import { DIAGNOSTICS_REQUESTED } from '../../src/domain/diagnostics';
import { apiKeysTableDefinition, clustersTableDefinition } from '../../src/adapters/dynamodb/table-design';
import { httpRoutes } from '../../src/handlers/http/routes';
import { workflowRows } from '../../src/handlers/workflow/registry';
import { PACKAGE_TIMEOUT_MS, packagedResources, packagedServiceDir, ROOT, type Resource } from './support/packaged-service';
import { lintTemplate, loadResourceSpecification, type TemplateSize } from '../template/support/cfn-lint';

let resources: Record<string, Resource>;
let outDir: string;

const logicalFunctionId = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`;

beforeAll(() => {
  outDir = packagedServiceDir();
  resources = packagedResources(outDir);
}, PACKAGE_TIMEOUT_MS);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
type Statement = { Sid?: string; Effect: string; Action: string[] | string; Resource: unknown; Condition?: unknown };
const roleIdOf = (fn: Resource) => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
const statementsOf = (roleId: string): Statement[] => resources[roleId]!.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
/** Every statement of every function's role. */
const functionStatements = (): Statement[] => ofType('AWS::Lambda::Function').flatMap(([, fn]) => statementsOf(roleIdOf(fn)));

describe('serverless package', () => {
  it('targets the nodejs22.x runtime for every function', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(10);
    for (const [, fn] of functions) expect(fn.Properties.Runtime).toBe('nodejs22.x');
  });

  describe('two HTTP APIs in front of the same functions', () => {
    const routesOf = (api: string) => ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.ApiId.Ref === api);
    const integrationOf = (api: string, route: Resource) => {
      const target = route.Properties.Target as string | { 'Fn::Join': [string, [string, { Ref: string }]] };
      const id = typeof target === 'string' ? target.split('/')[1]! : target['Fn::Join'][1][1].Ref;
      const integration = resources[id]!;
      expect(integration.Properties.ApiId).toEqual({ Ref: api });
      return integration;
    };
    const callerRoutes = httpRoutes.filter((r) => r.auth === 'caller');
    const publicRoutes = httpRoutes.filter((r) => r.auth === 'public');
    const keyOf = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

    it('the IAM API declares exactly the routes the local HTTP API serves, each on its function', () => {
      const routes = routesOf('HttpApi');
      expect(routes.map(([, r]) => r.Properties.RouteKey as string).sort()).toEqual(httpRoutes.map(keyOf).sort());
      for (const route of httpRoutes) {
        const [, declared] = routes.find(([, r]) => r.Properties.RouteKey === keyOf(route))!;
        expect(JSON.stringify(integrationOf('HttpApi', declared).Properties.IntegrationUri)).toContain(logicalFunctionId(route.functionName));
      }
    });

    it('the IAM API protects every route but Slack’s and the console’s with IAM authorization; those have no authorizer (Slack’s checks signatures, the console’s page is public)', () => {
      expect(publicRoutes.map(keyOf)).toEqual(['GET /console']);
      for (const [, route] of routesOf('HttpApi')) {
        const declared = httpRoutes.find((r) => keyOf(r) === route.Properties.RouteKey)!;
        if (declared.auth === 'slack-signature' || declared.auth === 'public') expect(route.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
        else expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
      }
    });

    it('the key API carries the console’s public page, without an authorizer, on the same function (same origin as the API its calls go to)', () => {
      for (const route of publicRoutes) {
        const [, declared] = routesOf('KeysHttpApi').find(([, r]) => r.Properties.RouteKey === keyOf(route))!;
        expect(declared.Properties.AuthorizationType).toBe('NONE');
        expect(declared.Properties.AuthorizerId).toBeUndefined();
        expect(integrationOf('KeysHttpApi', declared).Properties.IntegrationUri).toEqual({ 'Fn::GetAtt': [logicalFunctionId(route.functionName), 'Arn'] });
      }
    });

    it('the key API carries every authenticated route again, each behind the API-key authorizer and on the same function', () => {
      const routes = routesOf('KeysHttpApi').filter(([, r]) => !publicRoutes.some((p) => keyOf(p) === r.Properties.RouteKey));
      expect(routesOf('KeysHttpApi')).toHaveLength(callerRoutes.length + publicRoutes.length);
      expect(routes.map(([, r]) => r.Properties.RouteKey as string).sort()).toEqual(callerRoutes.map(keyOf).sort());
      for (const route of callerRoutes) {
        const [, declared] = routes.find(([, r]) => r.Properties.RouteKey === keyOf(route))!;
        expect(declared.Properties.AuthorizationType).toBe('CUSTOM');
        expect(declared.Properties.AuthorizerId).toEqual({ Ref: 'KeysHttpApiAuthorizer' });
        const integration = integrationOf('KeysHttpApi', declared).Properties;
        expect(integration).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
        expect(integration.IntegrationUri).toEqual({ 'Fn::GetAtt': [logicalFunctionId(route.functionName), 'Arn'] });
        const permission = ofType('AWS::Lambda::Permission').find(
          ([, p]) => JSON.stringify(p.Properties.FunctionName).includes(logicalFunctionId(route.functionName)) && JSON.stringify(p.Properties.SourceArn).includes('KeysHttpApi'),
        );
        expect(permission).toBeDefined();
      }
    });

    it('the API-key authorizer is a payload 2.0, simple-response Lambda authorizer whose results are never cached', () => {
      const authorizers = ofType('AWS::ApiGatewayV2::Authorizer');
      expect(authorizers).toHaveLength(1);
      const authorizer = resources.KeysHttpApiAuthorizer!.Properties;
      expect(authorizer).toMatchObject({ AuthorizerType: 'REQUEST', AuthorizerPayloadFormatVersion: '2.0', EnableSimpleResponses: true, AuthorizerResultTtlInSeconds: 0 });
      // No identity source: with one, API Gateway would answer a request without it by itself, not with our 401.
      expect(authorizer.IdentitySource ?? []).toEqual([]);
      expect(JSON.stringify(authorizer.AuthorizerUri)).toContain(logicalFunctionId('authorizeApiKey'));
      const invoke = ofType('AWS::Lambda::Permission').filter(([, p]) => JSON.stringify(p.Properties.FunctionName).includes(logicalFunctionId('authorizeApiKey')));
      expect(invoke).toHaveLength(1);
      expect(JSON.stringify(invoke[0]![1].Properties.SourceArn)).toContain('/authorizers/');
    });

    it('the authorizer runs with a role that can read the keys table and nothing else of the service', () => {
      const authorizer = resources.AuthorizeApiKeyLambdaFunction!;
      const data = statementsOf(roleIdOf(authorizer)).filter((s) => ![s.Action].flat().every((a) => a.startsWith('logs:')));
      expect(data).toEqual([{ Sid: 'ReadApiKeys', Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: { 'Fn::GetAtt': ['ApiKeysTable', 'Arn'] } }]);
      // …and no other function's role can read key hashes at all.
      for (const [id, fn] of ofType('AWS::Lambda::Function')) {
        if (id !== 'AuthorizeApiKeyLambdaFunction') expect(JSON.stringify(statementsOf(roleIdOf(fn)))).not.toContain('ApiKeysTable');
      }
    });

    it('gives the Slack bot token only to the function that posts with it and the sweep that checks it is set', () => {
      const holders = ofType('AWS::Lambda::Function')
        .filter(([, fn]) => fn.Properties.Environment.Variables.SLACK_BOT_TOKEN !== undefined)
        .map(([id]) => id)
        .sort();
      expect(holders).toEqual([logicalFunctionId('attemptDelivery'), logicalFunctionId('healthSweep')].sort());
    });

    it('hands Slack commands to the worker as events of its own source on the default bus, which only the Slack function may put', () => {
      const env = resources.SlackCommandLambdaFunction!.Properties.Environment.Variables;
      expect(env.SLACK_COMMAND_SOURCE).toBe('swarm-provisioner.test.chatops');
      // The rule that runs the worker matches that source and the detail-type the dispatcher puts.
      const rules = ofType('AWS::Events::Rule').filter(([, rule]) => JSON.stringify(rule.Properties.Targets).includes(logicalFunctionId('slackWorker')));
      expect(rules).toHaveLength(1);
      const rule = rules[0]![1].Properties;
      expect(rule.EventBusName ?? 'default').toBe('default');
      expect(rule.EventPattern).toEqual({ source: [env.SLACK_COMMAND_SOURCE], 'detail-type': [CHAT_COMMAND_RECEIVED] });
      // One statement in the whole service allows PutEvents with that source: the Slack function's, on the default bus.
      const puts = functionStatements().filter((s) => [s.Action].flat().includes('events:PutEvents') && JSON.stringify(s.Condition).includes(env.SLACK_COMMAND_SOURCE));
      expect(puts).toEqual([
        {
          Sid: 'HandSlackCommandsToTheWorker',
          Effect: 'Allow',
          Action: ['events:PutEvents'],
          Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default' },
          Condition: { StringEquals: { 'events:source': env.SLACK_COMMAND_SOURCE } },
        },
      ]);
      expect(statementsOf(roleIdOf(resources.SlackCommandLambdaFunction!))).toContainEqual(puts[0]);
      // And nobody else may: the default bus's policy denies that source to every other principal of the account.
      const guards = ofType('AWS::Events::EventBusPolicy').map(([, policy]) => policy.Properties);
      expect(guards).toEqual([
        {
          EventBusName: 'default',
          StatementId: 'swarm-provisioner-test-chat-commands',
          Statement: {
            Effect: 'Deny',
            Principal: '*',
            Action: 'events:PutEvents',
            Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default' },
            Condition: {
              StringEquals: { 'events:source': env.SLACK_COMMAND_SOURCE },
              ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': ['SlackCommandFunctionRole', 'Arn'] } },
            },
          },
        },
      ]);
      expect(functionStatements().filter((s) => [s.Action].flat().some((a) => a.startsWith('lambda:')))).toEqual([]);
    });

    it('hands diagnostics collections to the collector as events of their own source on the default bus; PutEvents is allowed for no other source', () => {
      const env = resources.CollectClusterDiagnosticsLambdaFunction!.Properties.Environment.Variables;
      expect(env.DIAGNOSTICS_EVENT_SOURCE).toBe('swarm-provisioner.test.diagnostics');
      const rules = ofType('AWS::Events::Rule').filter(([, rule]) => JSON.stringify(rule.Properties.Targets).includes(logicalFunctionId('diagnosticsCollector')));
      expect(rules).toHaveLength(1);
      expect(rules[0]![1].Properties.EventPattern).toEqual({ source: [env.DIAGNOSTICS_EVENT_SOURCE], 'detail-type': [DIAGNOSTICS_REQUESTED] });
      const puts = functionStatements().filter((s) => [s.Action].flat().includes('events:PutEvents'));
      const sources = puts.map((s) => (s.Condition as { StringEquals?: Record<string, string> } | undefined)?.StringEquals?.['events:source']);
      expect(sources.sort()).toEqual(['swarm-provisioner.test.chatops', env.DIAGNOSTICS_EVENT_SOURCE].sort());
      const put = puts.find((s) => JSON.stringify(s.Condition).includes(env.DIAGNOSTICS_EVENT_SOURCE))!;
      expect(statementsOf(roleIdOf(resources.CollectClusterDiagnosticsLambdaFunction!))).toContainEqual(put);
      // The HTTP function reads no node: the EC2 and SSM actions are the collector's.
      expect(JSON.stringify(statementsOf(roleIdOf(resources.CollectClusterDiagnosticsLambdaFunction!)))).not.toMatch(/ec2:|ssm:/);
      expect(JSON.stringify(statementsOf(roleIdOf(resources.DiagnosticsCollectorLambdaFunction!)))).toMatch(/ec2:GetConsoleOutput[\s\S]*ssm:SendCommand|ssm:SendCommand[\s\S]*ec2:GetConsoleOutput/);
    });
  });

  // serverless.yml checked against the registry: one state machine per row, `<Pascal name>StateMachine`.
  const resourceOf = (name: string) => `${name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}StateMachine`;
  const machines = workflowRows.map((row) => ({ ...row, resource: resourceOf(row.name), deployedName: `swarm-provisioner-test-${row.name}` }));
  const roleOf = (resource: string) => (resources[resource]!.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

  it('declares exactly the state machines of the workflow registry', () => {
    expect(ofType('AWS::StepFunctions::StateMachine').map(([id]) => id).sort()).toEqual(machines.map((m) => m.resource).sort());
  });

  describe.each(machines)('the $name state machine', ({ resource, aslFile, tasks, deployedName }) => {
    it('is a Standard workflow deploying the ASL file unchanged, every placeholder filled by DefinitionSubstitutions', () => {
      const machine = resources[resource]!.Properties;
      expect(machine.StateMachineType).toBe('STANDARD');
      expect(machine.StateMachineName).toBe(deployedName);
      const asl = readFileSync(join(ROOT, 'statemachines', aslFile), 'utf8');
      expect(machine.DefinitionString).toBe(asl);
      const placeholders = new Set([...asl.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
      expect(new Set(Object.keys(machine.DefinitionSubstitutions))).toEqual(placeholders);
      for (const [token, functionName] of Object.entries(tasks)) {
        expect(machine.DefinitionSubstitutions[token]).toEqual({ 'Fn::GetAtt': [logicalFunctionId(functionName), 'Arn'] });
      }
    });

    it('has a role of its own that may invoke only its own task functions', () => {
      const role = roleOf(resource);
      expect(machines.filter((other) => roleOf(other.resource) === role)).toHaveLength(1);
      const statements = resources[role]!.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
      expect(statements).toHaveLength(1);
      expect(statements[0].Action).toBe('lambda:InvokeFunction');
      expect(statements[0].Resource.map((r: any) => r['Fn::GetAtt'][0]).sort()).toEqual(Object.values(tasks).map(logicalFunctionId).sort());
    });
  });

  it('has no circular dependency between resources (CloudFormation would refuse to deploy it)', () => {
    const referenced = (value: unknown, into: Set<string>): Set<string> => {
      if (Array.isArray(value)) value.forEach((item) => referenced(item, into));
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'Ref' && typeof inner === 'string') into.add(inner);
          else if (key === 'Fn::GetAtt') into.add(Array.isArray(inner) ? String(inner[0]) : String(inner).split('.')[0]!);
          else if (key === 'Fn::Sub') {
            const text = Array.isArray(inner) ? String(inner[0]) : String(inner);
            for (const match of text.matchAll(/\$\{([^}!.:]+)[}.]/g)) into.add(match[1]!);
            referenced(inner, into);
          } else referenced(inner, into);
        }
      }
      return into;
    };
    const edges = new Map(
      Object.entries(resources).map(([id, r]) => {
        const on = referenced((r as { Properties?: unknown }).Properties, new Set([(r as { DependsOn?: string | string[] }).DependsOn ?? []].flat()));
        return [id, [...on].filter((target) => target in resources)];
      }),
    );
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (id: string, path: string[]) => {
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(id)), id].join(' → '));
        return;
      }
      state.set(id, 'visiting');
      for (const target of edges.get(id) ?? []) visit(target, [...path, id]);
      state.set(id, 'done');
    };
    for (const id of edges.keys()) visit(id, []);
    expect(cycles).toEqual([]);
  });

  describe('the Lambda roles (test/deployment/function-permissions.test.ts compares each with its code)', () => {
    const statements = functionStatements;
    const actions = (s: { Action: string[] | string }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

    it('has no wildcard actions and no write action on "*" but the task-token callbacks', () => {
      for (const statement of statements()) {
        for (const action of actions(statement)) expect(action).not.toMatch(/\*/);
        // SendTaskSuccess/Failure/Heartbeat take no resource-level permission: IAM accepts only "*" for them (Service
        // Authorization Reference, AWS Step Functions: the three actions list no resource type). ssm:GetCommandInvocation
        // is a Read action with no resource type either (Service Authorization Reference, AWS Systems Manager,
        // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html); the
        // SendCommand it reads is scoped to the clusters' tagged instances. autoscaling:DescribeAutoScalingGroups and
        // ssm:DescribeInstanceInformation (the health sweep's reads) are List actions with no resource type in the same
        // reference (list_amazonec2autoscaling.html, list_awssystemsmanager.html): "*" is the only Resource IAM takes.
        if (statement.Resource === '*') {
          for (const action of actions(statement)) expect(action).toMatch(/^(ec2:Describe|logs:|xray:|states:SendTask(Success|Failure|Heartbeat)$|ssm:(GetCommandInvocation|DescribeInstanceInformation)$|autoscaling:DescribeAutoScalingGroups$)/);
        }
      }
    });

    it('lets only the functions that resume a waiting workflow answer task tokens', () => {
      const answering = ofType('AWS::Lambda::Function')
        .filter(([, fn]) => statementsOf(roleIdOf(fn)).some((s) => actions(s).some((a) => a.startsWith('states:SendTask'))))
        .map(([id]) => id)
        .sort();
      expect(answering).toEqual(['awaitCreation', 'awaitInstances', 'awaitStackRemoval', 'awaitStackUpdate', 'instanceEvents', 'stackEvents'].map(logicalFunctionId).sort());
    });

    it('gives every function a role of its own, trusted by Lambda only', () => {
      const functions = ofType('AWS::Lambda::Function');
      const roles = functions.map(([, fn]) => roleIdOf(fn));
      expect(new Set(roles).size).toBe(functions.length);
      expect(resources.IamRoleLambdaExecution).toBeUndefined();
      for (const role of roles) {
        expect(resources[role]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
      }
    });

    it('lets each function write to its own log group and no other', () => {
      for (const [id, fn] of ofType('AWS::Lambda::Function')) {
        const logs = statementsOf(roleIdOf(fn)).filter((s) => actions(s).some((a) => a.startsWith('logs:')));
        expect(logs).toHaveLength(1);
        expect(logs[0]!.Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
        expect(JSON.stringify(logs[0]!.Resource)).toContain(`:log-group:/aws/lambda/${fn.Properties.FunctionName}:*`);
        expect(id).toBe(logicalFunctionId(fn.Properties.FunctionName.replace('swarm-provisioner-test-', '')));
      }
    });

    it('creates and deletes only stacks named with the swarm- prefix, and only from the steps that do', () => {
      const swarmStacks = { 'Fn::Sub': 'arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:stack/swarm-c-*/*' };
      // Every CloudFormation statement any function holds, written out: one per kind of work, all on our stacks.
      const expected: Statement[] = [
        { Sid: 'ReadSwarmStacks', Effect: 'Allow', Action: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents'], Resource: swarmStacks },
        { Sid: 'CreateAndDeleteSwarmStacks', Effect: 'Allow', Action: ['cloudformation:CreateStack', 'cloudformation:DeleteStack'], Resource: swarmStacks },
        { Sid: 'UpdateSwarmStacks', Effect: 'Allow', Action: ['cloudformation:UpdateStack', 'cloudformation:ContinueUpdateRollback'], Resource: swarmStacks },
        { Sid: 'CancelSwarmStackUpdates', Effect: 'Allow', Action: ['cloudformation:CancelUpdateStack'], Resource: swarmStacks },
      ];
      const stackStatements = statements().filter((s) => actions(s).some((a) => a.startsWith('cloudformation:')));
      const distinct = [...new Map(stackStatements.map((s) => [JSON.stringify(s), s])).values()];
      expect(distinct.sort((a, b) => a.Sid!.localeCompare(b.Sid!))).toEqual([...expected].sort((a, b) => a.Sid!.localeCompare(b.Sid!)));

      // CreateStack and DeleteStack: the create step, the clean-up of a failed create, and the delete workflow's steps.
      const holding = (action: string) =>
        ofType('AWS::Lambda::Function')
          .filter(([, fn]) => statementsOf(roleIdOf(fn)).some((s) => actions(s).includes(action)))
          .map(([id]) => id)
          .sort();
      const stackWriters = ['createStack', 'deleteFailedStack', 'checkStackDeletion', 'removeStack', 'checkStackRemoval'].map(logicalFunctionId).sort();
      expect(holding('cloudformation:CreateStack')).toEqual(stackWriters);
      expect(holding('cloudformation:DeleteStack')).toEqual(stackWriters);
    });

    it('may start executions of the workflows, each on its own state machine as deployed, stop only create and update executions, and describe only cluster workflow executions', () => {
      const starts = statements().filter((s) => actions(s).includes('states:StartExecution'));
      const arns = new Set(starts.flatMap((s) => [s.Resource].flat().map((arn) => JSON.stringify(arn))));
      const deployedNames = new Set(machines.map((m) => m.deployedName));
      expect([...arns].sort()).toEqual([...deployedNames].map((name) => JSON.stringify({ 'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${name}` })).sort());
      for (const start of starts) expect(start.Action).toEqual(['states:StartExecution']);
      const stops = statements().filter((s) => actions(s).includes('states:StopExecution'));
      expect(stops.length).toBeGreaterThan(0);
      for (const stop of stops) {
        expect(stop.Action).toEqual(['states:StopExecution']);
        // A delete stops the create of a CREATING cluster, the update of an UPDATING one; nothing else.
        for (const arn of [stop.Resource].flat()) expect(JSON.stringify(arn)).toMatch(/:execution:swarm-provisioner-test-(create|update)-cluster:\*"\}$/);
      }
      // The reconciler's: whether the execution driving a CREATING/DELETING cluster still runs.
      const describes = statements().filter((s) => actions(s).includes('states:DescribeExecution'));
      expect(describes.length).toBeGreaterThan(0);
      for (const describe of describes) {
        expect(describe.Action).toEqual(['states:DescribeExecution']);
        expect(JSON.stringify(describe.Resource)).not.toContain('deliver-webhook');
      }
      const callbacks = statements().filter((s) => actions(s).some((action) => action.startsWith('states:SendTask')));
      for (const callback of callbacks) expect(callback.Action).toEqual(['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']);
      const other = statements().filter((s) => actions(s).some((action) => action.startsWith('states:')) && ![...starts, ...stops, ...describes, ...callbacks].includes(s));
      expect(other).toEqual([]);
    });

    it('hands every function the ARNs of the state machines as deployed', () => {
      for (const [, fn] of ofType('AWS::Lambda::Function')) {
        const variables = fn.Properties.Environment.Variables;
        for (const machine of machines) expect(JSON.stringify(variables[machine.arnVariable])).toMatch(new RegExp(`:stateMachine:${machine.deployedName}"}$`));
      }
    });

    it('may pass only the CloudFormation service role, and only to CloudFormation', () => {
      const pass = statements().filter((s) => actions(s).includes('iam:PassRole'));
      expect(pass.length).toBeGreaterThan(0);
      for (const statement of pass) {
        expect(statement.Action).toEqual(['iam:PassRole']);
        expect(statement.Resource).toEqual({ 'Fn::GetAtt': ['SwarmStackRole', 'Arn'] });
        expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } });
      }
    });

    it('hands the stack gateway the boundary the stack role demands (test/deployment/stack-role-boundary.test.ts)', () => {
      for (const [, fn] of ofType('AWS::Lambda::Function')) {
        expect(fn.Properties.Environment.Variables.STACK_PERMISSIONS_BOUNDARY_ARN).toEqual({ Ref: 'SwarmNodePermissionsBoundary' });
      }
      expect(resources.SwarmNodePermissionsBoundary!.Type).toBe('AWS::IAM::ManagedPolicy');
    });
  });

  it('declares the API keys table with the key the store uses', () => {
    const table = resources.ApiKeysTable!.Properties;
    expect(table.KeySchema).toEqual(apiKeysTableDefinition('x').KeySchema);
    expect(table.TableName).toBe('swarm-provisioner-test-api-keys');
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
    expect(archive.includes('src/handlers/workflow/create-cluster/create-stack.js')).toBe(true);
  });

  const ruleOf = (name: string) =>
    ofType('AWS::Events::Rule').find(([, r]) => r.Properties.EventPattern && JSON.stringify(r.Properties.Targets).includes(logicalFunctionId(name)))?.[1].Properties;

  it('routes failed, timed-out and aborted executions of exactly the workflows that decide a cluster’s status (the registry rows with onEnded) to the backstop', () => {
    const rule = ruleOf('executionEnded')!;
    expect(rule.EventPattern.source).toEqual(['aws.states']);
    expect(rule.EventPattern.detail.status).toEqual(['FAILED', 'TIMED_OUT', 'ABORTED']);
    expect(rule.EventPattern.detail.stateMachineArn).toEqual(machines.filter((m) => m.onEnded).map((m) => ({ Ref: m.resource })));
    expect(JSON.stringify(rule.Targets)).toContain(logicalFunctionId('executionEnded'));
  });

  it('hands CloudFormation’s stack and resource status events of our stacks only to stackEvents', () => {
    const rule = ruleOf('stackEvents')!;
    expect(rule.EventPattern).toEqual({
      source: ['aws.cloudformation'],
      'detail-type': ['CloudFormation Stack Status Change', 'CloudFormation Resource Status Change'],
      // Wildcard filtering: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
      detail: { 'stack-id': [{ wildcard: 'arn:*:cloudformation:*:*:stack/swarm-c-*' }] },
    });
  });

  it('hands every EC2 instance state change to instanceEvents', () => {
    // The six states of https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-instance-state-changes.html
    expect(ruleOf('instanceEvents')!.EventPattern).toEqual({
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'] },
    });
  });

  it('hands Auto Scaling’s launches, terminate lifecycle actions and terminations in our clusters’ groups only to autoScalingEvents', () => {
    expect(ruleOf('autoScalingEvents')!.EventPattern).toEqual({
      source: ['aws.autoscaling'],
      // Detail types: https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-event-reference.html;
      // prefix matching: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
      'detail-type': ['EC2 Instance Launch Successful', 'EC2 Instance-terminate Lifecycle Action', 'EC2 Instance Terminate Successful'],
      detail: { AutoScalingGroupName: [{ prefix: 'swarm-c-' }] },
    });
  });

  it('lets DynamoDB expire the clusters table’s retired instance mappings by their `ttl`', () => {
    const table = ofType('AWS::DynamoDB::Table').find(([id]) => id === 'ClustersTable')?.[1];
    expect(table?.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
  });

  const scheduleOf = (name: string) =>
    ofType('AWS::Events::Rule').find(([, r]) => r.Properties.ScheduleExpression && JSON.stringify(r.Properties.Targets).includes(logicalFunctionId(name)))?.[1].Properties;

  it('runs the reaper on an EventBridge schedule', () => {
    expect(scheduleOf('reapClusters')?.ScheduleExpression).toBe('rate(5 minutes)');
  });

  it('runs the reconciler on an EventBridge schedule, allowed to describe and restart only the cluster workflows', () => {
    expect(scheduleOf('reconcileClusters')?.ScheduleExpression).toBe('rate(5 minutes)');
    expect(scheduleOf('healthSweep')?.ScheduleExpression).toBe('rate(5 minutes)');
    const statements = ofType('AWS::IAM::Role').flatMap(([, role]) => (role.Properties.Policies ?? []).flatMap((policy: any) => policy.PolicyDocument.Statement));
    const describe = statements.filter((statement: any) => [statement.Action].flat().includes('states:DescribeExecution'));
    expect(describe).toHaveLength(1);
    const resources = JSON.stringify(describe[0].Resource);
    expect(resources).toContain(':execution:swarm-provisioner-test-create-cluster:*');
    expect(resources).toContain(':execution:swarm-provisioner-test-delete-cluster:*');
  });
});

describe('the packaged templates against the CloudFormation resource specification', () => {
  // The same lint as templates/swarm.yaml (test/template/support/cfn-lint.ts), over everything the framework generated,
  // its own resources included (deployment bucket and its policy, log groups, versions, permissions, stages).
  it.each<[string, TemplateSize['sentAs'], string]>([
    // osls uploads the full template to the deployment bucket and updates the stack from its URL (lib/aws/lib/update-stack.js).
    ['cloudformation-template-update-stack.json', 'TemplateURL', 'AWS::Lambda::Function'],
    // The first deploy creates the stack with this core template inline (deploy/lib/create-stack.js).
    ['cloudformation-template-create-stack.json', 'TemplateBody', 'AWS::S3::Bucket'],
  ])('%s has no findings (sent as a %s)', (file, sentAs, expectedType) => {
    const text = readFileSync(join(outDir, file), 'utf8');
    const template = JSON.parse(text) as { Resources: Record<string, { Type: string }> };

    const findings = lintTemplate(template, loadResourceSpecification(), { bytes: Buffer.byteLength(text), sentAs });

    expect(Object.values(template.Resources).map((resource) => resource.Type)).toContain(expectedType);
    expect(findings).toEqual([]);
  });
});
