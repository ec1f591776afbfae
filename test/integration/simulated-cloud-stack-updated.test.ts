/**
 * An out-of-band UpdateStack on a stack the service itself updated before, through the real SDK client, the stack
 * reader and assessHealth: the simulated cloud stamps LastUpdatedTime on an update as DescribeStacks reports it on AWS
 * (absent until the first update: "This field will only be returned if the stack has been updated at least once",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html), so the second update reads as
 * someone else's once it is later than the end of ours.
 */
import { UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { buildStackReader } from '../../src/adapters/cloudformation/stack-gateway';
import { assessHealth, STACK_CLOCK_TOLERANCE_MS, type HealthSubject } from '../../src/domain/health';
import { createMiniSwarm, startTestCloud, waitForStackStatus, type TestCloud } from './fixtures/simulated-cloud-harness';

// The instances are not what this test looks at: one manager, running, as the cluster below expects.
const RUNNING = [{ role: 'manager' as const, state: 'running' }];
let test: TestCloud;
beforeEach(async () => {
  test = await startTestCloud();
});
afterEach(async () => {
  await test.close();
});

const label = (stackId: string, value: string) =>
  test.cloudFormation.send(
    new UpdateStackCommand({
      StackName: stackId,
      UsePreviousTemplate: true,
      Capabilities: ['CAPABILITY_IAM'],
      Parameters: [
        { ParameterKey: 'ClusterId', UsePreviousValue: true },
        { ParameterKey: 'Label', ParameterValue: value },
      ],
    }),
  );

describe('an out-of-band update after one of ours', () => {
  it('reads our update as ours and the later one as stack_changed', async () => {
    // Prepare: a created stack (no LastUpdatedTime yet), then our update, whose end the service records on hearing it.
    const reader = buildStackReader({ clientFor: () => test.cloudFormation });
    const { stackId, stackName } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    const asCreated = await reader.describeStack('us-east-1', stackId);
    const readyAt = new Date().toISOString();
    await label(stackId, 'ours');
    await waitForStackStatus(test, stackId, 'UPDATE_COMPLETE');
    const cluster: HealthSubject = { status: 'READY', stackName, parameters: { managers: 1, workers: 0 }, readyAt, lastUpdate: { endedAt: new Date().toISOString() } };
    const afterOurs = await reader.describeStack('us-east-1', stackId);

    // Act: someone else updates it, past the clock tolerance (a fixed pause: the tolerance is what is under test).
    await new Promise((resolve) => setTimeout(resolve, STACK_CLOCK_TOLERANCE_MS + 500));
    await label(stackId, 'theirs');
    await waitForStackStatus(test, stackId, 'UPDATE_COMPLETE');
    const afterTheirs = await reader.describeStack('us-east-1', stackId);

    // Assess
    expect(asCreated?.lastUpdatedTime).toBeUndefined();
    expect(afterOurs?.lastUpdatedTime).toBeDefined();
    expect(assessHealth(cluster, { stack: afterOurs, instances: RUNNING })).toEqual({ status: 'healthy', reasons: [] });
    expect(Date.parse(afterTheirs!.lastUpdatedTime!)).toBeGreaterThan(Date.parse(afterOurs!.lastUpdatedTime!));
    expect(assessHealth(cluster, { stack: afterTheirs, instances: RUNNING })).toMatchObject({ status: 'drifted', reasons: [{ code: 'stack_changed' }] });
  }, 30_000);
});
