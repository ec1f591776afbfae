/**
 * assessHealth: a READY or HIBERNATED cluster's record against what AWS says. Stack statuses are CloudFormation's
 * ("Stack status codes", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes);
 * instance states are EC2's InstanceState names (pending, running, shutting-down, terminated, stopping, stopped).
 */
import { assessHealth, healthEvent, type ClusterHealth, type HealthSubject, type ObservedInstance } from '../../../src/domain/health';

const nodes = (managers: number, workers: number, state = 'running'): ObservedInstance[] => [
  ...Array.from({ length: managers }, () => ({ role: 'manager' as const, state })),
  ...Array.from({ length: workers }, () => ({ role: 'worker' as const, state })),
];
const ready: HealthSubject = { status: 'READY', stackName: 'swarm-c-1', parameters: { managers: 3, workers: 2 } };
const updated: HealthSubject = { ...ready, lastUpdate: { endedAt: '2026-11-27T10:00:00.000Z' } };
const hibernated: HealthSubject = { ...ready, status: 'HIBERNATED', lastUpdate: { endedAt: '2026-11-27T10:00:00.000Z' } };

describe('assessing a cluster’s health', () => {
  it.each([
    ['everything running, stack as we made it', ready, 'CREATE_COMPLETE', nodes(3, 2), 'healthy', []],
    ['our own update ended', updated, 'UPDATE_COMPLETE', nodes(3, 2), 'healthy', []],
    ['our own update rolled back', updated, 'UPDATE_ROLLBACK_COMPLETE', nodes(3, 2), 'healthy', []],
    ['a hibernated cluster runs only its managers', hibernated, 'UPDATE_COMPLETE', nodes(3, 0), 'healthy', []],
    ['extra instances (a replacement still launching) are not a problem', ready, 'CREATE_COMPLETE', [...nodes(3, 2), { role: 'worker', state: 'pending' }], 'healthy', []],
    ['the stack is gone', ready, undefined, nodes(3, 2), 'drifted', ['stack_missing']],
    ['the stack is DELETE_COMPLETE (DescribeStacks by id still lists it)', ready, 'DELETE_COMPLETE', [], 'drifted', ['stack_missing']],
    ['someone else is deleting the stack', ready, 'DELETE_IN_PROGRESS', nodes(3, 2), 'drifted', ['stack_deleting']],
    ['the stack was updated though we never updated it', ready, 'UPDATE_COMPLETE', nodes(3, 2), 'drifted', ['stack_changed']],
    ['the stack is updating while READY', updated, 'UPDATE_IN_PROGRESS', nodes(3, 2), 'drifted', ['stack_changed']],
    ['a worker terminated', ready, 'CREATE_COMPLETE', [...nodes(3, 1), { role: 'worker', state: 'terminated' }], 'degraded', ['instances_missing']],
    ['a manager stopped', ready, 'CREATE_COMPLETE', [...nodes(2, 2), { role: 'manager', state: 'stopped' }], 'degraded', ['manager_down', 'instances_missing']],
  ] as const)('%s', (_case, cluster, stackStatus, instances, status, codes) => {
    // Act
    const health = assessHealth(cluster, { stack: stackStatus ? { status: stackStatus } : undefined, instances: [...instances] });

    // Assess
    expect(health.status).toBe(status);
    expect(health.reasons.map((reason) => reason.code)).toEqual(codes);
  });

  it('says when a manager lost means the Raft quorum is at risk, and when it is lost', () => {
    // Act
    const oneDown = assessHealth(ready, { stack: { status: 'CREATE_COMPLETE' }, instances: nodes(2, 2) });
    const twoDown = assessHealth(ready, { stack: { status: 'CREATE_COMPLETE' }, instances: nodes(1, 2) });

    // Assess
    expect(oneDown.reasons[0]?.message).toBe('2 of 3 managers running; one more loss and the swarm loses its Raft quorum');
    expect(twoDown.reasons[0]?.message).toBe('1 of 3 managers running; the swarm has lost its Raft quorum');
  });
});

describe('the event a change of health is', () => {
  type Finding = Pick<ClusterHealth, 'status' | 'reasons'>;
  const degraded: Finding = { status: 'degraded', reasons: [{ code: 'instances_missing', message: '4 of 5 instances running' }] };
  it.each<[string, Finding | undefined, Finding, string | undefined]>([
    ['first finding healthy', undefined, { status: 'healthy' as const, reasons: [] }, undefined],
    ['first finding degraded', undefined, degraded, 'cluster.degraded'],
    ['still degraded, another count', degraded, { ...degraded, reasons: [{ code: 'instances_missing' as const, message: '3 of 5 instances running' }] }, undefined],
    ['still degraded, one of two reasons gone (the recovery is the news)', { ...degraded, reasons: [...degraded.reasons, { code: 'instances_unhealthy' as const, message: 'i-1 Unhealthy', instanceIds: ['i-1'] }] }, degraded, undefined],
    ['still degraded, a new reason', degraded, { ...degraded, reasons: [...degraded.reasons, { code: 'manager_down' as const, message: '2 of 3 managers running' }] }, 'cluster.degraded'],
    ['still degraded, the same reason naming another instance', { ...degraded, reasons: [{ code: 'instances_unhealthy' as const, message: 'i-1', instanceIds: ['i-1'] }] }, { ...degraded, reasons: [{ code: 'instances_unhealthy' as const, message: 'i-2', instanceIds: ['i-2'] }] }, 'cluster.degraded'],
    ['degraded to drifted', degraded, { status: 'drifted' as const, reasons: [{ code: 'stack_missing' as const, message: 'gone' }] }, 'cluster.drifted'],
    ['back to healthy', degraded, { status: 'healthy' as const, reasons: [] }, 'cluster.recovered'],
  ])('%s', (_case, previous, next, event) => {
    expect(healthEvent(previous, next)).toBe(event);
  });
});
