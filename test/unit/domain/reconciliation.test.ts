import { CLUSTER_STATUSES } from '../../../src/domain/cluster';
import { drivingExecution, isTransitional, MAX_WORKFLOW_RESUMES, resumedExecutionArn, resumesOf } from '../../../src/domain/reconciliation';
import { aCluster } from '../../support/clusters';

const ARN = 'arn:aws:states:us-east-1:123456789012:execution:create-cluster:c-01m8c7cgt5fds3qnwncr8n800q';

describe('the statuses a workflow drives', () => {
  it('are CREATING, DELETING and UPDATING, and no other', () => {
    expect(CLUSTER_STATUSES.filter((status) => isTransitional(status))).toEqual(['CREATING', 'UPDATING', 'DELETING']);
  });

  it('are only the table’s own keys, not what every object inherits', () => {
    expect(isTransitional('toString' as never)).toBe(false);
  });
});

describe('the execution that drives a cluster', () => {
  it.each([
    ['CREATING', 'create', 'createExecutionArn'],
    ['DELETING', 'delete', 'deleteExecutionArn'],
    ['UPDATING', 'update', 'updateExecutionArn'],
  ] as const)('in %s is the %s workflow’s, from %s', (status, workflow, field) => {
    // Prepare
    const cluster = aCluster({ status, createExecutionArn: 'arn:create', deleteExecutionArn: 'arn:delete', updateExecutionArn: 'arn:update' });

    // Act
    const driving = drivingExecution(cluster as typeof cluster & { status: typeof status });

    // Assess
    expect(driving).toEqual({ workflow, field, executionArn: `arn:${workflow}` });
  });

  it('is undefined on a record that lost it', () => {
    const cluster = aCluster({ status: 'DELETING', createExecutionArn: 'arn:create' });
    expect(drivingExecution(cluster as typeof cluster & { status: 'DELETING' })).toEqual({ workflow: 'delete', field: 'deleteExecutionArn', executionArn: undefined });
  });
});

describe('restarting a workflow', () => {
  it('allows three restarts before a person should look', () => {
    expect(MAX_WORKFLOW_RESUMES).toBe(3);
  });

  it.each([
    [ARN, 0],
    [`${ARN}-resume-1`, 1],
    [`${ARN}-resume-12`, 12],
    [`${ARN}-resume-`, 0],
    [`${ARN}-resume-2x`, 0],
    [`${ARN}-resume-2-old`, 0],
    [`${ARN}resume-3`, 0],
  ])('counts the restarts of %s as %i', (arn, resumes) => {
    expect(resumesOf(arn)).toBe(resumes);
  });

  it('names the first restart after the first execution, and each next one after the one before', () => {
    expect(resumedExecutionArn(ARN)).toBe(`${ARN}-resume-1`);
    expect(resumedExecutionArn(`${ARN}-resume-1`)).toBe(`${ARN}-resume-2`);
    expect(resumedExecutionArn(`${ARN}-resume-9`)).toBe(`${ARN}-resume-10`);
  });

  it('names a repeated restart the same, so a second start meets ExecutionAlreadyExists', () => {
    expect(resumedExecutionArn(`${ARN}-resume-2`)).toBe(resumedExecutionArn(`${ARN}-resume-2`));
  });
});
