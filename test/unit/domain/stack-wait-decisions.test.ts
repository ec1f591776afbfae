/**
 * The decisions of a workflow's wait on its stack: which statuses end which wait, what the waiting task resumes with,
 * how an event's second bounds the wait, how a stack's resource events become the cluster's progress (create, update,
 * delete), the 25 % steps of the timeline, and the order two reports of one resource take. Stack and resource statuses
 * are CloudFormation's "Stack status codes" and "Resource status codes"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html); EventBridge's `time` is
 * to the second (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html).
 */
import {
  acceptsEventsUntil,
  isFinalFor,
  openWait,
  plannedResourceCount,
  progressOf,
  progressPhase,
  progressStep,
  resourceOrder,
  targetsEndedBy,
  updateProgress,
  waitOutcome,
  type ClusterProgress,
  type ResourceState,
} from '../../../src/domain/stack-wait';

const at = (second: number): string => `2026-11-26T12:00:${String(second).padStart(2, '0')}.000Z`;
const resource = (status: string, second = 0): ResourceState => ({ status, at: at(second), order: '' });

describe('opening a wait', () => {
  it('starts at round 0 with no token or status, since the moment it was opened', () => {
    // Act
    const wait = openWait('delete-r1-2', 'delete', new Date('2026-11-26T12:00:05.123Z'));

    // Assess
    expect(wait).toEqual({ key: 'delete-r1-2', target: 'delete', since: '2026-11-26T12:00:05.123Z', round: 0 });
  });
});

describe('which statuses end a wait', () => {
  it.each([
    ['CREATE_IN_PROGRESS', false],
    ['CREATE_COMPLETE', true],
    ['CREATE_FAILED', true],
    ['ROLLBACK_IN_PROGRESS', false],
    ['ROLLBACK_FAILED', true],
    ['ROLLBACK_COMPLETE', true],
    ['DELETE_IN_PROGRESS', false],
    ['DELETE_FAILED', true],
    ['DELETE_COMPLETE', true],
  ])('a create ends on %s: %s', (status, final) => {
    expect(isFinalFor('create', status)).toBe(final);
  });

  it.each([
    ['UPDATE_IN_PROGRESS', false],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', false],
    ['UPDATE_COMPLETE', true],
    ['UPDATE_ROLLBACK_IN_PROGRESS', false],
    ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', false],
    ['UPDATE_ROLLBACK_COMPLETE', true],
    ['UPDATE_ROLLBACK_FAILED', true],
    ['DELETE_COMPLETE', true],
    ['CREATE_COMPLETE', false],
  ])('an update ends on %s: %s', (status, final) => {
    expect(isFinalFor('update', status)).toBe(final);
  });

  it.each(['delete', 'cleanup'] as const)('a %s ends on DELETE_COMPLETE and DELETE_FAILED only', (target) => {
    // Act
    const finals = ['DELETE_COMPLETE', 'DELETE_FAILED', 'DELETE_IN_PROGRESS', 'ROLLBACK_COMPLETE', 'CREATE_COMPLETE', 'UPDATE_COMPLETE'].map((s) => isFinalFor(target, s));

    // Assess
    expect(finals).toEqual([true, true, false, false, false, false]);
  });

  it.each([
    ['DELETE_COMPLETE', ['create', 'delete', 'cleanup', 'update']],
    ['DELETE_FAILED', ['create', 'delete', 'cleanup']],
    ['CREATE_COMPLETE', ['create']],
    ['ROLLBACK_COMPLETE', ['create']],
    ['UPDATE_COMPLETE', ['update']],
    ['UPDATE_ROLLBACK_FAILED', ['update']],
    ['UPDATE_IN_PROGRESS', []],
    ['DELETE_IN_PROGRESS', []],
  ])('%s ends the waits %j, in that order', (status, targets) => {
    expect(targetsEndedBy(status)).toEqual(targets);
  });
});

describe('how an UpdateStack reads', () => {
  it.each([
    [undefined, 'deleted'],
    ['DELETE_COMPLETE', 'deleted'],
    ['UPDATE_COMPLETE', 'complete'],
    ['UPDATE_ROLLBACK_COMPLETE', 'rolled_back'],
    ['UPDATE_ROLLBACK_FAILED', 'failed'],
    ['UPDATE_IN_PROGRESS', 'in_progress'],
    ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'in_progress'],
    ['DELETE_FAILED', 'in_progress'],
  ])('%s reads as %s', (status, progress) => {
    expect(updateProgress(status)).toBe(progress);
  });
});

describe('what a wait resumes its workflow with', () => {
  it('reads a create by createProgress and carries the reason', () => {
    expect(waitOutcome('create', 'ROLLBACK_COMPLETE', 'The following resource(s) failed to create: [Vpc].')).toEqual({
      status: 'ROLLBACK_COMPLETE',
      reason: 'The following resource(s) failed to create: [Vpc].',
      progress: 'failed',
      exhausted: false,
    });
  });

  it('reads an update by updateProgress', () => {
    expect(waitOutcome('update', 'UPDATE_ROLLBACK_COMPLETE')).toEqual({ status: 'UPDATE_ROLLBACK_COMPLETE', progress: 'rolled_back', exhausted: false });
  });

  it.each([
    ['DELETE_COMPLETE', 'deleted'],
    ['DELETE_FAILED', 'failed'],
    ['DELETE_IN_PROGRESS', 'in_progress'],
  ])('reads a delete’s %s by deletionProgress: %s', (status, progress) => {
    expect(waitOutcome('delete', status)).toEqual({ status, progress, exhausted: false });
  });

  it('reads a stack that is not deleting at all as still in progress, for a delete and a clean-up alike', () => {
    // Act
    const outcomes = [waitOutcome('delete', 'CREATE_COMPLETE'), waitOutcome('cleanup', 'ROLLBACK_COMPLETE')];

    // Assess
    expect(outcomes.map((o) => o.progress)).toEqual(['in_progress', 'in_progress']);
  });

  it('says when the safety net’s rounds are spent, and leaves out an empty reason', () => {
    expect(waitOutcome('create', 'UNSETTLED', '', true)).toEqual({ status: 'UNSETTLED', progress: 'in_progress', exhausted: true });
  });
});

describe('the bound an event’s time puts on a wait', () => {
  it('accepts a wait opened up to one second after the event’s second, not later', () => {
    // Act
    const until = acceptsEventsUntil('2017-12-22T18:43:48Z');

    // Assess
    expect(until).toBe('2017-12-22T18:43:49.000Z');
  });
});

describe('the progress of a create', () => {
  it('counts CREATE_COMPLETE, UPDATE_COMPLETE and UPDATE_ROLLBACK_COMPLETE as done, against the planned resources', () => {
    // Prepare
    const resources = {
      Vpc: resource('CREATE_COMPLETE', 1),
      Group: resource('UPDATE_COMPLETE', 4),
      Template: resource('UPDATE_ROLLBACK_COMPLETE', 2),
      Subnet: resource('CREATE_IN_PROGRESS', 3),
      Role: resource('CREATE_FAILED', 0),
    };

    // Act
    const progress = progressOf(resources, 'create', 12);

    // Assess
    expect(progress).toEqual({ resourcesDone: 3, resourcesTotal: 12, inProgress: ['Subnet'], updatedAt: at(4) });
  });

  it('counts against the resources seen once more of them showed up than were planned', () => {
    expect(progressOf({ A: resource('CREATE_COMPLETE'), B: resource('CREATE_COMPLETE') }, 'create', 1)?.resourcesTotal).toBe(2);
    expect(progressOf({ A: resource('CREATE_COMPLETE'), B: resource('CREATE_COMPLETE') }, 'create', 2)?.resourcesTotal).toBe(2);
    expect(progressOf({ A: resource('CREATE_COMPLETE') }, 'create')?.resourcesTotal).toBe(1);
  });

  it('lists the resources being created in logical-id order, and only those', () => {
    // Prepare
    const resources = { Zeta: resource('CREATE_IN_PROGRESS'), Alpha: resource('CREATE_IN_PROGRESS'), Mid: resource('DELETE_IN_PROGRESS'), Beta: resource('UPDATE_IN_PROGRESS') };

    // Act
    const progress = progressOf(resources, 'create', 4);

    // Assess
    expect(progress?.inProgress).toEqual(['Alpha', 'Zeta']);
  });

  it('takes the latest event’s time wherever it is among the resources', () => {
    expect(progressOf({ A: resource('CREATE_COMPLETE', 9), B: resource('CREATE_COMPLETE', 3), C: resource('CREATE_COMPLETE', 5) }, 'create')?.updatedAt).toBe(at(9));
    expect(progressOf({ A: resource('CREATE_COMPLETE', 3), B: resource('CREATE_COMPLETE', 9), C: resource('CREATE_COMPLETE', 5) }, 'create')?.updatedAt).toBe(at(9));
  });

  it('has no progress before any resource reported', () => {
    expect(progressOf({}, 'create', 10)).toBeUndefined();
    expect(progressOf({}, 'delete')).toBeUndefined();
  });
});

describe('the progress of a delete', () => {
  it('counts DELETE_COMPLETE and DELETE_SKIPPED as done against every resource, whatever was planned', () => {
    // Prepare
    const resources = {
      Vpc: resource('DELETE_COMPLETE', 2),
      Bucket: resource('DELETE_SKIPPED', 6),
      Zeta: resource('DELETE_IN_PROGRESS', 1),
      Alpha: resource('DELETE_IN_PROGRESS', 1),
      Group: resource('CREATE_COMPLETE', 0),
      Template: resource('UPDATE_COMPLETE', 0),
      Role: resource('CREATE_IN_PROGRESS', 0),
    };

    // Act
    const progress = progressOf(resources, 'delete', 40);

    // Assess
    expect(progress).toEqual({ resourcesDone: 2, resourcesTotal: 7, inProgress: ['Alpha', 'Zeta'], updatedAt: at(6) });
  });
});

describe('the progress of an update', () => {
  it('counts only the resources the update touched, done when UPDATE_COMPLETE or UPDATE_ROLLBACK_COMPLETE', () => {
    // Prepare
    const resources = {
      Vpc: resource('CREATE_COMPLETE', 9),
      ZetaTemplate: resource('UPDATE_IN_PROGRESS', 3),
      AlphaGroup: resource('UPDATE_ROLLBACK_IN_PROGRESS', 2),
      Workers: resource('UPDATE_COMPLETE', 5),
      Managers: resource('UPDATE_ROLLBACK_COMPLETE', 4),
      Broken: resource('UPDATE_FAILED', 1),
    };

    // Act
    const progress = progressOf(resources, 'update', 30);

    // Assess
    expect(progress).toEqual({ resourcesDone: 2, resourcesTotal: 5, inProgress: ['AlphaGroup', 'ZetaTemplate'], updatedAt: at(5) });
  });

  it('takes the latest touched resource’s time wherever it is', () => {
    expect(progressOf({ A: resource('UPDATE_COMPLETE', 7), B: resource('UPDATE_COMPLETE', 2) }, 'update')?.updatedAt).toBe(at(7));
    expect(progressOf({ A: resource('UPDATE_COMPLETE', 2), B: resource('UPDATE_COMPLETE', 7) }, 'update')?.updatedAt).toBe(at(7));
  });

  it('has no progress while no resource is in an UPDATE_ state, even with resources created', () => {
    expect(progressOf({ Vpc: resource('CREATE_COMPLETE'), Old: resource('DELETE_COMPLETE') }, 'update')).toBeUndefined();
  });

  it('does not count a status that only contains UPDATE_ further in', () => {
    expect(progressOf({ A: resource('X_UPDATE_COMPLETE'), B: resource('UPDATE_COMPLETE') }, 'update')).toEqual({ resourcesDone: 1, resourcesTotal: 1, inProgress: [], updatedAt: at(0) });
  });
});

describe('the 25 % steps of the timeline', () => {
  const progress = (resourcesDone: number, resourcesTotal: number): ClusterProgress => ({ resourcesDone, resourcesTotal, inProgress: [], updatedAt: at(0) });

  it.each([
    [0, 4, 0],
    [1, 4, 1],
    [2, 4, 2],
    [3, 4, 3],
    [4, 4, 4],
    [24, 100, 0],
    [25, 100, 1],
    [49, 100, 1],
    [50, 100, 2],
    [99, 100, 3],
    [1, 3, 1],
  ])('%i of %i done is step %i', (done, total, step) => {
    expect(progressStep(progress(done, total))).toBe(step);
  });

  it('is step 0 without progress or without resources', () => {
    expect(progressStep(undefined)).toBe(0);
    expect(progressStep(progress(3, 0))).toBe(0);
  });
});

describe('the resources a template creates whatever the parameters', () => {
  it('counts the top-level resources without a Condition, up to the next section', () => {
    // Prepare
    const template = [
      'AWSTemplateFormatVersion: "2010-09-09"',
      'Conditions:',
      '  WithSsh: !Not [!Equals [!Ref Key, ""]]',
      'Resources:  ',
      '  Vpc:',
      '    Type: AWS::EC2::VPC',
      '    Properties:',
      '      Condition: not-at-this-depth',
      '  SshIngress:',
      '    Condition: WithSsh',
      '    Type: AWS::EC2::SecurityGroupIngress',
      '  Subnet1:  ',
      '    Type: AWS::EC2::Subnet',
      '  # a comment: not a resource',
      '  Role:',
      '    Type: AWS::IAM::Role',
      'Outputs:',
      '  VpcId:',
      '    Value: !Ref Vpc',
    ].join('\n');

    // Act
    const count = plannedResourceCount(template);

    // Assess
    expect(count).toBe(3);
  });

  it('counts the last resource of a template that ends with Resources', () => {
    expect(plannedResourceCount('Resources:\n  A:\n    Type: X\n  B:\n    Type: Y')).toBe(2);
    expect(plannedResourceCount('Resources:\n  A:\n    Type: X\n  B:\n    Condition: C\n    Type: Y')).toBe(1);
  });

  it('counts a resource that follows a conditional one', () => {
    expect(plannedResourceCount('Resources:\n  A:\n    Condition: C\n  B:\n    Type: Y\n')).toBe(1);
  });

  it('does not take a longer or a prefixed line for the Resources section', () => {
    expect(plannedResourceCount('MyResources:\n  A:\n    Type: X\n')).toBe(0);
    expect(plannedResourceCount('Resources: {}\n  A:\n    Type: X\n')).toBe(0);
    expect(plannedResourceCount('Outputs:\n  A:\n    Value: 1\n')).toBe(0);
  });

  it('does not take a deeper or a valued entry for a resource', () => {
    expect(plannedResourceCount('Resources:\n   Odd:\n    Type: X\n  A: !Ref B\n  C:\n    Type: Y\n')).toBe(1);
    expect(plannedResourceCount('Resources:\n  Dash-Name:\n  A_b:\n')).toBe(0);
  });

  it('has nothing to count in an empty Resources section', () => {
    expect(plannedResourceCount('Resources:\nOutputs:\n  A:\n    Value: 1\n')).toBe(0);
  });

  it('reads a Condition only four spaces in, as the first property of the resource', () => {
    expect(plannedResourceCount('Resources:\n  A:\n     Condition: C\n  B:\n    Conditions: D\n')).toBe(2);
  });
});

describe('the order of one resource’s reports', () => {
  it.each([
    ['CREATE_IN_PROGRESS', '2026-11-26T12:00:20.000Z#1'],
    ['CREATE_COMPLETE', '2026-11-26T12:00:20.000Z#2'],
    ['CREATE_FAILED', '2026-11-26T12:00:20.000Z#2'],
    ['UPDATE_IN_PROGRESS', '2026-11-26T12:00:20.000Z#3'],
    ['UPDATE_ROLLBACK_COMPLETE', '2026-11-26T12:00:20.000Z#4'],
    ['DELETE_IN_PROGRESS', '2026-11-26T12:00:20.000Z#5'],
    ['DELETE_COMPLETE', '2026-11-26T12:00:20.000Z#6'],
    ['ROLLBACK_IN_PROGRESS', '2026-11-26T12:00:20.000Z#5'],
  ])('puts %s of second 20 at %s', (status, order) => {
    expect(resourceOrder('2026-11-26T12:00:20Z', status)).toBe(order);
  });
});

describe('which operation a cluster’s resources are counted for', () => {
  it.each([
    ['CREATING', 'create'],
    ['READY', 'create'],
    ['HIBERNATED', 'create'],
    ['UPDATING', 'update'],
    ['UPDATE_FAILED', 'update'],
    ['DELETING', 'delete'],
    ['DELETE_FAILED', 'delete'],
    ['FAILED', 'delete'],
  ])('%s: %s', (status, phase) => {
    expect(progressPhase(status)).toBe(phase);
  });
});
