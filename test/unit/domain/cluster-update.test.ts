/**
 * The rules of changing a running cluster (src/domain/cluster-update.ts), and the statuses they move between.
 *
 * Quorum: the managers keep the swarm's state in Raft, which works only while a majority of them is up; an odd count
 * n tolerates the loss of (n-1)/2 managers and an even count no more than the odd count below it (Docker, "Administer
 * and maintain a swarm of Docker Engines", section "Add manager nodes for fault tolerance":
 * https://docs.docker.com/engine/swarm/admin_guide/). Hence 1, 3 or 5, and one step at a time.
 */
import { canTransition, CLUSTER_STATUSES, type ClusterStatus } from '../../../src/domain/cluster';
import { assertMayStart, nowhereToRunRefusal, planParameterChange, quorumRefusal, targetOf, updateIdFor } from '../../../src/domain/cluster-update';
import { ConflictError, ValidationError } from '../../../src/domain/errors';
import { aCluster } from '../../support/clusters';

const base = aCluster().parameters; // 3 managers, 5 workers, t3.small, 20 GB gp3

function refusal(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('quorum: managers 1 ↔ 3 ↔ 5, one step at a time', () => {
  it.each([
    [1, 3],
    [3, 5],
    [5, 3],
    [3, 1],
  ])('allows %i → %i', (from, to) => {
    expect(quorumRefusal(from, to)).toBeUndefined();
  });

  it.each([
    [1, 5, 'change to 3 first, then to 5'],
    [5, 1, 'change to 3 first, then to 1'],
  ])('refuses %i → %i with the Raft reason and the way round', (from, to, way) => {
    const reason = quorumRefusal(from, to);
    expect(reason).toContain('one step at a time (1 ↔ 3 ↔ 5)');
    expect(reason).toContain('Raft majority');
    expect(reason).toContain(way);
    expect(reason).toContain('https://docs.docker.com/engine/swarm/admin_guide/');
  });

  it.each([2, 4, 6])('refuses an even count (%i): it tolerates no more lost managers than the odd count below it', (to) => {
    expect(quorumRefusal(3, to)).toContain(`${to} managers tolerate no more lost managers than ${to - 1} do`);
  });

  it.each([0, 7])('refuses %i managers', (to) => {
    expect(quorumRefusal(3, to)).toMatch(/^must be 1, 3 or 5: Raft keeps the swarm's state only while a majority of the managers is up/);
  });
});

describe('somewhere to run: managers take tasks unless drained (templates/swarm.yaml)', () => {
  it('allows workers to 0 when the managers stay as they are (what hibernate does)', () => {
    expect(nowhereToRunRefusal(base, { ...base, workers: 0 })).toBeUndefined();
  });

  it.each([
    ['fewer managers', { managers: 1 as const }],
    ['other manager instances', { managerInstanceType: 't3.large' as const }],
    ['other manager disks', { managerDiskSizeGb: 40 }],
  ])('refuses draining every worker while the managers change too (%s)', (_what, managers) => {
    expect(nowhereToRunRefusal(base, { ...base, ...managers, workers: 0 })).toContain('would leave tasks nowhere to run: scale the workers to 0 first, then change the managers');
  });

  it('allows changing the managers of a cluster that already has no workers (nothing is drained onto them)', () => {
    const noWorkers = { ...base, workers: 0 };
    expect(nowhereToRunRefusal(noWorkers, { ...noWorkers, managerInstanceType: 't3.large' })).toBeUndefined();
  });
});

describe('planParameterChange', () => {
  it('calls a change of counts a scale, with the target as the parameters after it', () => {
    expect(planParameterChange(base, { workers: 2 })).toEqual({ operation: 'scale', target: { ...base, workers: 2 } });
    expect(planParameterChange(base, { managers: 5, workers: 9 })).toEqual({ operation: 'scale', target: { ...base, managers: 5, workers: 9 } });
  });

  it('calls any instance type or disk change a resize, also together with counts', () => {
    expect(planParameterChange(base, { workerInstanceType: 't3.large' }).operation).toBe('resize');
    expect(planParameterChange(base, { workers: 6, managerDiskType: 'gp2' })).toEqual({ operation: 'resize', target: { ...base, workers: 6, managerDiskType: 'gp2' } });
  });

  it('refuses a change that changes nothing with "nothing to change"', () => {
    const error = refusal(() => planParameterChange(base, { workers: 5, managers: 3, workerInstanceType: 't3.small' }));
    expect(error.status).toBe(422);
    expect(error.errors).toEqual([{ field: 'body', message: 'nothing to change' }]);
  });

  it('names the field and the reason for each rule broken', () => {
    expect(refusal(() => planParameterChange({ ...base, managers: 1 }, { managers: 5 })).errors).toEqual([{ field: 'managers', message: expect.stringContaining('one step at a time') }]);
    expect(refusal(() => planParameterChange(base, { workers: 0, managers: 1 })).errors).toEqual([{ field: 'workers', message: expect.stringContaining('nowhere to run') }]);
  });
});

describe('when a cluster may take an operation', () => {
  const conflict = (status: ClusterStatus, operation: Parameters<typeof assertMayStart>[1], update?: { operation: 'scale'; id: string }) => {
    try {
      assertMayStart({ status, update: update as never }, operation);
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(ConflictError);
      return error as ConflictError;
    }
  };

  it('lets READY take every change but wake, HIBERNATED only wake and upgrade, UPDATE_FAILED a retry', () => {
    expect(['scale', 'resize', 'upgrade', 'hibernate'].map((op) => conflict('READY', op as never))).toEqual([undefined, undefined, undefined, undefined]);
    expect(conflict('READY', 'wake')?.message).toBe('The cluster is READY, not HIBERNATED: there is nothing to wake.');
    expect(conflict('HIBERNATED', 'wake')).toBeUndefined();
    expect(conflict('HIBERNATED', 'upgrade')).toBeUndefined();
    expect(conflict('HIBERNATED', 'hibernate')?.message).toBe('The cluster is already HIBERNATED.');
    expect(conflict('HIBERNATED', 'scale')?.message).toContain('wake it first');
    expect(conflict('UPDATE_FAILED', 'scale')).toBeUndefined();
    expect(conflict('UPDATE_FAILED', 'hibernate')).toBeDefined();
  });

  it('answers a cluster mid-operation with 409 naming what runs', () => {
    const updating = conflict('UPDATING', 'resize', { operation: 'scale', id: 'u4' })!;
    expect(updating.status).toBe(409);
    expect(updating.message).toContain('a scale is running (update u4)');
    expect(updating.extensions).toEqual({ status: 'UPDATING', runningOperation: 'scale', runningUpdate: 'u4' });
    expect(conflict('CREATING', 'scale')?.message).toContain('the create is running');
    expect(conflict('DELETING', 'upgrade')?.message).toContain('a delete is running');
  });

  it('moves between the statuses PREAMBLE-12 lists, and no others', () => {
    const allowed = CLUSTER_STATUSES.flatMap((from) => CLUSTER_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`));
    expect(allowed.filter((t) => /UPDATING|HIBERNATED|UPDATE_FAILED/.test(t)).sort()).toEqual(
      [
        'READY→UPDATING',
        'HIBERNATED→UPDATING',
        'HIBERNATED→DELETING',
        'UPDATING→READY',
        'UPDATING→HIBERNATED',
        'UPDATING→UPDATE_FAILED',
        'UPDATING→DELETING',
        'UPDATE_FAILED→UPDATING',
        'UPDATE_FAILED→DELETING',
      ].sort(),
    );
  });
});

describe('the targets of the operations without parameters', () => {
  it('upgrade keeps the parameters, hibernate scales workers to 0, wake restores the remembered count', () => {
    expect(targetOf({ parameters: base }, 'upgrade')).toEqual(base);
    expect(targetOf({ parameters: base }, 'hibernate')).toEqual({ ...base, workers: 0 });
    expect(targetOf({ parameters: { ...base, workers: 0 }, hibernatedWorkers: 7 }, 'wake')).toEqual({ ...base, workers: 7 });
  });

  it('names an update after the version it started from', () => {
    expect(updateIdFor(12)).toBe('u12');
  });
});
