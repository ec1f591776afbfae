/**
 * Health from the Auto Scaling groups and the managers' SSM agents, and autoRepair's choice. HealthStatus and
 * LifecycleState are Auto Scaling's (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Instance.html);
 * PingStatus is SSM's (Online | ConnectionLost | Inactive,
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformation.html). The Raft quorum of n
 * managers is floor(n/2)+1 (https://docs.docker.com/engine/swarm/admin_guide/).
 */
import { assessHealth, repairChoice, sameHealth, type HealthObservation, type HealthSubject, type ObservedGroup } from '../../../src/domain/health';

const ready: HealthSubject = { status: 'READY', stackName: 'swarm-c-1', parameters: { managers: 3, workers: 1 } };
const managerIds = ['i-m0', 'i-m1', 'i-m2'];

const world = (pings: Record<string, string>, managerGroup: Partial<ObservedGroup> = {}): HealthObservation => ({
  stack: { status: 'CREATE_COMPLETE' },
  instances: [...managerIds.map((instanceId) => ({ instanceId, role: 'manager' as const, state: 'running' })), { instanceId: 'i-w0', role: 'worker', state: 'running' }],
  groups: [
    { role: 'manager', desiredCapacity: 3, instances: managerIds.map((instanceId) => ({ instanceId, lifecycleState: 'InService', healthStatus: 'Healthy' })), ...managerGroup },
    { role: 'worker', desiredCapacity: 1, instances: [{ instanceId: 'i-w0', lifecycleState: 'InService', healthStatus: 'Healthy' }] },
  ],
  agents: Object.entries(pings).map(([instanceId, pingStatus]) => ({ instanceId, pingStatus })),
});

describe('health from the groups and the agents', () => {
  it('is healthy when every agent is Online and every group instance Healthy', () => {
    expect(assessHealth(ready, world({ 'i-m0': 'Online', 'i-m1': 'Online', 'i-m2': 'Online' }))).toEqual({ status: 'healthy', reasons: [] });
  });

  it('does not judge a manager whose agent SSM does not list (not registered yet)', () => {
    expect(assessHealth(ready, world({ 'i-m0': 'Online' })).status).toBe('healthy');
  });

  it('finds a running manager with a lost agent unreachable, with the quorum at risk', () => {
    const health = assessHealth(ready, world({ 'i-m0': 'Online', 'i-m1': 'ConnectionLost', 'i-m2': 'Online' }));

    expect(health.status).toBe('degraded');
    expect(health.reasons).toEqual([
      { code: 'manager_unreachable', message: '1 running manager unreachable (SSM agent ConnectionLost): i-m1; one more loss and the swarm loses its Raft quorum', instanceIds: ['i-m1'] },
    ]);
  });

  it('says the quorum is lost when most managers are unreachable', () => {
    const health = assessHealth(ready, world({ 'i-m0': 'Online', 'i-m1': 'ConnectionLost', 'i-m2': 'Inactive' }));

    expect(health.reasons[0]?.message).toMatch(/2 running managers unreachable .*: i-m1, i-m2; the swarm has lost its Raft quorum$/);
  });

  it('reports instances their group found Unhealthy', () => {
    const observation = world({});
    observation.groups![1]!.instances[0]!.healthStatus = 'Unhealthy';

    expect(assessHealth(ready, observation).reasons).toEqual([{ code: 'instances_unhealthy', message: '1 instance Unhealthy for its Auto Scaling group: i-w0', instanceIds: ['i-w0'] }]);
  });

  it('takes another instance named for news, a changed message alone not', () => {
    const one = { status: 'degraded' as const, reasons: [{ code: 'manager_unreachable' as const, message: 'a', instanceIds: ['i-m1'] }] };

    expect(sameHealth(one, { ...one, reasons: [{ ...one.reasons[0]!, message: 'b' }] })).toBe(true);
    expect(sameHealth(one, { ...one, reasons: [{ ...one.reasons[0]!, instanceIds: ['i-m2'] }] })).toBe(false);
  });
});

describe('what autoRepair replaces', () => {
  const hung = world({ 'i-m0': 'Online', 'i-m1': 'ConnectionLost', 'i-m2': 'Online' });
  const finding = assessHealth(ready, hung);

  it('the manager unreachable on the finding on record and now', () => {
    expect(repairChoice(finding, finding, hung, 3)).toMatchObject({ instanceId: 'i-m1' });
  });

  it('nothing on a first finding', () => {
    expect(repairChoice(undefined, finding, hung, 3)).toBeUndefined();
    expect(repairChoice({ reasons: [] }, finding, hung, 3)).toBeUndefined();
  });

  it('nothing while the manager group is not whole (a replacement under way)', () => {
    const replacing = world({ 'i-m0': 'Online', 'i-m1': 'ConnectionLost', 'i-m2': 'Online' }, {
      instances: [...managerIds.map((instanceId) => ({ instanceId, lifecycleState: 'InService', healthStatus: 'Healthy' })), { instanceId: 'i-m3', lifecycleState: 'Pending', healthStatus: 'Healthy' }],
    });

    expect(repairChoice(finding, finding, replacing, 3)).toBeUndefined();
  });

  it('nothing once the quorum is lost: a new manager could not join', () => {
    const twoHung = world({ 'i-m0': 'Online', 'i-m1': 'ConnectionLost', 'i-m2': 'ConnectionLost' });
    const lost = assessHealth(ready, twoHung);

    expect(repairChoice(lost, lost, twoHung, 3)).toBeUndefined();
  });

  it('nothing for a drifted cluster', () => {
    expect(repairChoice(finding, { status: 'drifted', reasons: finding.reasons }, hung, 3)).toBeUndefined();
  });
});
