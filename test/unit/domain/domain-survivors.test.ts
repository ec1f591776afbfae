/**
 * Cases the mutation run of 2026-11-28 found unpinned (docs/testing.md, "Mutation testing"): a delete's progress that
 * counts created resources as done, a stack name with text before its `c-`, a body without a `Resources:` section
 * whose first line is indented, and a FAILURE signal reported by a resource that is not an Auto Scaling group.
 */
import { clusterIdOfStack } from '../../../src/domain/cluster';
import { isNodeBootstrapFailure } from '../../../src/domain/diagnostics';
import { plannedResourceCount, progressOf } from '../../../src/domain/stack-wait';

describe('cases the mutation run found unpinned', () => {
  it('does not count a created resource as deleted', () => {
    const at = '2026-11-26T12:00:00.000Z';
    expect(progressOf({ A: { status: 'CREATE_COMPLETE', at, order: '' }, B: { status: 'DELETE_COMPLETE', at, order: '' } }, 'delete')?.resourcesDone).toBe(1);
  });

  it('reads no cluster from a stack whose name has text between swarm- and c-', () => {
    expect(clusterIdOfStack('arn:aws:cloudformation:eu-west-1:123456789012:stack/swarm-xc-1/uuid')).toBeUndefined();
  });

  it('plans nothing for a body without a Resources section, even one that starts indented', () => {
    expect(plannedResourceCount('  A:\n    Type: X\n')).toBe(0);
  });

  it('reads a FAILURE signal as nodes not coming up only from an Auto Scaling group', () => {
    expect(
      isNodeBootstrapFailure([
        { timestamp: 't', logicalResourceId: 'Node', resourceType: 'AWS::EC2::Instance', resourceStatus: 'CREATE_FAILED', resourceStatusReason: 'Received FAILURE signal with UniqueId i-1' },
      ]),
    ).toBe(false);
  });
});
