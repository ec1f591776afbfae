/**
 * EC2's console output of an instance: the bootstrap and cloud-init log a failed node leaves behind.
 * GetConsoleOutput returns the last 64 KB, base64-encoded. `Latest: true` reads the serial console as it is now, but
 * only on Nitro instance types; otherwise (and for a terminated instance, whose serial console is gone) EC2 keeps the
 * buffered output posted at its last state transition for at least an hour, which a second call without `Latest` reads.
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetConsoleOutput.html)
 */
import { EC2Client, GetConsoleOutputCommand } from '@aws-sdk/client-ec2';
import type { ConsoleOutputReader } from '../../use-cases/ports';
import { classifyAwsError, isTransient } from '../aws-errors';
import { clientsByRegion } from '../clients-by-region';

const decode = (output: string | undefined): string => (output ? Buffer.from(output, 'base64').toString('utf8') : '');

export function buildConsoleOutputReader(clientFor: (region: string) => EC2Client = clientsByRegion((region) => new EC2Client({ region }))): ConsoleOutputReader {
  async function read(region: string, instanceId: string, latest: boolean): Promise<string> {
    const result = await clientFor(region).send(new GetConsoleOutputCommand({ InstanceId: instanceId, ...(latest ? { Latest: true } : {}) }));
    return decode(result.Output);
  }

  return {
    async consoleOutput(region, instanceId) {
      try {
        let text: string;
        try {
          text = await read(region, instanceId, true);
        } catch (error) {
          if (isTransient(error) || isNotFound(error)) throw error;
          text = '';
        }
        if (!text) text = await read(region, instanceId, false);
        return text || undefined;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        return classifyAwsError(error, 'GetConsoleOutput');
      }
    },
  };
}

/** EC2 has forgotten the instance (long terminated), or never knew it. */
const isNotFound = (error: unknown): boolean => error instanceof Error && error.name.startsWith('InvalidInstanceID');

