import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TaskTokens } from '../../use-cases/ports';
import { classifyAwsError } from '../aws-errors';

/**
 * The answers Step Functions gives for a token whose task is over: already answered, timed out, or from an
 * execution that ended (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html,
 * "Errors"). A duplicate or late event, or the event and the safety net both answering, meets one of these: it is
 * the expected end of a race, not a failure.
 */
const TOKEN_SPENT = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

async function answered(send: () => Promise<unknown>, operation: string): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    if (error instanceof Error && TOKEN_SPENT.has(error.name)) return false;
    return classifyAwsError(error, operation);
  }
}

export function buildTaskTokens(client: SFNClient): TaskTokens {
  return {
    succeed: (taskToken, output) => answered(() => client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })), 'SendTaskSuccess'),
    fail: (taskToken, error, cause) => answered(() => client.send(new SendTaskFailureCommand({ taskToken, error, cause })), 'SendTaskFailure'),
    heartbeat: (taskToken) => answered(() => client.send(new SendTaskHeartbeatCommand({ taskToken })), 'SendTaskHeartbeat'),
  };
}
