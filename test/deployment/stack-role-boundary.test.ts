/**
 * The CloudFormation service role (SwarmStackRole, templates/stack-role-policy.json) creates the node roles of every
 * Swarm stack. Anything that can create a stack through it could otherwise create a role with any policy; this proves
 * statically that no statement lets it create or widen a role without the node boundary
 * (templates/node-permissions-boundary.json), and that the boundary covers what the template's node roles use.
 *
 * The rules come from AWS:
 * - iam:PermissionsBoundary is a condition key of CreateRole, PutRolePolicy, AttachRolePolicy, DeleteRolePolicy,
 *   DetachRolePolicy, PutRolePermissionsBoundary and DeleteRolePermissionsBoundary (Service Authorization Reference,
 *   "Actions defined by AWS Identity and Access Management":
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html).
 * - Delegating role creation safely = allow the writes only with that condition, deny removing the boundary, and
 *   keep the boundary policy itself out of reach (IAM User Guide, "Permissions boundaries for IAM entities",
 *   delegating responsibility: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
 * - A negated operator (StringNotEquals) matches when the key is absent, so a Deny with it also catches a CreateRole
 *   sent with no boundary at all (IAM User Guide, "Condition operators", negated matching:
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 * - Only Sid, Effect, Principal/NotPrincipal, Action/NotAction, Resource/NotResource and Condition may appear in a
 *   statement (IAM User Guide, "IAM JSON policy element reference":
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCloudFormationTemplate } from '../../sandbox/cloudformation-yaml';
import { PACKAGE_TIMEOUT_MS, packagedResources, packagedServiceDir, ROOT } from './support/packaged-service';

type Statement = { Sid?: string; Effect: 'Allow' | 'Deny'; Action?: string | string[]; NotAction?: unknown; Resource?: unknown; NotResource?: unknown; Condition?: Record<string, Record<string, unknown>> };
type Policy = { Version: string; Statement: Statement[] };

const ACCOUNT = '123456789012';
const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/swarm-provisioner-test-swarm-node-boundary`;
const BOUNDARY_REF = { Ref: 'SwarmNodePermissionsBoundary' };
const readPolicy = (file: string): Policy => JSON.parse(readFileSync(join(ROOT, 'templates', file), 'utf8'));
const stackRolePolicy = () => readPolicy('stack-role-policy.json');
const boundaryPolicy = () => readPolicy('node-permissions-boundary.json');

/** IAM's wildcards: `*` any run of characters (`:` and `/` included), `?` one character; case-insensitive for actions. */
const glob = (pattern: string, flags = '') => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, flags);
const actionsOf = (s: Statement): string[] => [s.Action ?? []].flat();
const allows = (s: Statement, action: string) => actionsOf(s).some((pattern) => glob(pattern, 'i').test(action));

/** A resource of the policy files as a concrete ARN pattern (the deployment's pseudo parameters filled in). */
function resourcePatterns(resource: unknown): string[] {
  return [resource ?? []].flat().map((item) => {
    if (typeof item === 'string') return item;
    if (JSON.stringify(item) === JSON.stringify(BOUNDARY_REF)) return BOUNDARY_ARN;
    const sub = (item as { 'Fn::Sub'?: string })['Fn::Sub'];
    if (typeof sub === 'string') return sub.replace('${AWS::Partition}', 'aws').replace('${AWS::AccountId}', ACCOUNT).replace('${AWS::Region}', 'us-east-1');
    throw new Error(`cannot read the resource ${JSON.stringify(item)}`);
  });
}
const covers = (s: Statement, arn: string) => resourcePatterns(s.Resource).some((pattern) => glob(pattern).test(arn));

/** IAM writes that give a role permissions it did not have; each must be conditioned on the boundary. */
const GRANTING_ROLE_WRITES = ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:PutRolePermissionsBoundary'];
/** Writes that lift a boundary, change who may use a role, or make other principals; never allowed. */
const NEVER_ALLOWED = [
  'iam:DeleteRolePermissionsBoundary',
  'iam:UpdateAssumeRolePolicy',
  'iam:CreateUser', 'iam:PutUserPolicy', 'iam:AttachUserPolicy', 'iam:PutUserPermissionsBoundary', 'iam:DeleteUserPermissionsBoundary', 'iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile', 'iam:AddUserToGroup',
  'iam:CreateGroup', 'iam:PutGroupPolicy', 'iam:AttachGroupPolicy',
];
/** Writes that would change what the boundary itself allows. */
const POLICY_WRITES = ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicyVersion', 'iam:DeletePolicy', 'iam:CreatePolicy'];

/** Every way the policy lets its holder create or widen a role without the boundary; empty when there is none. */
function unboundedRolePaths(policy: Policy): string[] {
  const problems: string[] = [];
  const keys = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
  for (const s of policy.Statement) {
    const name = s.Sid ?? JSON.stringify(s.Action);
    for (const key of Object.keys(s)) if (!keys.has(key)) problems.push(`${name}: "${key}" is not an IAM policy element (the policy would be refused)`);
    if (s.Effect !== 'Allow') continue;
    if (s.NotAction !== undefined || s.NotResource !== undefined) problems.push(`${name}: NotAction/NotResource in an Allow cannot be bounded`);
    for (const pattern of actionsOf(s)) if (/[*?]/.test(pattern) && (pattern === '*' || pattern.toLowerCase().startsWith('iam:'))) problems.push(`${name}: wildcard action ${pattern}`);
    for (const action of GRANTING_ROLE_WRITES.filter((a) => allows(s, a))) {
      const condition = s.Condition ?? {};
      const bound = JSON.stringify(condition.StringEquals?.['iam:PermissionsBoundary']) === JSON.stringify(BOUNDARY_REF);
      const others = Object.keys(condition).filter((operator) => operator !== 'StringEquals');
      if (!bound || others.length) problems.push(`${name}: ${action} without StringEquals iam:PermissionsBoundary = the node boundary`);
    }
    for (const action of NEVER_ALLOWED.filter((a) => allows(s, a))) problems.push(`${name}: allows ${action}`);
    for (const action of POLICY_WRITES.filter((a) => allows(s, a))) if (covers(s, BOUNDARY_ARN)) problems.push(`${name}: ${action} reaches the boundary policy`);
  }
  const denies = policy.Statement.filter((s) => s.Effect === 'Deny');
  const denied = (action: string, arn: string, condition?: Record<string, unknown>) =>
    denies.some((s) => allows(s, action) && covers(s, arn) && JSON.stringify(s.Condition ?? null) === JSON.stringify(condition ?? null));
  if (!denied('iam:DeleteRolePermissionsBoundary', `arn:aws:iam::${ACCOUNT}:role/anything`)) problems.push('no Deny of iam:DeleteRolePermissionsBoundary on every role');
  for (const action of POLICY_WRITES.filter((a) => a !== 'iam:CreatePolicy')) if (!denied(action, BOUNDARY_ARN)) problems.push(`no Deny of ${action} on the boundary policy`);
  for (const action of GRANTING_ROLE_WRITES) {
    if (!denied(action, `arn:aws:iam::${ACCOUNT}:role/anything`, { StringNotEquals: { 'iam:PermissionsBoundary': BOUNDARY_REF } })) problems.push(`no Deny of ${action} without the boundary`);
  }
  return problems;
}

describe('the stack role (templates/stack-role-policy.json)', () => {
  it('cannot create or widen a role without the node boundary, nor lift or change the boundary', () => {
    expect(unboundedRolePaths(stackRolePolicy())).toEqual([]);
  });

  it('is what the deployment gives SwarmStackRole, next to the boundary policy it names', async () => {
    const resources = packagedResources(packagedServiceDir());
    expect(resources.SwarmStackRole!.Properties.Policies).toEqual([{ PolicyName: 'swarm-stack-resources', PolicyDocument: stackRolePolicy() }]);
    const boundary = resources.SwarmNodePermissionsBoundary!.Properties;
    expect(boundary.PolicyDocument).toEqual(boundaryPolicy());
    // The name the test resolves the Ref to, and one the stack role's own policy/swarm-c-* statements cannot reach.
    expect(`arn:aws:iam::${ACCOUNT}:policy/${boundary.ManagedPolicyName}`).toBe(BOUNDARY_ARN);
  }, PACKAGE_TIMEOUT_MS);

  describe('the check finds each way round the boundary (negative cases)', () => {
    const withStatement = (change: (statements: Statement[]) => Statement[]): Policy => {
      const policy = stackRolePolicy();
      return { ...policy, Statement: change(policy.Statement) };
    };
    const bounded = (s: Statement) => s.Sid === 'CreateAndChangeNodeRolesOnlyWithTheBoundary';

    it('reports a role write whose boundary condition was dropped', () => {
      const policy = withStatement((all) => all.map((s) => (bounded(s) ? { ...s, Condition: undefined } : s)));
      expect(unboundedRolePaths(policy)).toEqual(expect.arrayContaining(['CreateAndChangeNodeRolesOnlyWithTheBoundary: iam:CreateRole without StringEquals iam:PermissionsBoundary = the node boundary']));
    });

    it('reports a boundary condition loosened to any policy', () => {
      const policy = withStatement((all) => all.map((s) => (bounded(s) ? { ...s, Condition: { StringLike: { 'iam:PermissionsBoundary': '*' } } } : s)));
      expect(unboundedRolePaths(policy)).toContain('CreateAndChangeNodeRolesOnlyWithTheBoundary: iam:PutRolePolicy without StringEquals iam:PermissionsBoundary = the node boundary');
    });

    it('reports an iam wildcard, an allowed boundary removal and a policy-version write on the boundary', () => {
      const policy = withStatement((all) => [
        ...all,
        { Sid: 'Everything', Effect: 'Allow', Action: 'iam:*', Resource: '*' },
        { Sid: 'Unbound', Effect: 'Allow', Action: ['iam:DeleteRolePermissionsBoundary'], Resource: '*' },
        { Sid: 'RewriteBoundary', Effect: 'Allow', Action: ['iam:CreatePolicyVersion'], Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/*' } },
      ]);
      expect(unboundedRolePaths(policy)).toEqual(
        expect.arrayContaining([
          'Everything: wildcard action iam:*',
          'Everything: iam:CreateRole without StringEquals iam:PermissionsBoundary = the node boundary',
          'Unbound: allows iam:DeleteRolePermissionsBoundary',
          'RewriteBoundary: iam:CreatePolicyVersion reaches the boundary policy',
        ]),
      );
    });

    it('reports a missing Deny and a statement element IAM would refuse', () => {
      const policy = withStatement((all) => [...all.filter((s) => s.Sid !== 'TheBoundaryStays'), { Sid: 'Noted', Effect: 'Allow', Action: 'ec2:DescribeVpcs', Resource: '*', Comment: 'x' } as Statement]);
      expect(unboundedRolePaths(policy)).toEqual(['Noted: "Comment" is not an IAM policy element (the policy would be refused)', 'no Deny of iam:DeleteRolePermissionsBoundary on every role']);
    });
  });
});

describe('the node boundary (templates/node-permissions-boundary.json)', () => {
  const template = parseCloudFormationTemplate(readFileSync(join(ROOT, 'templates', 'swarm.yaml'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
  };

  it('is on every role the Swarm template creates, from the PermissionsBoundaryArn parameter', () => {
    const roles = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role');
    expect(roles.map(([id]) => id).sort()).toEqual(['ManagerRole', 'WorkerRole']);
    for (const [, role] of roles) expect(role.Properties.PermissionsBoundary).toEqual({ Ref: 'PermissionsBoundaryArn' });
    // Users and groups have boundaries of their own, which nothing here sets: the template makes none.
    expect(Object.values(template.Resources).filter((r) => ['AWS::IAM::User', 'AWS::IAM::Group'].includes(r.Type))).toEqual([]);
  });

  it('allows every action the node roles are granted, on the resources a cluster stack names', () => {
    // One stack's resources, as CloudFormation names them for the stack swarm-c-<id>.
    const stack = 'swarm-c-01jz0000000000000000000000';
    const arnOf: Record<string, string> = {
      LogGroup: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/swarm/c-01jz0000000000000000000000:*`,
      SwarmTable: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${stack}-SwarmTable-1ABCDEF`,
      'AWS::StackId': `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${stack}/8f0e4b20-0000-11ef-0000-000000000000`,
    };
    const resolve = (resource: any): string => {
      if (resource['Fn::GetAtt']) return arnOf[resource['Fn::GetAtt'][0]]!;
      if (resource.Ref) return arnOf[resource.Ref]!;
      return (resource['Fn::Sub'] as string).replace('${AWS::Partition}', 'aws').replace('${AWS::Region}', 'us-east-1').replace('${AWS::AccountId}', ACCOUNT).replace('${AWS::StackName}', stack);
    };
    const granted = [
      ...template.Resources.NodePolicy!.Properties.PolicyDocument.Statement,
      ...['ManagerRole', 'WorkerRole'].flatMap((role) => template.Resources[role]!.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement)),
    ] as Statement[];
    const boundary = boundaryPolicy().Statement;
    const outside: string[] = [];
    for (const statement of granted) {
      for (const action of actionsOf(statement)) {
        const arn = resolve(statement.Resource);
        if (!boundary.some((b) => b.Effect === 'Allow' && allows(b, action) && covers(b, arn))) outside.push(`${action} on ${arn}`);
      }
    }
    expect(granted.length).toBeGreaterThan(5);
    expect(outside).toEqual([]);
  });

  it('allows the SSM agent exactly what AmazonSSMManagedInstanceCore grants, which the node roles attach', () => {
    // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html (version 2)
    const managed = [
      'ssm:DescribeAssociation', 'ssm:GetDeployablePatchSnapshotForInstance', 'ssm:GetDocument', 'ssm:DescribeDocument', 'ssm:GetManifest', 'ssm:GetParameter', 'ssm:GetParameters',
      'ssm:ListAssociations', 'ssm:ListInstanceAssociations', 'ssm:PutInventory', 'ssm:PutComplianceItems', 'ssm:PutConfigurePackageResult', 'ssm:UpdateAssociationStatus',
      'ssm:UpdateInstanceAssociationStatus', 'ssm:UpdateInstanceInformation', 'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel',
      'ssmmessages:OpenDataChannel', 'ec2messages:AcknowledgeMessage', 'ec2messages:DeleteMessage', 'ec2messages:FailMessage', 'ec2messages:GetEndpoint', 'ec2messages:GetMessages', 'ec2messages:SendReply',
    ];
    const agent = boundaryPolicy().Statement.find((s) => s.Sid === 'SystemsManagerAgent')!;
    expect([...actionsOf(agent)].sort()).toEqual([...managed].sort());
  });

  it('grants nothing in IAM, no wildcard action, and nothing on "*" but the SSM agent', () => {
    for (const statement of boundaryPolicy().Statement) {
      expect(statement.Effect).toBe('Allow');
      for (const action of actionsOf(statement)) {
        expect(action).not.toMatch(/[*?]/);
        expect(action).not.toMatch(/^(iam|sts|organizations):/);
      }
      if (statement.Resource === '*') expect(statement.Sid).toBe('SystemsManagerAgent');
    }
  });
});
