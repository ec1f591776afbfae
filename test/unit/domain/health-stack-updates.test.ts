/**
 * stackReason's out-of-band updates: the stack's LastUpdatedTime (DescribeStacks; "This field will only be returned if
 * the stack has been updated at least once", https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html)
 * against the end of the service's own create (`readyAt`) and last update (`lastUpdate.endedAt`).
 */
import { assessHealth, STACK_CLOCK_TOLERANCE_MS, type HealthSubject } from '../../../src/domain/health';

const RUNNING = [
  { role: 'manager' as const, state: 'running' },
  { role: 'worker' as const, state: 'running' },
];
const READY_AT = '2026-11-27T09:00:00.000Z';
const UPDATE_ENDED = '2026-11-27T10:00:00.000Z';
const created: HealthSubject = { status: 'READY', stackName: 'swarm-c-1', parameters: { managers: 1, workers: 1 }, readyAt: READY_AT };
const updated: HealthSubject = { ...created, lastUpdate: { endedAt: UPDATE_ENDED } };
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

describe('an update of the stack: ours, or someone else’s', () => {
  it.each([
    ['our update (stamped while it ran, before we recorded its end)', updated, 'UPDATE_COMPLETE', plus(UPDATE_ENDED, -90_000)],
    ['our update that rolled back', updated, 'UPDATE_ROLLBACK_COMPLETE', plus(UPDATE_ENDED, -30_000)],
    ['our update, CloudFormation’s clock a little ahead of ours', updated, 'UPDATE_COMPLETE', plus(UPDATE_ENDED, STACK_CLOCK_TOLERANCE_MS)],
    ['our update, LastUpdatedTime not reported', updated, 'UPDATE_COMPLETE', undefined],
    ['a stack as created (never updated: no LastUpdatedTime)', created, 'CREATE_COMPLETE', undefined],
  ] as const)('is ours: %s', (_case, cluster, status, lastUpdatedTime) => {
    // Act
    const health = assessHealth(cluster, { stack: { status, ...(lastUpdatedTime && { lastUpdatedTime }) }, instances: RUNNING });

    // Assess
    expect(health).toEqual({ status: 'healthy', reasons: [] });
  });

  it('is someone else’s when the stack was updated again after our last update ended', () => {
    // Prepare: we scaled the cluster (UPDATE_COMPLETE, ours); later someone ran UpdateStack (UPDATE_COMPLETE again).
    const later = plus(UPDATE_ENDED, 3_600_000);

    // Act
    const health = assessHealth(updated, { stack: { status: 'UPDATE_COMPLETE', lastUpdatedTime: later }, instances: RUNNING });

    // Assess
    expect(health).toEqual({
      status: 'drifted',
      reasons: [{ code: 'stack_changed', message: `stack swarm-c-1 was updated at ${later}, after the service's last change (${UPDATE_ENDED}): changed out of band` }],
    });
  });

  it('is someone else’s when the update came just past the clock tolerance', () => {
    const health = assessHealth(updated, { stack: { status: 'UPDATE_ROLLBACK_COMPLETE', lastUpdatedTime: plus(UPDATE_ENDED, STACK_CLOCK_TOLERANCE_MS + 1) }, instances: RUNNING });

    expect(health.reasons.map((reason) => reason.code)).toEqual(['stack_changed']);
  });

  it('is someone else’s when a CREATE_COMPLETE stack carries a LastUpdatedTime after our create ended', () => {
    const health = assessHealth(created, { stack: { status: 'CREATE_COMPLETE', lastUpdatedTime: plus(READY_AT, 600_000) }, instances: RUNNING });

    expect(health).toMatchObject({ status: 'drifted', reasons: [{ code: 'stack_changed' }] });
  });
});
