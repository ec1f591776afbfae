/**
 * GetConsoleOutput of the simulated EC2, through the real SDK (EC2 query protocol): a node that came up shows its
 * bootstrap finishing; a node of the group a rollback fault failed shows the failed swarm join. The output is
 * base64-encoded, as EC2 returns it (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetConsoleOutput.html).
 */
import { GetConsoleOutputCommand } from '@aws-sdk/client-ec2';
import { createMiniSwarm, instancesOfCluster, startTestCloud, waitFor, waitForStackStatus, type TestCloud } from './fixtures/simulated-cloud-harness';

let test: TestCloud;
beforeAll(async () => {
  test = await startTestCloud();
});
afterAll(() => test.close());

const consoleOutput = async (instanceId: string) => {
  const result = await test.ec2.send(new GetConsoleOutputCommand({ InstanceId: instanceId, Latest: true }));
  return { ...result, text: Buffer.from(result.Output ?? '', 'base64').toString('utf8') };
};

describe('simulated cloud: console output', () => {
  it('shows a node that came up finishing its bootstrap, with no failure', async () => {
    const { stackId, clusterId } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    const [instance] = await instancesOfCluster(test, clusterId);

    const output = await consoleOutput(instance!.InstanceId!);

    expect(output.InstanceId).toBe(instance!.InstanceId);
    expect(output.text).toContain('docker swarm join --token SWMTKN-1-');
    expect(output.text).toContain('cfn-signal --success true');
    expect(output.text).not.toContain('Error response from daemon');
  });

  it('shows the failed join on a node of the group a rollback fault failed, while EC2 still lists it terminated', async () => {
    const { stackId, clusterId } = await createMiniSwarm(test);
    test.cloud.injectFault(stackId, 'rollback');
    await waitForStackStatus(test, stackId, 'ROLLBACK_COMPLETE');
    const instances = await waitFor(
      () => instancesOfCluster(test, clusterId),
      (found) => found.length > 0 && found.every((instance) => ['shutting-down', 'terminated'].includes(instance.State?.Name ?? '')),
      { what: 'instances terminating' },
    );

    const output = await consoleOutput(instances[0]!.InstanceId!);

    expect(output.text).toContain('Error response from daemon: Timeout was reached before node joined');
  });

  it('answers InvalidInstanceID.NotFound for an instance it does not know', async () => {
    await expect(test.ec2.send(new GetConsoleOutputCommand({ InstanceId: 'i-0000000000000dead' }))).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
  });
});
