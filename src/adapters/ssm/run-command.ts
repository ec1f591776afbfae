/**
 * SSM Run Command on one node: SendCommand with the AWS-RunShellScript document, then GetCommandInvocation until the
 * invocation ends or the deadline passes. Right after SendCommand, GetCommandInvocation may answer
 * InvocationDoesNotExist for a moment (the invocation is not registered yet): that reads as still pending.
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html,
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html)
 * The node needs the SSM agent's permissions (AmazonSSMManagedInstanceCore on its role; the template's part).
 */
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { NodeCommands } from '../../use-cases/ports';
import { classifyAwsError } from '../aws-errors';
import { clientsByRegion } from '../clients-by-region';

/** Statuses after which the invocation changes no more. */
const FINAL = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut', 'Cancelling']);
const POLL_MS = 500;

export interface RunCommandTiming {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

const realTiming: RunCommandTiming = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

export function buildNodeCommands(clientFor: (region: string) => SSMClient = clientsByRegion((region) => new SSMClient({ region })), timing: RunCommandTiming = realTiming): NodeCommands {
  return {
    async run(region, instanceId, commands, { deadlineMs }) {
      const client = clientFor(region);
      const until = timing.now() + deadlineMs;
      let commandId: string | undefined;
      try {
        const sent = await client.send(
          new SendCommandCommand({
            DocumentName: 'AWS-RunShellScript',
            InstanceIds: [instanceId],
            Parameters: { commands },
            // The agent stops the script after this long; SSM's minimum is 30 seconds.
            TimeoutSeconds: 30,
            Comment: 'swarm-provisioner diagnostics',
          }),
        );
        commandId = sent.Command?.CommandId;
      } catch (error) {
        classifyAwsError(error, 'SendCommand');
      }
      if (!commandId) return { instanceId, status: 'Undeliverable', output: '' };
      for (;;) {
        try {
          const invocation = await client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
          const status = invocation.Status ?? 'Pending';
          if (FINAL.has(status)) {
            return {
              instanceId,
              status,
              output: invocation.StandardOutputContent ?? '',
              ...(invocation.StandardErrorContent ? { error: invocation.StandardErrorContent } : {}),
            };
          }
        } catch (error) {
          if (!(error instanceof Error && error.name === 'InvocationDoesNotExist')) classifyAwsError(error, 'GetCommandInvocation');
        }
        if (timing.now() + POLL_MS > until) return { instanceId, status: 'DeadlinePassed', output: '' };
        await timing.sleep(POLL_MS);
      }
    },
  };
}

