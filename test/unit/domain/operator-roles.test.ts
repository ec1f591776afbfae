/**
 * Which IAM callers are operators, and which names an API key may carry. ARN shapes are IAM's: a role is
 * `arn:<partition>:iam::<12-digit account>:role/<path/>Name` and an assumed-role session is
 * `arn:<partition>:sts::<account>:assumed-role/<Name>/<session>` with no path ("IAM identifiers", "IAM ARNs",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns). Partitions are
 * `aws`, `aws-cn`, `aws-us-gov`, ... (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
 */
import { asCaller, isOperatorArn, KEY_PRINCIPAL_PATTERN, mayAccess } from '../../../src/domain/access';

const OPERATOR_ROLE = 'arn:aws:iam::123456789012:role/ops/team/OnCall';

describe('an operator role recognised from the caller’s ARN', () => {
  it.each([
    ['a session of the role', 'arn:aws:sts::123456789012:assumed-role/OnCall/jane', true],
    ['the role itself, under another path', 'arn:aws:iam::123456789012:role/OnCall', true],
    ['the role itself, same path', OPERATOR_ROLE, true],
    ['the same role name in another partition', 'arn:aws-cn:sts::123456789012:assumed-role/OnCall/jane', false],
    ['an account id one digit short', 'arn:aws:sts::12345678901:assumed-role/OnCall/jane', false],
    ['an assumed role without a session name', 'arn:aws:sts::123456789012:assumed-role/OnCall', false],
    ['a session name with a slash in it (not an assumed-role ARN)', 'arn:aws:sts::123456789012:assumed-role/OnCall/jane/extra', false],
    ['a role ARN with something before it', 'x-arn:aws:iam::123456789012:role/OnCall', false],
    ['an assumed-role ARN with something before it', 'x-arn:aws:sts::123456789012:assumed-role/OnCall/jane', false],
    ['a role ARN ending in a slash', 'arn:aws:iam::123456789012:role/OnCall/', false],
    ['a role name that only starts like the operator’s', 'arn:aws:iam::123456789012:role/OnCallers', false],
    ['a federated user of the same account', 'arn:aws:sts::123456789012:federated-user/OnCall', false],
    ['not an ARN', 'OnCall', false],
  ])('%s: %s → %s', (_case, callerArn, expected) => {
    // Act / Assess
    expect(isOperatorArn(callerArn, [OPERATOR_ROLE])).toBe(expected);
  });

  it('skips operator entries that are not role ARNs instead of matching anything against them', () => {
    // Prepare: a malformed entry would parse to nothing; it must not match a caller that parses to nothing either.
    const roles = ['not-an-arn', 'arn:aws:iam::123456789012:user/OnCall'];

    // Act / Assess
    expect(isOperatorArn('arn:aws:sts::123456789012:assumed-role/OnCall/jane', roles)).toBe(false);
    expect(isOperatorArn('not-an-arn', roles)).toBe(false);
  });

  it('finds the operator role among several, also when it is given as an assumed-role ARN', () => {
    // Act / Assess
    expect(isOperatorArn('arn:aws-us-gov:iam::210987654321:role/Reaper', ['arn:aws:iam::123456789012:role/Other', 'arn:aws-us-gov:sts::210987654321:assumed-role/Reaper/s'])).toBe(true);
  });
});

describe('a caller given by its owner name', () => {
  it('is that owner, without operator rights', () => {
    // Act
    const caller = asCaller('alice');

    // Assess
    expect(caller).toEqual({ principal: 'alice', operator: false });
    expect(mayAccess(caller, { owner: 'bob' }, 'read')).toBe(false);
  });

  it('keeps a full caller as it is', () => {
    // Prepare
    const operator = { principal: 'reaper', operator: true };

    // Act / Assess
    expect(asCaller(operator)).toBe(operator);
  });
});

describe('the names an API key may carry', () => {
  it.each(['a', 'arnold', 'slacker', 'A9.b_c:d@e/f-g', `x${'y'.repeat(127)}`])('accepts %s', (name) => {
    expect(KEY_PRINCIPAL_PATTERN.test(name)).toBe(true);
  });

  it.each(['arn:aws:iam::1:user/x', 'slack:T1:U2', '.hidden', '-dash', 'has space', 'tab\there', 'ümlaut', `x${'y'.repeat(128)}`, 'ok\n'])('refuses %j', (name) => {
    expect(KEY_PRINCIPAL_PATTERN.test(name)).toBe(false);
  });
});
