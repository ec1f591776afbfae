import {
  bootstrapFailureCause,
  CONSOLE_TAIL_CHARS,
  failedSignalInstanceIds,
  isNodeBootstrapFailure,
  nodeDiagnostics,
  redactSecrets,
  tailOf,
} from '../../../src/domain/diagnostics';
import type { StackEventView } from '../../../src/domain/stack';

const event = (at: string, reason: string, status = 'CREATE_FAILED', type = 'AWS::AutoScaling::AutoScalingGroup'): StackEventView => ({
  timestamp: at,
  logicalResourceId: 'ManagerAsg',
  resourceType: type,
  resourceStatus: status,
  resourceStatusReason: reason,
});

describe('redacting secrets from a node log', () => {
  it('removes swarm join tokens, AWS access key ids and the values after password= and token=', () => {
    // Prepare
    const log = [
      '+ docker swarm join --token SWMTKN-1-49nj1cmql0jkz5s954yi3oex3nedyz0fb0xx14ie39trti4wxv-8vxv8rssmk743ojnwacrr2e7c 10.0.1.10:2377',
      'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE and ASIAQEXAMPLE7SIMUL8X',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'curl https://x.example/?user=a&password=hunter2&token=abc.def done',
      'db password="s3cr3t" ok',
    ].join('\n');

    // Act
    const redacted = redactSecrets(log);

    // Assess
    for (const secret of ['SWMTKN-1', 'AKIAIOSFODNN7EXAMPLE', 'ASIAQEXAMPLE7SIMUL8X', 'wJalrXUtnFEMI', 'hunter2', 'abc.def', 's3cr3t']) {
      expect(redacted).not.toContain(secret);
    }
    expect(redacted).toContain('docker swarm join --token [REDACTED] 10.0.1.10:2377');
    expect(redacted).toContain('password=[REDACTED]&token=[REDACTED] done');
  });

  it('leaves a log without secrets as it was', () => {
    const log = 'cloud-init[2011]: This node joined a swarm as a worker.\nError response from daemon: x';
    expect(redactSecrets(log)).toBe(log);
  });
});

describe('capping a node log', () => {
  it('keeps the last whole lines within the cap and says it cut', () => {
    const log = Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n');

    const { text, truncated } = tailOf(log);

    expect(truncated).toBe(true);
    expect(text.length).toBeLessThanOrEqual(CONSOLE_TAIL_CHARS);
    expect(text.endsWith('line 2999')).toBe(true);
    expect(text.split('\n')[0]).toMatch(/^line \d+$/);
  });

  it('keeps a short log whole', () => {
    expect(tailOf('a\nb')).toEqual({ text: 'a\nb', truncated: false });
  });
});

describe('the cause in a node log', () => {
  it('is the line where docker swarm join failed', () => {
    const log = [
      '[    2.3] cloud-init[1702]: Cloud-init v. 22.2.2 running',
      'cloud-init[2011]: + docker swarm join --token [REDACTED] 10.0.1.10:2377',
      'cloud-init[2011]: Error response from daemon: Timeout was reached before node joined. The attempt to join the swarm will continue in the background.',
      'cloud-init[2011]: + exit 1',
    ].join('\n');

    expect(bootstrapFailureCause(log)).toBe(
      'cloud-init[2011]: Error response from daemon: Timeout was reached before node joined. The attempt to join the swarm will continue in the background.',
    );
  });

  it('is absent from a log of a node that came up', () => {
    expect(bootstrapFailureCause('cloud-init[2011]: This node joined a swarm as a manager.\n+ cfn-signal --success true')).toBeUndefined();
  });

  it('is taken after redaction, so a node’s diagnostics never carry the token', () => {
    const node = nodeDiagnostics('i-0abc', 'docker swarm join --token SWMTKN-1-abc-def 10.0.0.1:2377\nError response from daemon: rejected token=SWMTKN-1-abc-def');

    expect(node.cause).toBe('Error response from daemon: rejected token=[REDACTED]');
    expect(node.consoleOutput).not.toContain('SWMTKN');
  });
});

describe('which failures are nodes that did not come up', () => {
  it('reads a FAILURE signal and a signal timeout of a group as such, and names the instances that signalled FAILURE', () => {
    // The reasons CloudFormation gives (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-creationpolicy.html).
    const failure = [
      event('2026-01-01T00:00:02Z', 'Received FAILURE signal with UniqueId i-0b22', 'CREATE_IN_PROGRESS'),
      event('2026-01-01T00:00:01Z', 'Received FAILURE signal with UniqueId i-0a11', 'CREATE_IN_PROGRESS'),
      event('2026-01-01T00:00:03Z', 'Received 2 FAILURE signal(s) out of 3. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement'),
    ];
    const timeout = [event('2026-01-01T00:00:03Z', 'Received 0 SUCCESS signals out of 3. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement')];

    expect(isNodeBootstrapFailure(failure)).toBe(true);
    expect(failedSignalInstanceIds(failure)).toEqual(['i-0a11', 'i-0b22']);
    expect(isNodeBootstrapFailure(timeout)).toBe(true);
    expect(failedSignalInstanceIds(timeout)).toEqual([]);
  });

  it('does not read a vCPU limit or another resource’s failure as one', () => {
    expect(isNodeBootstrapFailure([event('t', 'You have requested more vCPU capacity than your current vCPU limit of 32 allows')])).toBe(false);
    expect(isNodeBootstrapFailure([event('t', 'Resource handler returned message: "signal"', 'CREATE_FAILED', 'AWS::EC2::VPC')])).toBe(false);
  });
});
