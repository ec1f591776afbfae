/**
 * The edges of a node's diagnostics: where the tail is cut (the cap to the character, a cut on the last newline), which
 * line is the cause when several patterns match, what is stripped from it (the kernel's `[ seconds]` stamp, blanks, past
 * 300 characters), which stack events mean nodes did not come up, and the first diagnosed cause. The signal reasons are
 * CloudFormation's (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-creationpolicy.html);
 * the console output is GetConsoleOutput's (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetConsoleOutput.html).
 */
import {
  bootstrapFailureCause,
  diagnosedCause,
  failedSignalInstanceIds,
  isNodeBootstrapFailure,
  newDiagnosticsRequestId,
  nodeDiagnostics,
  redactSecrets,
  tailOf,
} from '../../../src/domain/diagnostics';
import type { StackEventView } from '../../../src/domain/stack';

const groupEvent = (timestamp: string, reason: string | undefined, resourceType = 'AWS::AutoScaling::AutoScalingGroup'): StackEventView => ({
  timestamp,
  logicalResourceId: 'WorkerAsg',
  resourceType,
  resourceStatus: 'CREATE_FAILED',
  ...(reason === undefined ? {} : { resourceStatusReason: reason }),
});

describe('the tail kept of a console log', () => {
  it('keeps a log of exactly the cap whole', () => {
    expect(tailOf('abc\ndef', 7)).toEqual({ text: 'abc\ndef', truncated: false });
  });

  it('cuts one character over the cap at the next line start', () => {
    // Act
    const tail = tailOf('abc\ndefg', 7);

    // Assess
    expect(tail).toEqual({ text: 'defg', truncated: true });
  });

  it('drops only the newline when the cut starts on one', () => {
    expect(tailOf('ab\ncdef', 5)).toEqual({ text: 'cdef', truncated: true });
    expect(tailOf('xy\nabcde', 6)).toEqual({ text: 'abcde', truncated: true });
  });

  it('keeps the cut when its only newline is the last character, rather than keep nothing', () => {
    expect(tailOf('abcdef\n', 4)).toEqual({ text: 'def\n', truncated: true });
  });

  it('keeps the cut when it has no newline at all', () => {
    expect(tailOf('abcdefgh', 3)).toEqual({ text: 'fgh', truncated: true });
  });

  it('cuts at the first newline of the cut, not a later one', () => {
    expect(tailOf('0123\nab\ncd\nef', 10)).toEqual({ text: 'ab\ncd\nef', truncated: true });
  });
});

describe('the redaction of secrets, edge by edge', () => {
  it.each([
    ['aws_session_token: IQoJb3JpZ2luX2VjE', 'aws_session_token: [REDACTED]'],
    ['AWS_SECRET_ACCESS_KEY=abc/def', 'AWS_SECRET_ACCESS_KEY=[REDACTED]'],
    ['PASSWORD = hunter2 next', 'PASSWORD = [REDACTED] next'],
    ['secret: "abc"', 'secret: "[REDACTED]"'],
    ['passwd=x&y=1', 'passwd=[REDACTED]&y=1'],
    ['key AKIAIOSFODNN7EXAMPL end', 'key AKIAIOSFODNN7EXAMPL end'],
    ['SWMTKN-1-abc-DEF-123 rest', '[REDACTED] rest'],
  ])('turns %j into %j', (text, redacted) => {
    expect(redactSecrets(text)).toBe(redacted);
  });
});

describe('the cause line of a node log', () => {
  it('prefers the daemon’s error to a later generic ERROR line, whatever their order', () => {
    // Prepare
    const log = 'cloud-init: ERROR: bootstrap exited 1\ncloud-init: Error response from daemon: manager unreachable';

    // Act
    const cause = bootstrapFailureCause(log);

    // Assess
    expect(cause).toBe('cloud-init: Error response from daemon: manager unreachable');
  });

  it('reads a failed swarm init, a FAILURE signal and a FATAL line', () => {
    expect(bootstrapFailureCause('+ docker swarm init --advertise-addr 10.0.0.5 FAILED: address in use')).toBe('+ docker swarm init --advertise-addr 10.0.0.5 FAILED: address in use');
    expect(bootstrapFailureCause('+ /opt/aws/bin/cfn-signal --success false --stack s')).toBe('+ /opt/aws/bin/cfn-signal --success false --stack s');
    expect(bootstrapFailureCause('+ cfn-signal -e 1 -s false')).toBe('+ cfn-signal -e 1 -s false');
    expect(bootstrapFailureCause('boot: FATAL disk not found')).toBe('boot: FATAL disk not found');
  });

  it('strips the kernel’s time stamp at the start of the line and the blanks around the line', () => {
    expect(bootstrapFailureCause('ok\r\n[  123.456789]   ERROR: no route to host  \r\nnext')).toBe('ERROR: no route to host');
  });

  it('keeps a bracketed number that is not at the start of the line', () => {
    expect(bootstrapFailureCause('x [ 1.5] ERROR: y')).toBe('x [ 1.5] ERROR: y');
  });

  it('trims the line to 300 characters', () => {
    // Act
    const cause = bootstrapFailureCause(`ERROR: ${'x'.repeat(400)}`);

    // Assess
    expect(cause).toBe(`ERROR: ${'x'.repeat(293)}`);
  });

  it('is absent from an empty log', () => {
    expect(bootstrapFailureCause('')).toBeUndefined();
  });
});

describe('which stack events mean nodes did not come up', () => {
  it.each([
    ['Received FAILURE signal with UniqueId i-0a11', true],
    ['received failure signal with uniqueid i-0a11', true],
    ['Received 0 SUCCESS signals out of 2. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement', true],
    ['RECEIVED 0 SUCCESS SIGNALS OUT OF 2', true],
    ['Failed to receive 1 resource signal(s) within the specified duration', false],
    ['Instance failed: FAILURE to launch', false],
  ])('an Auto Scaling group’s %j: %s', (reason, failure) => {
    expect(isNodeBootstrapFailure([groupEvent('2026-01-01T00:00:00Z', reason)])).toBe(failure);
  });

  it('reads no failure from a group event without a reason, or from no events', () => {
    expect(isNodeBootstrapFailure([groupEvent('2026-01-01T00:00:00Z', undefined)])).toBe(false);
    expect(isNodeBootstrapFailure([])).toBe(false);
  });

  it('finds a group’s failure among other resources’ events', () => {
    // Prepare
    const events = [groupEvent('t1', 'Received FAILURE signal with UniqueId i-1', 'AWS::EC2::Instance'), groupEvent('t2', 'Received FAILURE signal with UniqueId i-2')];

    // Act
    const failure = isNodeBootstrapFailure(events);

    // Assess
    expect(failure).toBe(true);
  });
});

describe('the instances that signalled FAILURE', () => {
  it('names each instance once, in the order it first signalled, and skips events without a reason', () => {
    // Prepare
    const events = [
      groupEvent('2026-01-01T00:00:03Z', 'Received FAILURE signal with UniqueId i-0a11'),
      groupEvent('2026-01-01T00:00:02Z', undefined),
      groupEvent('2026-01-01T00:00:01Z', 'Received FAILURE signal with UniqueId i-0b22'),
      groupEvent('2026-01-01T00:00:04Z', 'Received FAILURE signal with UniqueId i-0b22'),
      groupEvent('2026-01-01T00:00:05Z', 'Received SUCCESS signal with UniqueId i-0c33'),
    ];

    // Act
    const ids = failedSignalInstanceIds(events);

    // Assess
    expect(ids).toEqual(['i-0b22', 'i-0a11']);
  });

  it('leaves the events in the order they were given', () => {
    // Prepare
    const events = [groupEvent('2026-01-01T00:00:02Z', 'a'), groupEvent('2026-01-01T00:00:01Z', 'b')];

    // Act
    failedSignalInstanceIds(events);

    // Assess
    expect(events.map((e) => e.resourceStatusReason)).toEqual(['a', 'b']);
  });
});

describe('a node’s diagnostics and the collection’s cause', () => {
  it('carries no cause for a log that shows none', () => {
    expect(nodeDiagnostics('i-1', 'all good')).toEqual({ instanceId: 'i-1', consoleOutput: 'all good', truncated: false });
  });

  it('is the first node with a cause, named by its instance', () => {
    // Prepare
    const nodes = [
      { instanceId: 'i-1', consoleOutput: '', truncated: false },
      { instanceId: 'i-2', consoleOutput: 'x', truncated: false, cause: 'ERROR: disk' },
      { instanceId: 'i-3', consoleOutput: 'y', truncated: false, cause: 'ERROR: net' },
    ];

    // Act
    const cause = diagnosedCause(nodes);

    // Assess
    expect(cause).toBe('i-2: ERROR: disk');
  });

  it('is absent when no node shows a cause', () => {
    expect(diagnosedCause([{ instanceId: 'i-1', consoleOutput: '', truncated: false }])).toBeUndefined();
  });

  it('names a request dr- and a lower-case ULID', () => {
    expect(newDiagnosticsRequestId()).toMatch(/^dr-[0-9a-hjkmnp-tv-z]{26}$/);
  });
});
