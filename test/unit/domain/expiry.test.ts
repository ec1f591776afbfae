import { autoDeleteAt, deletionDeadline, durationMs, reapDeadline, reaperDecision, reapReason } from '../../../src/domain/expiry';
import { deleteBlockersOf, deletionProgress, describeBlockers, type StackEventView } from '../../../src/domain/stack';
import { aCluster } from '../../support/clusters';

const T0 = '2026-11-26T12:00:00.000Z';
const plus = (ms: number, from = T0) => new Date(Date.parse(from) + ms);
const MINUTE = 60_000;

describe('ISO 8601 durations', () => {
  it.each([
    ['PT1M', MINUTE],
    ['PT30S', 30_000],
    ['PT1H30M', 90 * MINUTE],
    ['P1D', 24 * 60 * MINUTE],
    ['P1DT12H', 36 * 60 * MINUTE],
  ])('%s is %i ms', (duration, ms) => {
    expect(durationMs(duration)).toBe(ms);
  });

  it('refuses what the API does not accept', () => {
    expect(() => durationMs('P1M')).toThrow(RangeError);
    expect(() => durationMs('1 minute')).toThrow(RangeError);
  });
});

describe('deletion deadline', () => {
  it('is undefined without an expiry or an idle timeout', () => {
    expect(deletionDeadline(aCluster({ status: 'READY' }))).toBeUndefined();
  });

  // Idle deadline T0 + 10 min throughout; only the expiry moves, so the earlier of the two is what decides.
  const both = (expiresInMs: number) => aCluster({ status: 'READY', lastActivityAt: T0, readyAt: T0, idleTimeout: 'PT10M', expiresAt: plus(expiresInMs).toISOString() });

  it('is the expiry when that comes first', () => {
    expect(deletionDeadline(both(3 * MINUTE))).toEqual({ at: plus(3 * MINUTE), reason: 'expired' });
  });

  it('is the idle deadline when that comes first', () => {
    expect(deletionDeadline(both(30 * MINUTE))).toEqual({ at: plus(10 * MINUTE), reason: 'idle' });
  });

  it('is the expiry on a tie', () => {
    expect(deletionDeadline(both(10 * MINUTE))).toEqual({ at: plus(10 * MINUTE), reason: 'expired' });
  });

  it('starts the idle clock when the cluster became READY, not when it was requested', () => {
    const cluster = aCluster({ status: 'READY', lastActivityAt: T0, readyAt: plus(5 * MINUTE).toISOString(), idleTimeout: 'PT1M' });
    expect(deletionDeadline(cluster)).toEqual({ at: plus(6 * MINUTE), reason: 'idle' });
  });

  it('moves the idle deadline with the last activity', () => {
    const cluster = aCluster({ status: 'READY', readyAt: T0, lastActivityAt: plus(10 * MINUTE).toISOString(), idleTimeout: 'PT1M' });
    expect(deletionDeadline(cluster)?.at).toEqual(plus(11 * MINUTE));
  });

  it('has no idle deadline while CREATING, but keeps the expiry', () => {
    expect(deletionDeadline(aCluster({ status: 'CREATING', idleTimeout: 'PT1M' }))).toBeUndefined();
    expect(deletionDeadline(aCluster({ status: 'CREATING', idleTimeout: 'PT1M', expiresAt: plus(MINUTE).toISOString() }))?.reason).toBe('expired');
  });

  it('shows autoDeleteAt while the cluster exists, and keys the reaper index only for READY and FAILED', () => {
    const fields = { lastActivityAt: T0, readyAt: T0, failedAt: T0, expiresAt: plus(MINUTE).toISOString() };
    expect(autoDeleteAt(aCluster({ status: 'CREATING', ...fields }))).toBe(plus(MINUTE).toISOString());
    expect(reapDeadline(aCluster({ status: 'CREATING', ...fields }))).toBeUndefined();
    expect(reapDeadline(aCluster({ status: 'READY', ...fields }))).toBe(plus(MINUTE).toISOString());
    expect(reapDeadline(aCluster({ status: 'FAILED', ...fields }))).toBe(plus(MINUTE).toISOString());
    for (const status of ['DELETING', 'DELETED', 'DELETE_FAILED'] as const) {
      expect(autoDeleteAt(aCluster({ status, ...fields }))).toBeUndefined();
      expect(reapDeadline(aCluster({ status, ...fields }))).toBeUndefined();
    }
  });
});

describe('reaper decision', () => {
  const idle = (overrides = {}) => aCluster({ status: 'READY', lastActivityAt: T0, readyAt: T0, idleTimeout: 'PT10M', ...overrides });
  const LEAD = 2 * MINUTE;

  it('does nothing before the reminder time', () => {
    expect(reaperDecision(idle(), plus(7 * MINUTE), LEAD)).toEqual({ action: 'none' });
  });

  it('reminds within the lead time, once per deadline', () => {
    const deadline = plus(10 * MINUTE);
    expect(reaperDecision(idle(), plus(8 * MINUTE), LEAD)).toEqual({ action: 'remind', deadline: { at: deadline, reason: 'idle' } });
    expect(reaperDecision(idle({ expiryReminderFor: deadline.toISOString() }), plus(9 * MINUTE), LEAD)).toEqual({ action: 'none' });
  });

  it('reminds again when activity moved the deadline', () => {
    const moved = idle({ expiryReminderFor: plus(10 * MINUTE).toISOString(), lastActivityAt: plus(5 * MINUTE).toISOString() });
    expect(reaperDecision(moved, plus(13 * MINUTE + 1), LEAD)).toMatchObject({ action: 'remind' });
  });

  it('deletes at the deadline, reminding first if no reminder went out for it', () => {
    const deadline = plus(10 * MINUTE);
    expect(reaperDecision(idle({ expiryReminderFor: deadline.toISOString() }), deadline, LEAD)).toEqual({ action: 'delete', deadline: { at: deadline, reason: 'idle' }, remindFirst: false });
    expect(reaperDecision(idle(), plus(11 * MINUTE), LEAD)).toMatchObject({ action: 'delete', remindFirst: true });
  });

  it('leaves clusters it does not reap alone', () => {
    for (const status of ['CREATING', 'DELETING', 'DELETED', 'DELETE_FAILED'] as const) {
      expect(reaperDecision(idle({ status, expiresAt: T0 }), plus(60 * MINUTE), LEAD)).toEqual({ action: 'none' });
    }
  });

  it('says why in the status reason', () => {
    expect(reapReason(idle(), { at: plus(10 * MINUTE), reason: 'idle' })).toBe(`idle for PT10M (no activity since ${T0}): deleting`);
    expect(reapReason(idle(), { at: plus(MINUTE), reason: 'expired' })).toBe(`expired at ${plus(MINUTE).toISOString()}: deleting`);
  });
});

describe('stack deletion', () => {
  it.each([
    [undefined, 'deleted'],
    ['DELETE_COMPLETE', 'deleted'],
    ['DELETE_IN_PROGRESS', 'in_progress'],
    ['ROLLBACK_IN_PROGRESS', 'in_progress'],
    ['DELETE_FAILED', 'failed'],
    ['CREATE_COMPLETE', 'stalled'],
    ['ROLLBACK_COMPLETE', 'stalled'],
  ])('%s reads as %s', (status, progress) => {
    expect(deletionProgress(status)).toBe(progress);
  });

  const event = (second: number, logicalResourceId: string, resourceStatus: string, resourceStatusReason?: string, resourceType = 'AWS::EC2::SecurityGroup'): StackEventView => ({
    timestamp: `2026-11-26T12:00:${String(second).padStart(2, '0')}.000Z`,
    logicalResourceId,
    resourceType,
    resourceStatus,
    resourceStatusReason,
  });

  it('names the resources that failed in the latest delete, not those of an earlier attempt', () => {
    const events = [
      event(1, 'swarm-c-1', 'DELETE_IN_PROGRESS', 'User Initiated', 'AWS::CloudFormation::Stack'),
      event(2, 'OldBlocker', 'DELETE_FAILED', 'an earlier problem'),
      event(3, 'swarm-c-1', 'DELETE_FAILED', 'The following resource(s) failed to delete: [OldBlocker]. ', 'AWS::CloudFormation::Stack'),
      event(4, 'swarm-c-1', 'DELETE_IN_PROGRESS', 'User Initiated', 'AWS::CloudFormation::Stack'),
      event(5, 'ManagerAsg', 'DELETE_COMPLETE', undefined, 'AWS::AutoScaling::AutoScalingGroup'),
      event(6, 'SwarmWideSecurityGroup', 'DELETE_FAILED', 'resource sg-1 has a dependent object'),
      event(7, 'swarm-c-1', 'DELETE_FAILED', 'The following resource(s) failed to delete: [SwarmWideSecurityGroup]. ', 'AWS::CloudFormation::Stack'),
    ].reverse();

    const blockers = deleteBlockersOf(events, 'swarm-c-1');

    expect(blockers).toEqual([{ logicalResourceId: 'SwarmWideSecurityGroup', resourceType: 'AWS::EC2::SecurityGroup', reason: 'resource sg-1 has a dependent object' }]);
    expect(describeBlockers(blockers)).toBe('SwarmWideSecurityGroup (AWS::EC2::SecurityGroup): resource sg-1 has a dependent object');
    expect(describeBlockers([])).toBe('no resource reported why');
  });
});

describe('idleAction hibernate', () => {
  const T = '2026-11-26T12:00:00.000Z';
  const idle = (overrides = {}) => aCluster({ status: 'READY', lastActivityAt: T, readyAt: T, idleTimeout: 'PT10M', idleAction: 'hibernate', ...overrides });
  const at10 = new Date(Date.parse(T) + 10 * 60_000);

  it('hibernates a READY cluster at its idle deadline instead of deleting it, and shows no autoDeleteAt for it', () => {
    expect(reaperDecision(idle(), at10, 0)).toEqual({ action: 'hibernate', deadline: { at: at10, reason: 'idle', action: 'hibernate' }, remindFirst: true });
    expect(autoDeleteAt(idle())).toBeUndefined();
    expect(reapDeadline(idle())).toBe(at10.toISOString());
  });

  it('deletes at the expiry when it comes first, and deletes a FAILED or UPDATE_FAILED cluster left idle (only READY hibernates)', () => {
    expect(reaperDecision(idle({ expiresAt: '2026-11-26T12:05:00.000Z' }), at10, 0)).toMatchObject({ action: 'delete', deadline: { reason: 'expired' } });
    expect(reaperDecision(idle({ status: 'UPDATE_FAILED' }), at10, 0)).toMatchObject({ action: 'delete', deadline: { reason: 'idle' } });
    expect(reaperDecision(idle({ status: 'FAILED', failedAt: T }), at10, 0)).toMatchObject({ action: 'delete' });
  });

  it('gives a HIBERNATED cluster no idle deadline, only its expiry', () => {
    expect(reaperDecision(idle({ status: 'HIBERNATED' }), new Date(Date.parse(T) + 86_400_000), 0)).toEqual({ action: 'none' });
    expect(autoDeleteAt(idle({ status: 'HIBERNATED', expiresAt: '2026-11-27T00:00:00.000Z' }))).toBe('2026-11-27T00:00:00.000Z');
  });

  it('leaves a cluster mid-operation alone', () => {
    for (const status of ['CREATING', 'UPDATING', 'DELETING'] as const) expect(reaperDecision(idle({ status, expiresAt: T }), at10, 0)).toEqual({ action: 'none' });
  });
});
