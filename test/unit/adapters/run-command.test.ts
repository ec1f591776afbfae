import { GetCommandInvocationCommand, InvocationDoesNotExist, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildNodeCommands } from '../../../src/adapters/ssm/run-command';

const ssm = mockClient(SSMClient);
beforeEach(() => ssm.reset());

/** Simulated time: each sleep moves the clock, so the deadline is reached without waiting. */
const fakeTiming = () => {
  let now = 0;
  return { now: () => now, sleep: async (ms: number) => void (now += ms) };
};

// SendCommand with AWS-RunShellScript, then GetCommandInvocation, which answers InvocationDoesNotExist until the
// invocation is registered (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html).
describe('Run Command on a node', () => {
  it('sends the commands as AWS-RunShellScript and returns the output once the invocation succeeded', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    ssm
      .on(GetCommandInvocationCommand)
      .rejectsOnce(new InvocationDoesNotExist({ message: 'not yet', $metadata: {} }))
      .resolvesOnce({ Status: 'InProgress' })
      .resolves({ Status: 'Success', StandardOutputContent: 'Swarm: active\n' });

    const run = await buildNodeCommands(undefined, fakeTiming()).run('us-east-1', 'i-1', ['docker info', 'docker node ls'], { deadlineMs: 10_000 });

    expect(run).toEqual({ instanceId: 'i-1', status: 'Success', output: 'Swarm: active\n' });
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, { DocumentName: 'AWS-RunShellScript', InstanceIds: ['i-1'], Parameters: { commands: ['docker info', 'docker node ls'] } });
    expect(ssm).toHaveReceivedCommandTimes(GetCommandInvocationCommand, 3);
  });

  it('stops waiting at the deadline', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress' });

    const run = await buildNodeCommands(undefined, fakeTiming()).run('us-east-1', 'i-1', ['docker info'], { deadlineMs: 2_000 });

    expect(run.status).toBe('DeadlinePassed');
    expect(ssm.commandCalls(GetCommandInvocationCommand).length).toBeLessThanOrEqual(5);
  });

  it('returns a failed command’s output and error', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Failed', StandardOutputContent: '', StandardErrorContent: 'Cannot connect to the Docker daemon' });

    const run = await buildNodeCommands(undefined, fakeTiming()).run('us-east-1', 'i-1', ['docker info'], { deadlineMs: 2_000 });

    expect(run).toEqual({ instanceId: 'i-1', status: 'Failed', output: '', error: 'Cannot connect to the Docker daemon' });
  });
});
