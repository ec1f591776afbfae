/**
 * Runs a slash command handed over by POST /chatops/slack (asynchronously invoked, so it has its own time, not
 * Slack's 3 seconds) and posts the answer to the command's response_url.
 */
import { dependencies, chatResponder, type Dependencies } from '../../composition';
import { runChatCommand, type ChatCommandJob, type ChatDelete, type RunChatCommandDeps } from '../../use-cases/run-chat-command';
import { lazyHandler } from '../lazy';

export function chatCommandDeps(deps: Dependencies, respond: RunChatCommandDeps['respond']): RunChatCommandDeps {
  // Issue 3 (DELETE /clusters/{id}): wire its use case here, as the Slack user with action 'delete', e.g.
  //   (caller, id, followUp) => deleteCluster(deps, { caller, id, followUp })
  const deleteCluster: ChatDelete | undefined = undefined;
  return {
    store: deps.store,
    respond,
    deleteCluster,
    create: {
      store: deps.store,
      workflows: deps.workflows,
      clock: deps.clock,
      defaultRegion: deps.config.region,
      allowedRegions: deps.config.allowedRegions,
      checkWebhookUrl: deps.webhooks.checkUrl,
      newWebhookSecret: deps.webhooks.newSecret,
      createExecutionPrefix: deps.createExecutionPrefix,
      quotas: deps.quotas,
      quotaLimits: deps.config.quota,
    },
  };
}

export function slackWorkerHandler(deps: RunChatCommandDeps) {
  return async (job: ChatCommandJob): Promise<void> => {
    await runChatCommand(deps, job);
  };
}

export const handler = lazyHandler(() => {
  const deps = dependencies();
  return slackWorkerHandler(chatCommandDeps(deps, chatResponder(deps.config)));
});
