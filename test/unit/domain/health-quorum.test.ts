/**
 * The health sweep's words and comparisons: the Raft quorum warning for every manager count the API allows, what a
 * reason says, which findings count as "the same" (no event), and the text on the timeline. Swarm keeps working while
 * a majority of managers, floor(n/2) + 1, is up ("Raft consensus in swarm mode",
 * https://docs.docker.com/engine/swarm/raft/); EC2 instance states are InstanceState names, CloudFormation stack
 * statuses the "Stack status codes" of
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html.
 */
import { assessHealth, expectedInstances, healthText, sameHealth, type HealthSubject, type ObservedInstance } from '../../../src/domain/health';

const managers = (running: number, down = 0): ObservedInstance[] => [
  ...Array.from({ length: running }, () => ({ role: 'manager' as const, state: 'running' })),
  ...Array.from({ length: down }, () => ({ role: 'manager' as const, state: 'stopped' })),
];
const workers = (running: number): ObservedInstance[] => Array.from({ length: running }, () => ({ role: 'worker' as const, state: 'running' }));
const cluster = (managerCount: HealthSubject['parameters']['managers'], workerCount = 0, overrides: Partial<HealthSubject> = {}): HealthSubject => ({
  status: 'READY',
  stackName: 'swarm-c-1',
  parameters: { managers: managerCount, workers: workerCount },
  ...overrides,
});
const created = { status: 'CREATE_COMPLETE' };

describe('the Raft quorum warning of a degraded cluster', () => {
  it.each([
    [1, 0, '0 of 1 managers running; the swarm has lost its Raft quorum'],
    [3, 2, '2 of 3 managers running; one more loss and the swarm loses its Raft quorum'],
    [5, 4, '4 of 5 managers running'],
    [5, 3, '3 of 5 managers running; one more loss and the swarm loses its Raft quorum'],
    [5, 2, '2 of 5 managers running; the swarm has lost its Raft quorum'],
  ] as const)('with %i managers and %i running says "%s"', (total, running, message) => {
    // Act
    const health = assessHealth(cluster(total), { stack: created, instances: managers(running, total - running) });

    // Assess
    expect(health.status).toBe('degraded');
    expect(health.reasons).toContainEqual({ code: 'manager_down', message });
  });

  it('does not count a manager that is not running, whatever its state', () => {
    // Act
    const health = assessHealth(cluster(3), { stack: created, instances: [...managers(2), { role: 'manager', state: 'pending' }] });

    // Assess
    expect(health.reasons.map((reason) => reason.code)).toEqual(['manager_down', 'instances_missing']);
  });

  it('does not count a running worker as a manager', () => {
    // Act
    const health = assessHealth(cluster(3, 1), { stack: created, instances: [...managers(2), ...workers(2)] });

    // Assess: four instances run, as many as wanted, yet a manager is missing.
    expect(health.reasons).toEqual([{ code: 'manager_down', message: '2 of 3 managers running; one more loss and the swarm loses its Raft quorum' }]);
  });

  it('is healthy with exactly the managers and workers asked for', () => {
    // Act
    const health = assessHealth(cluster(3, 2), { stack: created, instances: [...managers(3), ...workers(2)] });

    // Assess
    expect(health).toEqual({ status: 'healthy', reasons: [] });
  });
});

describe('what a health reason says', () => {
  it.each([
    [undefined, 'stack_missing', 'stack swarm-c-1 was deleted out of band'],
    ['DELETE_COMPLETE', 'stack_missing', 'stack swarm-c-1 was deleted out of band'],
    ['DELETE_FAILED', 'stack_deleting', 'stack swarm-c-1 is DELETE_FAILED: someone else is deleting it'],
    ['UPDATE_ROLLBACK_COMPLETE', 'stack_changed', 'stack swarm-c-1 is UPDATE_ROLLBACK_COMPLETE, a status the service did not cause (changed out of band)'],
    ['ROLLBACK_COMPLETE', 'stack_changed', 'stack swarm-c-1 is ROLLBACK_COMPLETE, a status the service did not cause (changed out of band)'],
  ])('a stack %s of a never-updated cluster is %s: "%s"', (stackStatus, code, message) => {
    // Act
    const health = assessHealth(cluster(3), { stack: stackStatus ? { status: stackStatus } : undefined, instances: managers(3) });

    // Assess
    expect(health).toEqual({ status: 'drifted', reasons: [{ code, message }] });
  });

  it('counts the instances running against those wanted', () => {
    // Act
    const health = assessHealth(cluster(3, 2), { stack: created, instances: [...managers(3), ...workers(1)] });

    // Assess
    expect(health).toEqual({ status: 'degraded', reasons: [{ code: 'instances_missing', message: '4 of 5 instances running' }] });
  });

  it('expects the workers of a running cluster and none of a hibernated one', () => {
    // Act / Assess
    expect(expectedInstances(cluster(3, 4))).toEqual({ managers: 3, workers: 4 });
    expect(expectedInstances(cluster(3, 4, { status: 'HIBERNATED' }))).toEqual({ managers: 3, workers: 0 });
  });
});

describe('whether two findings are the same health', () => {
  const missing = { code: 'instances_missing' as const, message: '4 of 5 instances running' };
  const managerDown = { code: 'manager_down' as const, message: '2 of 3 managers running' };

  it('treats no finding yet as healthy', () => {
    // Act / Assess
    expect(sameHealth(undefined, { status: 'healthy', reasons: [] })).toBe(true);
    expect(sameHealth(undefined, { status: 'degraded', reasons: [missing] })).toBe(false);
  });

  it('compares the reason codes whatever their order, and not their messages', () => {
    // Act / Assess
    expect(sameHealth({ status: 'degraded', reasons: [missing, managerDown] }, { status: 'degraded', reasons: [managerDown, { ...missing, message: '3 of 5' }] })).toBe(true);
    expect(sameHealth({ status: 'degraded', reasons: [missing] }, { status: 'degraded', reasons: [missing, managerDown] })).toBe(false);
    expect(sameHealth({ status: 'degraded', reasons: [] }, { status: 'drifted', reasons: [] })).toBe(false);
    expect(sameHealth({ status: 'degraded', reasons: [missing] }, { status: 'degraded', reasons: [managerDown] })).toBe(false);
  });
});

describe('the timeline text of a change of health', () => {
  it('lists every reason, and says when the cluster is healthy again', () => {
    // Act / Assess
    expect(healthText({ status: 'degraded', reasons: [{ code: 'manager_down', message: 'a' }, { code: 'instances_missing', message: 'b' }] })).toBe('cluster is degraded: a; b');
    expect(healthText({ status: 'healthy', reasons: [] })).toBe('cluster is healthy again');
  });
});
