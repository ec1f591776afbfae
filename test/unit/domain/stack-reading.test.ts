/**
 * How a failed create's and a stuck delete's stack events read: which failure is the root cause when several are
 * candidates (the stack's own, the cascade's "Resource creation cancelled", one without a reason), what is said when no
 * resource failed, and which DELETE_FAILED events block the latest delete. Statuses and reasons are CloudFormation's
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html).
 */
import { createProgress, deleteBlockersOf, deletionProgress, describeBlockers, rootCauseOf, type StackEventView } from '../../../src/domain/stack';

const STACK = 'swarm-c-1';
const event = (second: number, logicalResourceId: string, resourceStatus: string, resourceStatusReason?: string, resourceType = 'AWS::EC2::Subnet'): StackEventView => ({
  timestamp: `2026-11-26T12:00:${String(second).padStart(2, '0')}.000Z`,
  logicalResourceId,
  resourceType: logicalResourceId === STACK ? 'AWS::CloudFormation::Stack' : resourceType,
  resourceStatus,
  ...(resourceStatusReason === undefined ? {} : { resourceStatusReason }),
});

describe('the root cause of a failed create', () => {
  it('takes the earliest failure with its own reason, whatever order the events come in', () => {
    // Prepare
    const events = [event(5, 'Later', 'CREATE_FAILED', 'quota'), event(2, 'Earlier', 'CREATE_FAILED', 'no such AMI'), event(1, 'Vpc', 'CREATE_COMPLETE')];

    // Act
    const cause = rootCauseOf(events, STACK);

    // Assess
    expect(cause).toBe('Earlier (AWS::EC2::Subnet) CREATE_FAILED: no such AMI');
  });

  it.each(['Resource creation cancelled', 'ROLLBACK REQUESTED by user', 'The following resource(s) failed to create: [A]'])('passes over a failure that only says %j', (secondary) => {
    expect(rootCauseOf([event(1, 'Cascade', 'CREATE_FAILED', secondary), event(2, 'Real', 'UPDATE_FAILED', 'bad property')], STACK)).toBe('Real (AWS::EC2::Subnet) UPDATE_FAILED: bad property');
  });

  it('counts a failure without a reason as one with its own (it says nothing secondary)', () => {
    expect(rootCauseOf([event(1, 'Quiet', 'CREATE_FAILED'), event(2, 'Real', 'CREATE_FAILED', 'bad property')], STACK)).toBe('Quiet (AWS::EC2::Subnet) CREATE_FAILED: no reason given');
  });

  it('falls back to the first resource failure when every one is secondary, ahead of the stack’s own', () => {
    // Prepare
    const events = [event(1, STACK, 'CREATE_FAILED', 'The following resource(s) failed to create: [A]'), event(2, 'A', 'CREATE_FAILED', 'Resource creation cancelled'), event(3, 'B', 'CREATE_FAILED', 'Resource creation cancelled')];

    // Act
    const cause = rootCauseOf(events, STACK);

    // Assess
    expect(cause).toBe('A (AWS::EC2::Subnet) CREATE_FAILED: Resource creation cancelled');
  });

  it('takes the stack’s own failure when no resource failed', () => {
    expect(rootCauseOf([event(1, STACK, 'ROLLBACK_FAILED', 'Role is invalid')], STACK)).toBe('swarm-c-1 (AWS::CloudFormation::Stack) ROLLBACK_FAILED: Role is invalid');
  });

  it('reads the stack’s latest reason when nothing FAILED, and ignores other resources’ reasons', () => {
    // Prepare
    const events = [
      event(1, STACK, 'CREATE_IN_PROGRESS', 'User Initiated'),
      event(3, STACK, 'ROLLBACK_IN_PROGRESS', 'Parameter validation failed'),
      event(4, STACK, 'ROLLBACK_COMPLETE'),
      event(5, 'Vpc', 'DELETE_COMPLETE', 'gone'),
    ];

    // Act
    const cause = rootCauseOf(events, STACK);

    // Assess
    expect(cause).toBe('swarm-c-1 ROLLBACK_IN_PROGRESS: Parameter validation failed');
  });

  it('says so when nothing tells why', () => {
    expect(rootCauseOf([event(1, STACK, 'ROLLBACK_COMPLETE'), event(2, 'Vpc', 'DELETE_COMPLETE', 'gone')], STACK)).toBe('the stack failed without a resource failure event');
    expect(rootCauseOf([], STACK)).toBe('the stack failed without a resource failure event');
  });

  it('leaves the events it was given in their order', () => {
    // Prepare
    const events = [event(2, 'B', 'CREATE_FAILED', 'x'), event(1, 'A', 'CREATE_FAILED', 'y')];

    // Act
    rootCauseOf(events, STACK);
    deleteBlockersOf(events, STACK);

    // Assess
    expect(events.map((e) => e.logicalResourceId)).toEqual(['B', 'A']);
  });
});

describe('what blocks the latest delete', () => {
  it('lists each resource once, with its first reason, in the order they failed, leaving out the stack itself', () => {
    // Prepare
    const events = [
      event(9, 'Sg', 'DELETE_FAILED', 'still in use'),
      event(4, 'Sg', 'DELETE_FAILED', 'has a dependent object', 'AWS::EC2::SecurityGroup'),
      event(3, 'Bucket', 'DELETE_FAILED', undefined, 'AWS::S3::Bucket'),
      event(5, STACK, 'DELETE_FAILED', 'The following resource(s) failed to delete: [Bucket, Sg].'),
      event(2, 'Vpc', 'DELETE_IN_PROGRESS'),
      event(1, STACK, 'DELETE_IN_PROGRESS', 'User Initiated'),
    ];

    // Act
    const blockers = deleteBlockersOf(events, STACK);

    // Assess
    expect(blockers).toEqual([
      { logicalResourceId: 'Bucket', resourceType: 'AWS::S3::Bucket', reason: 'no reason given' },
      { logicalResourceId: 'Sg', resourceType: 'AWS::EC2::SecurityGroup', reason: 'has a dependent object' },
    ]);
    expect(describeBlockers(blockers)).toBe('Bucket (AWS::S3::Bucket): no reason given; Sg (AWS::EC2::SecurityGroup): has a dependent object');
  });

  it('reads every event when the stack’s DELETE_IN_PROGRESS is not among them', () => {
    expect(deleteBlockersOf([event(1, 'Sg', 'DELETE_FAILED', 'in use')], STACK)).toEqual([{ logicalResourceId: 'Sg', resourceType: 'AWS::EC2::Subnet', reason: 'in use' }]);
  });

  it('does not take a resource’s own DELETE_IN_PROGRESS for the start of the delete', () => {
    // Prepare
    const events = [event(1, STACK, 'DELETE_IN_PROGRESS'), event(2, 'Sg', 'DELETE_FAILED', 'in use'), event(3, 'Sg', 'DELETE_IN_PROGRESS')];

    // Act
    const blockers = deleteBlockersOf(events, STACK);

    // Assess
    expect(blockers.map((b) => b.logicalResourceId)).toEqual(['Sg']);
  });

  it('does not count a resource that failed otherwise', () => {
    expect(deleteBlockersOf([event(1, STACK, 'DELETE_IN_PROGRESS'), event(2, 'Sg', 'UPDATE_FAILED', 'x')], STACK)).toEqual([]);
  });
});

describe('stack statuses read for a create and a delete', () => {
  it.each([
    ['ROLLBACK_FAILED', 'failed'],
    ['DELETE_FAILED', 'failed'],
    ['DELETE_COMPLETE', 'failed'],
    ['DELETE_IN_PROGRESS', 'in_progress'],
  ])('a create’s %s reads as %s', (status, progress) => {
    expect(createProgress(status)).toBe(progress);
  });

  it.each([
    [undefined, 'deleted'],
    ['DELETE_COMPLETE', 'deleted'],
    ['DELETE_FAILED', 'failed'],
    ['ROLLBACK_IN_PROGRESS', 'in_progress'],
    ['UPDATE_COMPLETE', 'stalled'],
    ['CREATE_IN_PROGRESS_X', 'stalled'],
  ])('a delete’s %s reads as %s', (status, progress) => {
    expect(deletionProgress(status)).toBe(progress);
  });
});
