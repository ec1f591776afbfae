/**
 * The simulated cloud stopped and started again on the same folder: the second process-worth of simulation reads
 * back the first one's stacks and instances and carries on with what was under way.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import {
  createMiniSwarm,
  describeStack,
  instancesOfCluster,
  startTestCloud,
  waitFor,
  waitForStackStatus,
  type TestCloud,
} from './fixtures/simulated-cloud-harness';

let dataDir: string;
let test: TestCloud | undefined;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'sim-cloud-'));
});
afterEach(async () => {
  await test?.close();
  test = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

const ids = (instances: { InstanceId?: string }[]) => instances.map((instance) => instance.InstanceId).sort();

describe('simulated cloud: a restart on the same data folder', () => {
  it('completes a stack that was CREATE_IN_PROGRESS, with the same stack id and the same instances', async () => {
    // Prepare: a stack halfway through its create, its groups' instances launched.
    test = await startTestCloud({ dataDir, timeScale: 0.5 });
    const { stackId, clusterId } = await createMiniSwarm(test);
    const launched = await waitFor(() => instancesOfCluster(test!, clusterId), (instances) => instances.length === 8, { what: 'instances launched' });
    expect((await describeStack(test, stackId)).StackStatus).toBe('CREATE_IN_PROGRESS');

    // Act
    await test.close();
    test = await startTestCloud({ dataDir, timeScale: 0.5 });

    // Assess
    expect((await describeStack(test, stackId)).StackStatus).toBe('CREATE_IN_PROGRESS');
    const complete = await waitForStackStatus(test, stackId, 'CREATE_COMPLETE', 20_000);
    expect(complete.Outputs?.length).toBeGreaterThan(0);
    const after = await waitFor(() => instancesOfCluster(test!, clusterId), (instances) => instances.every((i) => i.State?.Name === 'running'), { what: 'instances running' });
    expect(ids(after)).toEqual(ids(launched));
  }, 60_000);

  it('finishes a delete that was under way: DELETE_COMPLETE, and every instance terminated', async () => {
    // Prepare
    test = await startTestCloud({ dataDir, timeScale: 0.5 });
    const { stackId, stackName, clusterId } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE', 20_000);
    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
    expect((await describeStack(test, stackId)).StackStatus).toBe('DELETE_IN_PROGRESS');

    // Act
    await test.close();
    test = await startTestCloud({ dataDir, timeScale: 0.5 });

    // Assess
    await waitForStackStatus(test, stackId, 'DELETE_COMPLETE', 20_000);
    const instances = await waitFor(() => instancesOfCluster(test!, clusterId), (all) => all.length === 8 && all.every((i) => i.State?.Name === 'terminated'), {
      what: 'instances terminated',
      timeoutMs: 20_000,
    });
    expect(instances).toHaveLength(8);
  }, 60_000);

  it('writes a stack’s file again only when that stack changed', async () => {
    // Prepare: one stack created and deleted to the end.
    test = await startTestCloud({ dataDir });
    const { stackId, stackName } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    await test.cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
    await waitForStackStatus(test, stackId, 'DELETE_COMPLETE');
    await new Promise((resolve) => setTimeout(resolve, 400));
    const file = join(dataDir, 'stacks', readdirSync(join(dataDir, 'stacks'))[0]!);
    const written = statSync(file).mtimeMs;

    // Act: another stack's whole lifecycle.
    const other = await createMiniSwarm(test);
    await waitForStackStatus(test, other.stackId, 'CREATE_COMPLETE');
    await new Promise((resolve) => setTimeout(resolve, 400));

    // Assess
    expect(readdirSync(join(dataDir, 'stacks'))).toHaveLength(2);
    expect(statSync(file).mtimeMs).toBe(written);
  }, 60_000);
});
