import { EC2Client, GetConsoleOutputCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildConsoleOutputReader } from '../../../src/adapters/ec2/console-output';
import { TransientAwsError } from '../../../src/domain/errors';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

const base64 = (text: string) => Buffer.from(text).toString('base64');
const awsError = (name: string, status = 400) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

// GetConsoleOutput returns the output base64-encoded; `Latest` works only on Nitro instance types
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetConsoleOutput.html).
describe('console output reader', () => {
  it('asks for the latest output and decodes it', async () => {
    ec2.on(GetConsoleOutputCommand).resolves({ InstanceId: 'i-1', Output: base64('cloud-init done\n') });

    const text = await buildConsoleOutputReader().consoleOutput('us-east-1', 'i-1');

    expect(text).toBe('cloud-init done\n');
    expect(ec2).toHaveReceivedCommandWith(GetConsoleOutputCommand, { InstanceId: 'i-1', Latest: true });
  });

  it('falls back to the buffered output when the instance type refuses Latest, or Latest has nothing', async () => {
    ec2
      .on(GetConsoleOutputCommand, { InstanceId: 'i-1', Latest: true })
      .rejects(awsError('UnsupportedOperation'))
      .on(GetConsoleOutputCommand, { InstanceId: 'i-2', Latest: true })
      .resolves({ InstanceId: 'i-2' })
      .on(GetConsoleOutputCommand, { InstanceId: 'i-1', Latest: undefined })
      .resolves({ Output: base64('buffered 1') })
      .on(GetConsoleOutputCommand, { InstanceId: 'i-2', Latest: undefined })
      .resolves({ Output: base64('buffered 2') });
    const reader = buildConsoleOutputReader();

    expect(await reader.consoleOutput('us-east-1', 'i-1')).toBe('buffered 1');
    expect(await reader.consoleOutput('us-east-1', 'i-2')).toBe('buffered 2');
  });

  it('answers nothing for an instance EC2 no longer knows, and a transient error for throttling', async () => {
    ec2
      .on(GetConsoleOutputCommand, { InstanceId: 'i-gone' })
      .rejects(awsError('InvalidInstanceID.NotFound'))
      .on(GetConsoleOutputCommand, { InstanceId: 'i-busy' })
      .rejects(awsError('RequestLimitExceeded'));
    const reader = buildConsoleOutputReader();

    expect(await reader.consoleOutput('us-east-1', 'i-gone')).toBeUndefined();
    await expect(reader.consoleOutput('us-east-1', 'i-busy')).rejects.toBeInstanceOf(TransientAwsError);
  });
});
