/**
 * Hands a slash command to the worker function with an asynchronous Lambda invoke (InvocationType Event): Lambda
 * queues it and answers 202 at once, so Slack gets its acknowledgement within 3 seconds whatever the command costs.
 * Lambda retries a failed asynchronous invocation twice by itself; the worker posts one answer per run.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ChatCommandDispatcher } from '../../use-cases/run-chat-command';
import { classifyAwsError } from '../aws-errors';

export function buildChatDispatcher(client: LambdaClient, functionName: string): ChatCommandDispatcher {
  return async (job) => {
    try {
      const result = await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(job)) }));
      if (result.StatusCode !== 202) throw new Error(`asynchronous invoke answered ${String(result.StatusCode)}`);
    } catch (error) {
      classifyAwsError(error, 'Invoke');
    }
  };
}
