/**
 * The bench's scripted timeline: with `script`, every create and every delete takes the given simulated time,
 * whatever the stack's size (the mini swarm alone would be created in about 3.5 simulated seconds).
 */
import { DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { createMiniSwarm, startTestCloud, TEST_TIME_SCALE, waitForStackStatus, type TestCloud } from './fixtures/simulated-cloud-harness';

let test: TestCloud;
afterEach(() => test?.close());

it('creates and deletes in the scripted durations, not in the size-based pace', async () => {
  // Prepare: 20 simulated seconds to create, 10 to delete (1 s and 0.5 s of real time at the test scale).
  test = await startTestCloud({ script: { createMs: 20_000, deleteMs: 10_000 } });
  const started = Date.now();

  // Act
  const { stackId, clusterId } = await createMiniSwarm(test);
  await waitForStackStatus(test, stackId, 'CREATE_COMPLETE', 10_000);
  const created = Date.now() - started;
  await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackId, ClientRequestToken: `delete-${clusterId}` }));
  await waitForStackStatus(test, stackId, 'DELETE_COMPLETE', 10_000);
  const deleted = Date.now() - started - created;

  // Assess: never sooner than the script (a slow machine may only make it later).
  expect(created).toBeGreaterThanOrEqual(20_000 * TEST_TIME_SCALE * 0.95);
  expect(deleted).toBeGreaterThanOrEqual(10_000 * TEST_TIME_SCALE * 0.95);
});
