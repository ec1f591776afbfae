/**
 * What the reaper announces and when: the `cluster.expiring` notice and its words, the status reason of a reaped
 * cluster, the exact edges of the reminder window and of the deadline, and which statuses keep a deadline in the
 * reaper's index. Durations are the ISO 8601 subset the API accepts (domain/duration.ts).
 */
import { autoDeleteAt, durationMs, expiringNotice, idleSince, reapDeadline, reaperDecision, reapReason, reminderText } from '../../../src/domain/expiry';
import { aCluster } from '../../support/clusters';

const T0 = '2026-11-26T12:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000);
const idle = (overrides = {}) => aCluster({ status: 'READY', lastActivityAt: T0, readyAt: T0, idleTimeout: 'PT10M', ...overrides });

describe('the cluster.expiring notice', () => {
  it('announces a delete at the expiry', () => {
    // Act / Assess
    expect(expiringNotice(idle({ expiresAt: at(5).toISOString() }))).toEqual({ action: 'delete', at: at(5).toISOString(), reason: 'expired' });
  });

  it('announces a hibernation for an idle READY cluster that hibernates', () => {
    // Act / Assess
    expect(expiringNotice(idle({ idleAction: 'hibernate' }))).toEqual({ action: 'hibernate', at: at(10).toISOString(), reason: 'idle' });
  });

  it('announces the idle end when it comes before the expiry', () => {
    // Act / Assess
    expect(expiringNotice(idle({ expiresAt: at(60).toISOString() }))).toEqual({ action: 'delete', at: at(10).toISOString(), reason: 'idle' });
  });

  it('has nothing to announce without an expiry or an idle timeout', () => {
    // Act / Assess
    expect(expiringNotice(aCluster({ status: 'READY' }))).toBeUndefined();
  });

  it.each([
    ['an expiry', idle(), { at: at(5), reason: 'expired' as const }, `will be deleted at ${at(5).toISOString()}: it expires`],
    ['an idle delete', idle(), { at: at(10), reason: 'idle' as const }, `will be deleted at ${at(10).toISOString()}: it has been idle for PT10M`],
    [
      'an idle hibernation',
      idle(),
      { at: at(10), reason: 'idle' as const, action: 'hibernate' as const },
      `will be hibernated at ${at(10).toISOString()} (workers scaled to 0, managers kept; wake restores them): it has been idle for PT10M`,
    ],
    ['an idle delete without a recorded timeout', idle({ idleTimeout: undefined }), { at: at(10), reason: 'idle' as const }, `will be deleted at ${at(10).toISOString()}: it has been idle for its idle timeout`],
  ])('says what happens for %s', (_case, cluster, deadline, text) => {
    // Act / Assess
    expect(reminderText(cluster, deadline)).toBe(text);
  });

  it('gives a hibernated cluster the hibernating status reason', () => {
    // Act / Assess
    expect(reapReason(idle(), { at: at(10), reason: 'idle', action: 'hibernate' })).toBe(`idle for PT10M (no activity since ${T0}): hibernating`);
  });
});

describe('the edges of the reminder window and the deadline', () => {
  const LEAD_MS = 2 * 60_000;

  it('reminds from exactly the lead time before the deadline, not a millisecond earlier', () => {
    // Act
    const justBefore = reaperDecision(idle(), new Date(at(8).getTime() - 1), LEAD_MS);
    const onTheDot = reaperDecision(idle(), at(8), LEAD_MS);

    // Assess
    expect(justBefore).toEqual({ action: 'none' });
    expect(onTheDot).toEqual({ action: 'remind', deadline: { at: at(10), reason: 'idle' } });
  });

  it('deletes from exactly the deadline, and only reminds a millisecond before it', () => {
    // Act
    const justBefore = reaperDecision(idle(), new Date(at(10).getTime() - 1), LEAD_MS);
    const onTheDot = reaperDecision(idle(), at(10), LEAD_MS);

    // Assess
    expect(justBefore).toMatchObject({ action: 'remind' });
    expect(onTheDot).toEqual({ action: 'delete', deadline: { at: at(10), reason: 'idle' }, remindFirst: true });
  });

  it('does nothing for a reapable cluster with no deadline at all', () => {
    // Act / Assess
    expect(reaperDecision(aCluster({ status: 'READY' }), at(1000), LEAD_MS)).toEqual({ action: 'none' });
  });
});

describe('the idle clock', () => {
  it('starts at the latest of the last activity, READY and FAILED', () => {
    // Act / Assess
    expect(idleSince(aCluster({ status: 'FAILED', lastActivityAt: T0, readyAt: undefined, failedAt: at(3).toISOString() }))).toEqual(at(3));
    expect(idleSince(aCluster({ status: 'READY', lastActivityAt: at(7).toISOString(), readyAt: at(2).toISOString() }))).toEqual(at(7));
  });

  it('has not started while the cluster is being created', () => {
    // Act / Assess
    expect(idleSince(aCluster({ status: 'CREATING', lastActivityAt: T0 }))).toBeUndefined();
  });
});

describe('which statuses keep a deadline', () => {
  const fields = { lastActivityAt: T0, readyAt: T0, expiresAt: at(1).toISOString() };

  it('keys the reaper index for every status the reaper acts on', () => {
    // Act / Assess
    for (const status of ['READY', 'FAILED', 'HIBERNATED', 'UPDATE_FAILED'] as const) expect(reapDeadline(aCluster({ status, ...fields }))).toBe(at(1).toISOString());
    expect(reapDeadline(aCluster({ status: 'UPDATING', ...fields }))).toBeUndefined();
  });

  it('keeps a reapable cluster with neither an expiry nor an idle timeout out of the index', () => {
    // Act / Assess
    expect(reapDeadline(aCluster({ status: 'READY' }))).toBeUndefined();
  });

  it('shows autoDeleteAt while a cluster is being changed or hibernating', () => {
    // Act / Assess
    for (const status of ['UPDATING', 'HIBERNATED', 'UPDATE_FAILED'] as const) expect(autoDeleteAt(aCluster({ status, ...fields }))).toBe(at(1).toISOString());
  });
});

describe('durations', () => {
  it.each([
    ['PT1H1M1S', 3_661_000],
    ['P2D', 172_800_000],
    ['P1DT1S', 86_401_000],
    ['PT0S', 0],
  ])('%s is %i ms', (duration, ms) => {
    expect(durationMs(duration)).toBe(ms);
  });

  it.each(['P', 'PT', 'P1H', 'PT1D', 'xP1D', 'P1Dx'])('refuses %s', (duration) => {
    expect(() => durationMs(duration)).toThrow(new RangeError(`not a supported ISO 8601 duration: ${duration}`));
  });
});
