/**
 * Runs a slash command handed over by POST /chatops/slack as a `Chat Command Received` event on the default bus (an
 * EventBridge rule invokes this asynchronously, so it has its own time, not Slack's 3 seconds) and posts the answer to
 * the command's response_url.
 *
 * At least once: EventBridge retries a delivery it could not make, and Lambda an invocation that failed, so the same
 * command can run twice. Its effects do not repeat (a create is keyed by the command's trigger_id, a second delete of
 * a DELETING cluster starts nothing); at worst the person reads the same answer twice. Slack's own duplicates never
 * get this far: the route's replay guard dispatches each team + trigger_id once.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { chatFollowUps, chatResponder } from '../../composition/chat';
import { createClusterDeps, planClusterDeps, type Dependencies } from '../../composition/dependencies';
import { clusterStore, dynamoDBClient, quotaLedger } from '../../composition/dynamodb';
import { createExecutionPrefix, workflowStarter } from '../../composition/stepfunctions';
import { webhookRegistration } from '../../composition/webhooks';
import { loadConfig } from '../../config';
import type { CHAT_COMMAND_RECEIVED } from '../../domain/chatops';
import { systemClock } from '../../use-cases/ports';
import { requestClusterDeletion } from '../../use-cases/request-cluster-deletion';
import { requestClusterUpdate } from '../../use-cases/request-cluster-update';
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
    // The changes of a running cluster (PATCH, upgrade, hibernate, wake), as the Slack user with action 'change'; the
    // response_url is kept on the cluster so the outcome (READY, HIBERNATED, UPDATE_FAILED) reaches the person who asked.
    updateCluster: async (caller, id, request, followUp) =>
      (
        await requestClusterUpdate(
          { store: deps.store, workflows: deps.workflows, clock: deps.clock, quotas: deps.quotas, quotaLimits: deps.config.quota },
          { caller, id, request, followUp },
        )
      ).cluster,
    create: createClusterDeps(deps),
    plan: planClusterDeps(deps),
  };
}

/** The event as the rule delivers it: the envelope EventBridge adds, and the job the Slack route put as its detail. */
export type ChatCommandEvent = EventBridgeEvent<typeof CHAT_COMMAND_RECEIVED, ChatCommandJob>;

export function slackWorkerHandler(deps: RunChatCommandDeps) {
  return async (event: ChatCommandEvent): Promise<void> => {
    await runChatCommand(deps, event.detail);
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
