/**
 * autoRepair's choice (repairChoice) at each of its guards, one guard failing per case, from findings written by hand:
 * the function reads only the reasons it is given, in whatever order, and the manager group. LifecycleState and
 * HealthStatus are Auto Scaling's (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Instance.html); the Raft
 * quorum of n managers is floor(n/2)+1 (https://docs.docker.com/engine/swarm/raft/).
 */
import { repairChoice, type HealthReason, type ObservedGroup } from '../../../src/domain/health';

const REASON = 'manager running but its SSM agent ConnectionLost on two consecutive health sweeps';
const unreachable = (...instanceIds: string[]): HealthReason => ({ code: 'manager_unreachable', message: 'unreachable', instanceIds });
const managerDown: HealthReason = { code: 'manager_down', message: '4 of 5 managers running' };
const degraded = (...reasons: HealthReason[]) => ({ status: 'degraded' as const, reasons });
const inService = (instanceId: string) => ({ instanceId, lifecycleState: 'InService', healthStatus: 'Healthy' });
const managerGroup = (ids: string[], overrides: Partial<ObservedGroup> = {}): ObservedGroup => ({ role: 'manager', desiredCapacity: ids.length, instances: ids.map(inService), ...overrides });
const workerGroup: ObservedGroup = { role: 'worker', desiredCapacity: 1, instances: [inService('i-w0')] };
const FIVE = ['i-m0', 'i-m1', 'i-m2', 'i-m3', 'i-m4'];

describe('autoRepair’s choice', () => {
  it('replaces the manager named on both findings, with the reason it gives', () => {
    const finding = degraded(unreachable('i-m1'));

    expect(repairChoice(finding, finding, { groups: [managerGroup(FIVE), workerGroup] }, 5)).toEqual({ instanceId: 'i-m1', reason: REASON });
  });

  it('finds the unreachable reason wherever it stands among the others', () => {
    const finding = degraded(managerDown, unreachable('i-m1'));

    expect(repairChoice(finding, finding, { groups: [managerGroup(FIVE)] }, 5)).toEqual({ instanceId: 'i-m1', reason: REASON });
  });

  it('replaces the first by instance id when several were unreachable on both findings, one at a time', () => {
    const finding = degraded(unreachable('i-m3', 'i-m1'));

    expect(repairChoice(finding, finding, { groups: [managerGroup(FIVE)] }, 5)).toEqual({ instanceId: 'i-m1', reason: REASON });
  });

  it('reads the manager group, whatever order the groups come in', () => {
    const finding = degraded(unreachable('i-m1'));

    expect(repairChoice(finding, finding, { groups: [workerGroup, managerGroup(FIVE)] }, 5)).toEqual({ instanceId: 'i-m1', reason: REASON });
  });

  it('replaces nothing when no manager is unreachable now', () => {
    expect(repairChoice(degraded(unreachable('i-m1')), degraded(managerDown), { groups: [managerGroup(FIVE)] }, 5)).toBeUndefined();
  });

  it('replaces nothing when the groups were not read, or no manager group was found', () => {
    const finding = degraded(unreachable('i-m1'));

    expect(repairChoice(finding, finding, {}, 5)).toBeUndefined();
    expect(repairChoice(finding, finding, { groups: [workerGroup] }, 5)).toBeUndefined();
  });

  it('replaces nothing while a manager is InService but Unhealthy (its group is replacing it)', () => {
    const finding = degraded(unreachable('i-m1'));
    const group = managerGroup(FIVE);
    group.instances[4] = { instanceId: 'i-m4', lifecycleState: 'InService', healthStatus: 'Unhealthy' };

    expect(repairChoice(finding, finding, { groups: [group] }, 5)).toBeUndefined();
  });

  it('replaces nothing while the group has fewer instances in service than it wants', () => {
    const finding = degraded(unreachable('i-m1'));

    expect(repairChoice(finding, finding, { groups: [managerGroup(FIVE.slice(0, 4), { desiredCapacity: 5 })] }, 5)).toBeUndefined();
  });

  it('replaces nothing the manager group does not hold (detached, or another group’s)', () => {
    const finding = degraded(unreachable('i-m9'));

    expect(repairChoice(finding, finding, { groups: [managerGroup(FIVE)] }, 5)).toBeUndefined();
  });

  it('replaces while the reachable managers keep the quorum, and not one below it', () => {
    // 5 managers: quorum 3. Two unreachable leave 3 reachable; three leave 2.
    const two = degraded(unreachable('i-m0', 'i-m1'));
    const three = degraded(unreachable('i-m0', 'i-m1', 'i-m2'));

    expect(repairChoice(two, two, { groups: [managerGroup(FIVE)] }, 5)).toEqual({ instanceId: 'i-m0', reason: REASON });
    expect(repairChoice(three, three, { groups: [managerGroup(FIVE)] }, 5)).toBeUndefined();
  });
});
