import { lambdaStep } from '../../../src/handlers/workflow/task';
import { lambdaContext } from '../../../sandbox/http-api';

const ENV = {
  AWS_REGION: 'us-east-1',
  CLUSTERS_TABLE: 'clusters',
  IDEMPOTENCY_TABLE: 'idempotency',
  API_KEYS_TABLE: 'keys',
  CREATE_CLUSTER_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:create',
  DELETE_CLUSTER_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:delete',
  UPDATE_CLUSTER_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:update',
  DELIVER_WEBHOOK_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:deliver',
  STACK_ROLE_ARN: 'arn:aws:iam::123456789012:role/stacks',
  STACK_PERMISSIONS_BOUNDARY_ARN: 'arn:aws:iam::123456789012:policy/boundary',
};

describe('lambdaStep', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('builds its step from the configuration once, on the first invocation, and not when imported', async () => {
    Object.assign(process.env, ENV);
    const build = jest.fn((config: { clustersTable: string }) => async (input: { n: number }) => `${config.clustersTable}:${input.n}`);
    const step = lambdaStep(build);
    expect(build).not.toHaveBeenCalled();

    await expect(step({ n: 1 }, lambdaContext('first'))).resolves.toBe('clusters:1');
    await expect(step({ n: 2 }, lambdaContext('first'))).resolves.toBe('clusters:2');
    expect(build).toHaveBeenCalledTimes(1);
  });
});
