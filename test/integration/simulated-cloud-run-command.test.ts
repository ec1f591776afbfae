/**
 * The simulated SSM Run Command through the real SDK (AWS JSON 1.1, `X-Amz-Target: AmazonSSM.*`) and the service's
 * adapter: `docker info` and `docker node ls` on a manager answer from the stack's running instances. SendCommand
 * refuses an instance that is not running with InvalidInstanceId
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html).
 */
import { SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { buildNodeCommands } from '../../src/adapters/ssm/run-command';
import { createMiniSwarm, instancesOfCluster, startTestCloud, waitFor, waitForStackStatus, type TestCloud } from './fixtures/simulated-cloud-harness';

let test: TestCloud;
let ssm: SSMClient;
beforeAll(async () => {
  test = await startTestCloud();
  ssm = new SSMClient({ endpoint: test.cloud.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
afterAll(async () => {
  ssm.destroy();
  await test.close();
});

describe('simulated cloud: SSM Run Command', () => {
  it('answers docker info and docker node ls on a manager from the stack’s instances, within the deadline', async () => {
    const { stackId, clusterId } = await createMiniSwarm(test);
    await waitForStackStatus(test, stackId, 'CREATE_COMPLETE');
    const instances = await waitFor(
      () => instancesOfCluster(test, clusterId),
      (found) => found.length > 0 && found.every((i) => i.State?.Name === 'running'),
      { what: 'instances running' },
    );
    const manager = instances.find((i) => i.Tags?.some((t) => t.Key === 'swarm-provisioner:role' && t.Value === 'manager')) ?? instances[0]!;

    const run = await buildNodeCommands(() => ssm, { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))) }).run(
      'us-east-1',
      manager.InstanceId!,
      ['docker info', 'docker node ls'],
      { deadlineMs: 5_000 },
    );

    expect(run.status).toBe('Success');
    expect(run.output).toContain('Swarm: active');
    expect(run.output).toContain(`Nodes: ${instances.length}`);
    expect(run.output).toMatch(/MANAGER STATUS/);
  });

  it('refuses an instance that is not running', async () => {
    await expect(
      ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: ['i-0000000000000dead'], Parameters: { commands: ['docker info'] } })),
    ).rejects.toMatchObject({ name: 'InvalidInstanceId' });
  });
});
