/**
 * The rules of a change of a running cluster, each at its edge: the whole words of each quorum refusal (Raft needs a
 * majority of the managers: https://docs.docker.com/engine/swarm/admin_guide/, "Add manager nodes for fault
 * tolerance"), when draining the workers leaves tasks nowhere to run, which PATCH fields count as a change, the 409 of
 * every status an operation cannot start from, and the targets of the operations without parameters.
 */
import type { ClusterStatus, UpdateOperation } from '../../../src/domain/cluster';
import { assertMayStart, hasParameterChanges, nowhereToRunRefusal, planParameterChange, quorumRefusal, sameParameters, targetOf } from '../../../src/domain/cluster-update';
import { ConflictError, ValidationError } from '../../../src/domain/errors';
import type { ClusterParameters } from '../../../src/domain/parameters';
import { aCluster } from '../../support/clusters';

const RAFT = 'https://docs.docker.com/engine/swarm/admin_guide/';
const NOWHERE =
  'with no workers left, every service runs on the managers (they take tasks unless drained); draining all workers while the managers are replaced or reduced in the same update would leave tasks nowhere to run: scale the workers to 0 first, then change the managers';

// The test fixture's parameters (3 managers, t3.small, 20 GB gp3 disks) with 2 workers.
const current: ClusterParameters = { ...aCluster().parameters, workers: 2 };

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('the words of a quorum refusal', () => {
  it('explains an even count with the odd count below it', () => {
    expect(quorumRefusal(3, 4)).toBe(
      `must be 1, 3 or 5: Raft keeps the swarm's state only while a majority of the managers is up; 4 managers tolerate no more lost managers than 3 do, and add one more to every vote (${RAFT}, "Add manager nodes for fault tolerance")`,
    );
  });

  it.each([0, -2, 7, 2.5])('gives %s managers the rule alone, without the even-count clause', (to) => {
    expect(quorumRefusal(3, to)).toBe(`must be 1, 3 or 5: Raft keeps the swarm's state only while a majority of the managers is up (${RAFT}, "Add manager nodes for fault tolerance")`);
  });

  it('names the step between for a jump of two', () => {
    expect(quorumRefusal(1, 5)).toBe(
      `may change one step at a time (1 ↔ 3 ↔ 5): going from 1 to 5 at once risks the Raft majority the swarm needs (${RAFT}); change to 3 first, then to 5`,
    );
  });

  it('lets the count stay as it is', () => {
    expect(quorumRefusal(5, 5)).toBeUndefined();
  });
});

describe('draining every worker while the managers move', () => {
  it('is no concern while a worker is left', () => {
    expect(nowhereToRunRefusal(current, { ...current, workers: 1, managers: 1 })).toBeUndefined();
  });

  it('is refused when the managers are reduced, with the whole reason', () => {
    expect(nowhereToRunRefusal(current, { ...current, workers: 0, managers: 1 })).toBe(NOWHERE);
  });

  it('is allowed when the managers grow or stay', () => {
    expect(nowhereToRunRefusal(current, { ...current, workers: 0, managers: 5 })).toBeUndefined();
    expect(nowhereToRunRefusal(current, { ...current, workers: 0 })).toBeUndefined();
  });

  it.each([
    ['managerInstanceType', 't3.large'],
    ['managerDiskSizeGb', 21],
    ['managerDiskType', 'gp2'],
  ])('is refused when the managers’ %s changes', (field, value) => {
    expect(nowhereToRunRefusal(current, { ...current, workers: 0, [field]: value })).toBe(NOWHERE);
  });

  it('is allowed when only the workers’ own settings change, since they are drained anyway', () => {
    expect(nowhereToRunRefusal(current, { ...current, workers: 0, workerInstanceType: 't3.large', workerDiskSizeGb: 40, workerDiskType: 'gp2' })).toBeUndefined();
  });
});

describe('a PATCH’s changes', () => {
  it.each([
    [{}, false],
    [{ name: 'renamed', expiresAt: '2026-12-01T00:00:00Z' }, false],
    [{ workers: undefined }, false],
    [{ workers: 0 }, true],
    [{ managers: 3 }, true],
    [{ workerDiskType: 'gp2' }, true],
    [{ managerDiskSizeGb: 30 }, true],
  ])('%j has parameter changes: %s', (changes, expected) => {
    expect(hasParameterChanges(changes)).toBe(expected);
  });

  it('takes only the fields that differ, and a count change with a resize field is a resize', () => {
    expect(planParameterChange(current, { managers: 3, workers: 4, managerDiskSizeGb: 20 })).toEqual({ operation: 'scale', target: { ...current, workers: 4 } });
    expect(planParameterChange(current, { workerDiskSizeGb: 40 })).toEqual({ operation: 'resize', target: { ...current, workerDiskSizeGb: 40 } });
  });

  it('refuses nothing to change as a 422 with its own words', () => {
    // Act
    const error = thrown(() => planParameterChange(current, {}));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe('There is nothing to change: every parameter given already has that value.');
  });

  it('refuses a broken rule as a 422 naming the field, and reports quorum alone when both would apply', () => {
    // Act
    // (5 → 1 at once breaks quorum; with no workers left and fewer managers it would leave tasks nowhere to run too.)
    const error = thrown(() => planParameterChange({ ...current, managers: 5 }, { managers: 1, workers: 0 })) as ValidationError;

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe('The change would break a rule of the swarm.');
    expect(error.errors).toEqual([{ field: 'managers', message: quorumRefusal(5, 1) }]);
  });

  it('refuses draining the workers with fewer managers under the workers field', () => {
    expect((thrown(() => planParameterChange(current, { workers: 0, managers: 1 })) as ValidationError).errors).toEqual([{ field: 'workers', message: NOWHERE }]);
  });
});

describe('the 409 of an operation a cluster cannot start', () => {
  const refusal = (status: ClusterStatus, operation: UpdateOperation, update?: { operation: UpdateOperation; id: string }): ConflictError => {
    const error = thrown(() => assertMayStart({ status, ...(update ? { update: { ...update, target: current, previous: current, requestedAt: '', requestedBy: '' } } : {}) }, operation));
    expect(error).toBeInstanceOf(ConflictError);
    return error as ConflictError;
  };

  it.each([
    ['CREATING', 'scale', 'The cluster is CREATING: the create is running; change it once it is READY.'],
    ['DELETING', 'resize', 'The cluster is DELETING: a delete is running or done; it cannot be changed.'],
    ['DELETED', 'upgrade', 'The cluster is DELETED: a delete is running or done; it cannot be changed.'],
    ['FAILED', 'scale', 'The cluster is FAILED; it cannot be changed, only deleted.'],
    ['DELETE_FAILED', 'wake', 'The cluster is DELETE_FAILED; it cannot be changed, only deleted.'],
    ['HIBERNATED', 'resize', 'The cluster is HIBERNATED: wake it first (POST /clusters/{id}/wake), then change it.'],
    ['UPDATE_FAILED', 'hibernate', 'The cluster is UPDATE_FAILED: only a change of its parameters, an upgrade or a delete may follow.'],
    ['UPDATE_FAILED', 'wake', 'The cluster is UPDATE_FAILED: only a change of its parameters, an upgrade or a delete may follow.'],
    ['READY', 'wake', 'The cluster is READY, not HIBERNATED: there is nothing to wake.'],
  ] as const)('refuses a %s cluster a %s: "%s"', (status, operation, message) => {
    // Act
    const error = refusal(status, operation);

    // Assess
    expect([error.message, error.errors, error.extensions]).toEqual([message, [{ field: 'status', message: `is ${status}` }], { status }]);
  });

  it('names the running operation and update of an UPDATING cluster', () => {
    // Act
    const error = refusal('UPDATING', 'upgrade', { operation: 'hibernate', id: 'u7' });

    // Assess
    expect(error.message).toBe('The cluster is UPDATING: a hibernate is running (update u7); one operation at a time, try again when it has ended.');
    expect(error.extensions).toEqual({ status: 'UPDATING', runningOperation: 'hibernate', runningUpdate: 'u7' });
  });

  it('says "a change" of an "unknown" update when an UPDATING cluster has none recorded', () => {
    expect(refusal('UPDATING', 'scale').message).toBe('The cluster is UPDATING: a change is running (update unknown); one operation at a time, try again when it has ended.');
  });

  it.each([
    ['READY', ['scale', 'resize', 'upgrade', 'hibernate']],
    ['UPDATE_FAILED', ['scale', 'resize', 'upgrade']],
    ['HIBERNATED', ['upgrade', 'wake']],
  ] as const)('lets a %s cluster start %j', (status, operations) => {
    expect(operations.map((operation) => assertMayStart({ status }, operation))).toEqual(operations.map(() => undefined));
  });
});

describe('the same parameters', () => {
  it('are the same field by field, and differ in any one field or in one only present on one side', () => {
    expect(sameParameters(current, { ...current })).toBe(true);
    expect(sameParameters(current, { ...current, workerDiskType: 'gp2' })).toBe(false);
    expect(sameParameters(current, { ...current, keyName: 'ops' })).toBe(false);
    expect(sameParameters({ ...current, keyName: 'ops' }, current)).toBe(false);
  });
});

describe('the target of a wake without a remembered count', () => {
  it('keeps the workers it has', () => {
    expect(targetOf({ parameters: current }, 'wake')).toEqual(current);
  });

  it('returns a copy, so the target can change without touching the cluster', () => {
    expect(targetOf({ parameters: current }, 'upgrade')).not.toBe(current);
  });
});
