/**
 * The create's safety net (check-stack.ts), entered when its wait timed out: one look at the stack, what it records on
 * the wait and the timeline, and what the workflow is answered. The stack and the wait are fakes that record calls.
 */
import { ClusterMissingError } from '../../../src/domain/errors';
import type { StackWaits } from '../../../src/use-cases/ports';
import { checkStackCreation } from '../../../src/use-cases/check-stack';
import { aCluster } from '../../support/clusters';
import { fixedClock } from '../../support/dynamodb';
import { fakeStacks } from '../../support/fakes';
import { memoryStore } from '../../support/memory-store';

const NOW = '2026-11-26T12:30:00.000Z';

/** A wait that records each report; `settles` says whether the report ends the wait (false: a duplicate). */
function fakeWaits(settles = true) {
  const reports: Parameters<StackWaits['recordStatus']>[1][] = [];
  const waits = {
    recordStatus: async (_clusterId: string, report: Parameters<StackWaits['recordStatus']>[1]) => {
      reports.push(report);
      return settles ? { key: report.key ?? '', target: 'create' as const, since: NOW, round: 1 } : undefined;
    },
  } as Pick<StackWaits, 'recordStatus'> as StackWaits;
  return { waits, reports };
}

function harness(stack: { status: string; statusReason?: string } | undefined, settles = true) {
  const cluster = aCluster({ status: 'CREATING', region: 'eu-west-1' });
  const { store, events } = memoryStore(cluster);
  const stacks = fakeStacks(stack ? [{ stackId: 'stack-1', ...stack }] : []);
  const asked: { region: string; stack: string }[] = [];
  const describeStack = stacks.gateway.describeStack;
  stacks.gateway.describeStack = async (region, stackId) => {
    asked.push({ region, stack: stackId });
    return describeStack(region, stackId);
  };
  const { waits, reports } = fakeWaits(settles);
  const deps = { store, stacks: stacks.gateway, waits, clock: fixedClock(NOW) };
  return { cluster, deps, events, reports, asked };
}

describe('checking a create whose wait timed out', () => {
  it('a stack still creating: nothing recorded, the workflow goes back to waiting', async () => {
    // Prepare
    const h = harness({ status: 'CREATE_IN_PROGRESS' });

    // Act
    const outcome = await checkStackCreation(h.deps, { clusterId: h.cluster.id, stackId: 'stack-1', key: 'create-1' });

    // Assess
    expect(outcome).toEqual({ status: 'CREATE_IN_PROGRESS', progress: 'in_progress', exhausted: false });
    expect(h.asked).toEqual([{ region: 'eu-west-1', stack: 'stack-1' }]);
    expect(h.reports).toEqual([]);
    expect(h.events).toEqual([]);
  });

  it('a created stack: recorded on the wait as its event would be, put on the timeline, answered complete', async () => {
    // Prepare
    const h = harness({ status: 'CREATE_COMPLETE' });

    // Act
    const outcome = await checkStackCreation(h.deps, { clusterId: h.cluster.id, stackId: 'stack-1', key: 'create-1' });

    // Assess
    expect(outcome).toEqual({ status: 'CREATE_COMPLETE', progress: 'complete', exhausted: false });
    expect(h.reports).toEqual([{ status: 'CREATE_COMPLETE', reason: undefined, time: NOW, key: 'create-1' }]);
    expect(h.events).toEqual([
      { clusterId: h.cluster.id, at: NOW, type: 'stack.status_changed', message: 'stack CREATE_COMPLETE (seen by the safety net)', details: { stackStatus: 'CREATE_COMPLETE', reason: undefined } },
    ]);
  });

  it('a rolled-back stack: recorded with its reason, answered failed with the reason', async () => {
    // Prepare
    const h = harness({ status: 'ROLLBACK_COMPLETE', statusReason: 'The following resource(s) failed to create: [Managers].' });

    // Act
    const outcome = await checkStackCreation(h.deps, { clusterId: h.cluster.id, stackId: 'stack-1', key: 'create-2' });

    // Assess
    expect(outcome).toEqual({ status: 'ROLLBACK_COMPLETE', reason: 'The following resource(s) failed to create: [Managers].', progress: 'failed', exhausted: false });
    expect(h.reports).toEqual([{ status: 'ROLLBACK_COMPLETE', reason: 'The following resource(s) failed to create: [Managers].', time: NOW, key: 'create-2' }]);
    expect(h.events).toEqual([
      {
        clusterId: h.cluster.id,
        at: NOW,
        type: 'stack.status_changed',
        message: 'stack ROLLBACK_COMPLETE (seen by the safety net)',
        details: { stackStatus: 'ROLLBACK_COMPLETE', reason: 'The following resource(s) failed to create: [Managers].' },
      },
    ]);
  });

  it('a stack that no longer exists reads as DELETE_COMPLETE, which for a create is a failure', async () => {
    // Prepare
    const h = harness(undefined);

    // Act
    const outcome = await checkStackCreation(h.deps, { clusterId: h.cluster.id, stackId: 'stack-1', key: 'create-1' });

    // Assess
    // The create's Choice state reads progress: a stack gone before CREATE_COMPLETE is a failed create.
    expect(outcome).toEqual({ status: 'DELETE_COMPLETE', progress: 'failed', exhausted: false });
    expect(h.reports).toEqual([{ status: 'DELETE_COMPLETE', reason: undefined, time: NOW, key: 'create-1' }]);
    expect(h.events.map((e) => e.message)).toEqual(['stack DELETE_COMPLETE (seen by the safety net)']);
  });

  it('a final status the wait already had (its event came first): nothing new on the timeline, the same answer', async () => {
    // Prepare
    const h = harness({ status: 'CREATE_COMPLETE' }, false);

    // Act
    const outcome = await checkStackCreation(h.deps, { clusterId: h.cluster.id, stackId: 'stack-1', key: 'create-1' });

    // Assess
    expect(outcome).toEqual({ status: 'CREATE_COMPLETE', progress: 'complete', exhausted: false });
    expect(h.reports).toHaveLength(1);
    expect(h.events).toEqual([]);
  });

  it('refuses a cluster that does not exist', async () => {
    // Prepare
    const h = harness({ status: 'CREATE_COMPLETE' });

    // Act / Assess
    await expect(checkStackCreation(h.deps, { clusterId: 'c-missing', stackId: 'stack-1', key: 'create-1' })).rejects.toThrow(ClusterMissingError);
    expect(h.asked).toEqual([]);
  });
});
