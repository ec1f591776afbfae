/**
 * Runs a slash command handed over by POST /chatops/slack (asynchronously invoked, so it has its own time, not
 * Slack's 3 seconds) and posts the answer to the command's response_url.
 */
import { chatFollowUps, chatResponder } from '../../composition/chat';
import { createClusterDeps, type Dependencies } from '../../composition/dependencies';
import { clusterStore, dynamoDBClient, quotaLedger } from '../../composition/dynamodb';
import { createExecutionPrefix, workflowStarter } from '../../composition/stepfunctions';
import { webhookRegistration } from '../../composition/webhooks';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { requestClusterDeletion } from '../../use-cases/request-cluster-deletion';
import { runChatCommand, type ChatCommandJob, type RunChatCommandDeps } from '../../use-cases/run-chat-command';
import { lazyHandler } from '../lazy';

export type ChatCommandDependencies = Pick<Dependencies, 'config' | 'clock' | 'store' | 'workflows' | 'webhooks' | 'createExecutionPrefix' | 'quotas' | 'followUps'>;

export function chatCommandDeps(deps: ChatCommandDependencies, respond: RunChatCommandDeps['respond']): RunChatCommandDeps {
  return {
    store: deps.store,
    respond,
    // DELETE /clusters/{id}'s use case, as the Slack user with action 'delete'. The command's response_url is kept
    // on the cluster, so the "deleted" (or "could not be deleted") follow-up reaches the person who asked.
    deleteCluster: (caller, id, followUp) => requestClusterDeletion(deps, { caller, id, followUp }),
    create: createClusterDeps(deps),
  };
}

export function slackWorkerHandler(deps: RunChatCommandDeps) {
  return async (job: ChatCommandJob): Promise<void> => {
    await runChatCommand(deps, job);
  };
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  const deps: ChatCommandDependencies = {
    config,
    clock: systemClock,
    store: clusterStore(config, dynamodb),
    workflows: workflowStarter(config),
    webhooks: webhookRegistration(config),
    createExecutionPrefix: createExecutionPrefix(config),
    quotas: quotaLedger(config, dynamodb),
    followUps: chatFollowUps(config),
  };
  return slackWorkerHandler(chatCommandDeps(deps, chatResponder(config)));
});
