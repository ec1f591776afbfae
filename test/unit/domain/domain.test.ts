import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { assertTransition, canTransition, clusterIdFor, CLUSTER_STATUSES, createRequestDigest, newClusterId, stackTags, type ClusterStatus } from '../../../src/domain/cluster';
import { IllegalTransitionError } from '../../../src/domain/errors';
import { clusterRequestSchema, templateParameters, parametersOf } from '../../../src/domain/parameters';
import { createProgress, rootCauseOf, type StackEventView } from '../../../src/domain/stack';
import { clusterIdOfStack } from '../../../src/domain/cluster';
import { isFinalFor, plannedResourceCount, progressOf, resourceOrder } from '../../../src/domain/stack-wait';

describe('cluster states', () => {
  // The status model written out by hand, not read from TRANSITIONS: every from → to pair (9 × 9 = 81) is decided
  // here, so changing any one entry of the rule (say, letting DELETING go to READY) fails exactly one case below.
  // Rows are the status a cluster is in, columns the status it may go to; a status to itself is never a transition
  // (lifecycle.ts treats it as a retried step and writes nothing).
  const ALLOWED: Record<ClusterStatus, readonly ClusterStatus[]> = {
    CREATING: ['READY', 'FAILED', 'DELETING'],
    READY: ['UPDATING', 'DELETING'],
    UPDATING: ['READY', 'HIBERNATED', 'UPDATE_FAILED', 'DELETING'],
    HIBERNATED: ['UPDATING', 'DELETING'],
    UPDATE_FAILED: ['UPDATING', 'DELETING'],
    FAILED: ['DELETING'],
    DELETING: ['DELETED', 'DELETE_FAILED'],
    DELETED: [],
    DELETE_FAILED: ['DELETING'],
  };
  const pairs = CLUSTER_STATUSES.flatMap((from) => CLUSTER_STATUSES.map((to) => [from, to, ALLOWED[from].includes(to)] as const));

  it('decides all 81 pairs of the 9 statuses, 17 of them allowed', () => {
    expect(Object.keys(ALLOWED).sort()).toEqual([...CLUSTER_STATUSES].sort());
    expect(pairs).toHaveLength(81);
    expect(pairs.filter(([, , allowed]) => allowed)).toHaveLength(17);
  });

  it.each(pairs)('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
    if (allowed) expect(() => assertTransition(from, to)).not.toThrow();
    else expect(() => assertTransition(from, to)).toThrow(new IllegalTransitionError(from, to));
  });

  it('lets no status leave DELETED', () => {
    expect(CLUSTER_STATUSES.filter((to) => canTransition('DELETED', to))).toEqual([]);
  });

  it('makes ids that fit the template ClusterId pattern', () => {
    expect(newClusterId()).toMatch(/^c-[0-9a-z]{26}$/);
  });

  it('puts our tags over user tags of the same name', () => {
    const tags = stackTags({ id: 'c-1', owner: 'alice', tags: { team: 'x', 'swarm-provisioner:owner': 'mallory' } });
    expect(tags).toEqual({ team: 'x', 'swarm-provisioner:owner': 'alice', 'swarm-provisioner:cluster-id': 'c-1', 'swarm-provisioner:managed-by': 'swarm-provisioner' });
  });
});

describe('cluster ids for keyed requests', () => {
  it('derives the same id for the same owner and key, in the id format the template allows (^c-[0-9a-z]{26}$)', () => {
    const id = clusterIdFor('arn:aws:iam::123456789012:role/ci', 'order-42');
    expect(id).toBe(clusterIdFor('arn:aws:iam::123456789012:role/ci', 'order-42'));
    expect(id).toMatch(/^c-[0-9a-z]{26}$/);
    expect(id).toHaveLength(newClusterId().length);
  });

  it('derives different ids for another owner, another key, or a split that reads the same when joined', () => {
    const ids = [clusterIdFor('alice', 'k1'), clusterIdFor('bob', 'k1'), clusterIdFor('alice', 'k2'), clusterIdFor('alicek', '1'), clusterIdFor('alic', 'ek1')];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('digests a request independently of key order and undefined fields, and tells other content apart', () => {
    expect(createRequestDigest({ name: 'a', workers: 2, tags: { x: '1', y: '2' } })).toBe(createRequestDigest({ tags: { y: '2', x: '1' }, workers: 2, name: 'a', region: undefined }));
    expect(createRequestDigest({ name: 'a', workers: 2 })).not.toBe(createRequestDigest({ name: 'a', workers: 3 }));
  });
});

describe('cluster request schema', () => {
  const parse = (body: unknown) => clusterRequestSchema.safeParse(body);
  const fieldsOf = (body: unknown) => {
    const result = parse(body);
    return result.success ? [] : result.error.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys.join(',') : i.path.join('.')));
  };

  it('applies the Docker for AWS defaults', () => {
    const result = parse({ name: 'demo' });
    expect(result.success && result.data).toMatchObject({ managers: 3, workers: 5, managerInstanceType: 't3.small', managerDiskSizeGb: 20, managerDiskType: 'gp3', enableSystemPrune: false, enableCloudWatchLogs: true });
  });

  it.each([
    [{ name: 'demo', managers: 2 }, 'managers'],
    [{ name: 'demo', workers: 1001 }, 'workers'],
    [{ name: 'demo', workers: -1 }, 'workers'],
    [{ name: 'demo', workers: 2.5 }, 'workers'],
    [{ name: 'a'.repeat(200) }, 'name'],
    [{ name: 'démo' }, 'name'],
    [{ name: '1demo' }, 'name'],
    [{ name: 'demo', managerDiskSizeGb: 19 }, 'managerDiskSizeGb'],
    [{ name: 'demo', workerDiskType: 'io2' }, 'workerDiskType'],
    [{ name: 'demo', managerInstanceType: 'p5.48xlarge' }, 'managerInstanceType'],
    [{ name: 'demo', enableSystemPrune: 'yes' }, 'enableSystemPrune'],
    [{ name: 'demo', owner: 'mallory' }, 'owner'],
    [{ name: 'demo', tags: { 'aws:x': 'y' } }, 'tags.aws:x'],
    [{ name: 'demo', idleTimeout: '30 minutes' }, 'idleTimeout'],
    [{}, 'name'],
  ])('refuses %j naming %s', (body, field) => {
    expect(fieldsOf(body)).toContain(field);
  });

  it('maps a request onto the template parameter names', () => {
    const request = clusterRequestSchema.parse({ name: 'demo', managers: 5, workers: 0, enableSystemPrune: true, keyName: 'ops' });
    expect(templateParameters('c-1', parametersOf(request))).toEqual({
      ClusterId: 'c-1',
      ManagerSize: '5',
      ClusterSize: '0',
      ManagerInstanceType: 't3.small',
      InstanceType: 't3.small',
      ManagerDiskSize: '20',
      ManagerDiskType: 'gp3',
      WorkerDiskSize: '20',
      WorkerDiskType: 'gp3',
      KeyName: 'ops',
      EnableSystemPrune: 'yes',
      EnableCloudWatchLogs: 'yes',
    });
  });
});

describe('stack progress', () => {
  it.each([
    ['CREATE_IN_PROGRESS', 'in_progress'],
    ['CREATE_COMPLETE', 'complete'],
    ['ROLLBACK_IN_PROGRESS', 'in_progress'],
    ['ROLLBACK_COMPLETE', 'failed'],
    ['CREATE_FAILED', 'failed'],
    [undefined, 'deleted'],
  ])('%s reads as %s', (status, progress) => {
    expect(createProgress(status)).toBe(progress);
  });

});

describe('waiting for events', () => {
  it('reads the cluster id from our stack ids only (with or without the trailing uuid AWS examples leave out)', () => {
    expect(clusterIdOfStack('arn:aws:cloudformation:us-east-1:123456789012:stack/swarm-c-01jd1/6a7e8feb-b491-4cf7-a9f1-bf3703467718')).toBe('c-01jd1');
    expect(clusterIdOfStack('arn:aws:cloudformation:us-east-1:123456789012:stack/swarm-c-01jd1')).toBe('c-01jd1');
    expect(clusterIdOfStack('arn:aws:cloudformation:us-west-1:111122223333:stack/teststack')).toBeUndefined();
  });

  it('ends a create on any settled status, a delete and a clean-up only on DELETE_COMPLETE or DELETE_FAILED', () => {
    expect(['CREATE_COMPLETE', 'ROLLBACK_COMPLETE', 'ROLLBACK_IN_PROGRESS', 'DELETE_COMPLETE'].map((s) => isFinalFor('create', s))).toEqual([true, true, false, true]);
    expect(['DELETE_COMPLETE', 'DELETE_FAILED', 'ROLLBACK_COMPLETE', 'DELETE_IN_PROGRESS'].map((s) => isFinalFor('delete', s))).toEqual([true, true, false, false]);
  });

  it('orders two reports of a resource in the same second by their stage', () => {
    const second = '2026-11-26T12:00:20Z';
    expect(resourceOrder(second, 'CREATE_IN_PROGRESS') < resourceOrder(second, 'CREATE_COMPLETE')).toBe(true);
    expect(resourceOrder(second, 'CREATE_COMPLETE') < resourceOrder(second, 'DELETE_IN_PROGRESS')).toBe(true);
    expect(resourceOrder('2026-11-26T12:00:19Z', 'DELETE_COMPLETE') < resourceOrder(second, 'CREATE_IN_PROGRESS')).toBe(true);
  });

  it('counts a delete’s progress against every resource the stack had', () => {
    const at = '2026-11-26T12:00:00.000Z';
    const resources = {
      Vpc: { status: 'DELETE_COMPLETE', at, order: '' },
      LogGroup: { status: 'DELETE_IN_PROGRESS', at, order: '' },
      SwarmTable: { status: 'CREATE_COMPLETE', at, order: '' },
    };
    expect(progressOf(resources, 'delete')).toEqual({ resourcesDone: 1, resourcesTotal: 3, inProgress: ['LogGroup'], updatedAt: at });
  });

  it('plans the template’s unconditional resources: templates/swarm.yaml', () => {
    const template = readFileSync(resolve(__dirname, '../../../templates/swarm.yaml'), 'utf8');
    const declared = [...template.slice(template.indexOf('\nResources:')).matchAll(/^ {2}[A-Za-z0-9]+:\s*$/gm)].length;

    // One resource (SshIngress) has a Condition; the Outputs section is not counted.
    expect(plannedResourceCount(template)).toBe(declared - 1 - [...template.slice(template.indexOf('\nOutputs:')).matchAll(/^ {2}[A-Za-z0-9]+:\s*$/gm)].length);
    expect(plannedResourceCount('Resources:\n  A:\n    Type: X\n  B:\n    Condition: C\n    Type: Y\nOutputs:\n  O:\n    Value: 1\n')).toBe(1);
  });
});

describe('root cause of a failed create', () => {
  const event = (timestamp: string, logicalResourceId: string, resourceStatus: string, resourceStatusReason?: string): StackEventView => ({
    timestamp,
    logicalResourceId,
    resourceType: logicalResourceId === 'swarm-c-1' ? 'AWS::CloudFormation::Stack' : 'AWS::AutoScaling::AutoScalingGroup',
    resourceStatus,
    resourceStatusReason,
  });

  it('names the first resource that failed with its own reason, not the cascade', () => {
    const events = [
      event('2026-01-01T00:00:09Z', 'swarm-c-1', 'ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [ManagerAsg]. Rollback requested by user.'),
      event('2026-01-01T00:00:08Z', 'NodeAsg', 'CREATE_FAILED', 'Resource creation cancelled'),
      event('2026-01-01T00:00:07Z', 'ManagerAsg', 'CREATE_FAILED', 'Received 0 SUCCESS signals out of 3.'),
      event('2026-01-01T00:00:01Z', 'ManagerAsg', 'CREATE_IN_PROGRESS'),
    ];
    expect(rootCauseOf(events, 'swarm-c-1')).toBe('ManagerAsg (AWS::AutoScaling::AutoScalingGroup) CREATE_FAILED: Received 0 SUCCESS signals out of 3.');
  });

  it('falls back to the stack-level reason when no resource failed', () => {
    const events = [event('2026-01-01T00:00:09Z', 'swarm-c-1', 'ROLLBACK_IN_PROGRESS', 'Parameter validation failed')];
    expect(rootCauseOf(events, 'swarm-c-1')).toContain('Parameter validation failed');
  });
});
