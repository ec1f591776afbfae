/**
 * Who is calling and what they may do with a cluster. The owner of a cluster is the principal that created it; an
 * operator (the reaper, on-call people) may also read and delete anyone's cluster, and nothing more. No AWS in here.
 */

/** The authenticated caller of a request: always established by an authorizer, never read from a request body. */
export interface Caller {
  /** The owner name: an IAM ARN, an API key's principal, or `slack:<team>:<user>`. */
  principal: string;
  operator: boolean;
}

/**
 * What a route does to a cluster. `read`: GET a cluster, its nodes, events, deliveries. `delete`: DELETE it.
 * `change`: anything else that alters it (PATCH, recording activity, redelivering a webhook).
 */
export type ClusterAction = 'read' | 'delete' | 'change';

// Operators clean up and investigate; changing someone's cluster in any other way stays with its owner.
const OPERATOR_ACTIONS: ReadonlySet<ClusterAction> = new Set(['read', 'delete']);

export function mayAccess(caller: Caller, cluster: { owner: string }, action: ClusterAction): boolean {
  if (caller.principal === cluster.owner) return true;
  return caller.operator && OPERATOR_ACTIONS.has(action);
}

/** A caller given only as an owner name (code that predates operators) is an owner without operator rights. */
export function asCaller(caller: Caller | string): Caller {
  return typeof caller === 'string' ? { principal: caller, operator: false } : caller;
}

export const SLACK_PRINCIPAL_PREFIX = 'slack:';

/** The owner behind a Slack user: one per workspace and user, so quotas and tenancy apply to people in Slack too. */
export function slackPrincipal(teamId: string, userId: string): string {
  return `${SLACK_PRINCIPAL_PREFIX}${teamId}:${userId}`;
}

/**
 * Principal names an API key may carry. IAM callers are named by their ARN and Slack users by `slack:...`; a key
 * that could carry such a name would let whoever mints it impersonate them, so those namespaces are reserved.
 */
export const KEY_PRINCIPAL_PATTERN = /^(?!arn:)(?!slack:)[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;

/** The caller's ARN names one of the operator roles (an assumed-role session of it, or the role itself). */
export function isOperatorArn(callerArn: string, operatorRoleArns: readonly string[]): boolean {
  const caller = roleOfArn(callerArn);
  if (!caller) return false;
  return operatorRoleArns.some((roleArn) => {
    const operator = roleOfArn(roleArn);
    return operator !== undefined && operator.account === caller.account && operator.name === caller.name && operator.partition === caller.partition;
  });
}

/**
 * `arn:aws:iam::123:role/path/Name` and `arn:aws:sts::123:assumed-role/Name/session` both name role `Name` in
 * account 123. An assumed-role ARN carries no path, so roles are matched on account and name.
 */
function roleOfArn(arn: string): { partition: string; account: string; name: string } | undefined {
  const role = /^arn:([a-z-]+):iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/.exec(arn);
  if (role) return { partition: role[1]!, account: role[2]!, name: role[3]! };
  const assumed = /^arn:([a-z-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  if (assumed) return { partition: assumed[1]!, account: assumed[2]!, name: assumed[3]! };
  return undefined;
}
