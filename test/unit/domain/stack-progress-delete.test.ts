/**
 * A delete's progress, at the case the domain's mutation run found unpinned (docs/testing.md): the create's done
 * statuses used for a delete. Resource statuses are CloudFormation's ResourceStatus values
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackResource.html): a delete is done with a
 * resource at DELETE_COMPLETE, or DELETE_SKIPPED for one kept by its DeletionPolicy: Retain.
 */
import { progressOf } from '../../../src/domain/stack-wait';

const at = '2026-11-28T09:00:00.000Z';

describe('a delete’s progress', () => {
  it('counts the resources deleted or skipped as done, and only those', () => {
    const resources = {
      Vpc: { status: 'DELETE_IN_PROGRESS', at, order: '' },
      Logs: { status: 'DELETE_SKIPPED', at, order: '' },
      ManagerAsg: { status: 'DELETE_COMPLETE', at, order: '' },
      WorkerAsg: { status: 'CREATE_COMPLETE', at, order: '' },
    };

    expect(progressOf(resources, 'delete')).toEqual({ resourcesDone: 2, resourcesTotal: 4, inProgress: ['Vpc'], updatedAt: at });
  });
});
