/**
 * What assessHealth's reasons say when several things are wrong at once, and which findings sameHealth takes as the same
 * (no event). EC2 instance states are InstanceState names; PingStatus is SSM's
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformation.html); HealthStatus is Auto
 * Scaling's (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Instance.html); the Raft quorum of n managers
 * is floor(n/2)+1 (https://docs.docker.com/engine/swarm/raft/).
 */
import { assessHealth, sameHealth, type HealthReason, type HealthSubject } from '../../../src/domain/health';

const cluster: HealthSubject = { status: 'READY', stackName: 'swarm-c-1', parameters: { managers: 3, workers: 2 } };
const stack = { status: 'CREATE_COMPLETE' };
const manager = (instanceId: string, state = 'running') => ({ instanceId, role: 'manager' as const, state });
const worker = (instanceId: string) => ({ instanceId, role: 'worker' as const, state: 'running' });
const degraded = (...reasons: HealthReason[]) => ({ status: 'degraded' as const, reasons });

describe('the reasons of a cluster with several things wrong', () => {
  it('puts the quorum warning on the unreachable reason only, when a manager is also down', () => {
    // 3 managers: one stopped, one of the two running unreachable. One reachable is under the quorum of 2.
    const health = assessHealth(cluster, {
      stack,
      instances: [manager('i-m0'), manager('i-m1'), manager('i-m2', 'stopped'), worker('i-w0'), worker('i-w1')],
      agents: [{ instanceId: 'i-m0', pingStatus: 'Online' }, { instanceId: 'i-m1', pingStatus: 'ConnectionLost' }],
    });

    expect(health).toEqual({
      status: 'degraded',
      reasons: [
        { code: 'manager_down', message: '2 of 3 managers running' },
        { code: 'manager_unreachable', message: '1 running manager unreachable (SSM agent ConnectionLost): i-m1; the swarm has lost its Raft quorum', instanceIds: ['i-m1'] },
        { code: 'instances_missing', message: '4 of 5 instances running' },
      ],
    });
  });

  it('names every instance its group found Unhealthy, in the plural', () => {
    const unhealthy = (instanceId: string) => ({ instanceId, lifecycleState: 'InService', healthStatus: 'Unhealthy' });
    const health = assessHealth(cluster, {
      stack,
      instances: [manager('i-m0'), manager('i-m1'), manager('i-m2'), worker('i-w0'), worker('i-w1')],
      groups: [{ role: 'worker', desiredCapacity: 2, instances: [unhealthy('i-w0'), unhealthy('i-w1')] }],
    });

    expect(health.reasons).toEqual([{ code: 'instances_unhealthy', message: '2 instances Unhealthy for their Auto Scaling group: i-w0, i-w1', instanceIds: ['i-w0', 'i-w1'] }]);
  });
});

describe('the same finding, for news', () => {
  it('is the same whatever order the instances are named in', () => {
    expect(sameHealth(degraded({ code: 'manager_unreachable', message: 'a', instanceIds: ['i-m1', 'i-m2'] }), degraded({ code: 'manager_unreachable', message: 'b', instanceIds: ['i-m2', 'i-m1'] }))).toBe(true);
  });

  it('is not the same when other instances are named, even if their names run together the same', () => {
    expect(sameHealth(degraded({ code: 'instances_unhealthy', message: 'a', instanceIds: ['i-1', 'i-2'] }), degraded({ code: 'instances_unhealthy', message: 'a', instanceIds: ['i-1i-2'] }))).toBe(false);
  });

  it('is the same for a reason naming no instances and one naming an empty list', () => {
    expect(sameHealth(degraded({ code: 'manager_down', message: 'a' }), degraded({ code: 'manager_down', message: 'a', instanceIds: [] }))).toBe(true);
  });
});
