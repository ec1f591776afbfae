/**
 * A slash command, run after Slack got its 3-second acknowledgement: the same use cases as the HTTP API, as the
 * Slack user's own principal, so tenancy and quotas apply exactly as they do to API callers.
 */
import type { Caller } from '../domain/access';
import {
  chatClusterRequest,
  connectText,
  createdText,
  HELP_TEXT,
  listText,
  planText,
  problemText,
  statusText,
  updateStartedText,
  type ChatCommand,
  type ChatMessage,
} from '../domain/chatops';
import type { ChatChannel, ChatFollowUp, Cluster } from '../domain/cluster';
import { NotFoundError, ProblemError } from '../domain/errors';
import { logger } from '../logger';
import { createCluster, type CreateClusterDeps } from './create-cluster';
import { planCluster, type PlanClusterDeps } from './plan-cluster';
import type { ClusterStore } from './ports';
import type { UpdateRequest } from './request-cluster-update';
import { getCluster, listClusters } from './read-clusters';

/** What the acknowledging handler hands to the worker. */
export interface ChatCommandJob {
  /** `slack:<team>:<user>`: the owner the command acts as. */
  owner: string;
  userId: string;
  /** Slack's id for this one command: the worker's create uses it as its Idempotency-Key. */
  triggerId: string;
  command: ChatCommand;
  responseUrl: string;
  /**
   * The workspace and channel the command was typed in: a create keeps them so its health events reach the channel.
   * Optional: a job handed over before this field existed has none.
   */
  teamId?: string;
  channelId?: string;
}

export type ChatCommandDispatcher = (job: ChatCommandJob) => Promise<void>;

/**
 * Deletes a cluster for a chat user and remembers where to announce the outcome: DELETE /clusters/{id}'s use case
 * (requestClusterDeletion, action 'delete'), wired by the Slack worker.
 */
export type ChatDelete = (caller: Caller, clusterId: string, followUp: ChatFollowUp) => Promise<Cluster>;

/**
 * Changes a cluster for a chat user and remembers where to announce the outcome: the PATCH / upgrade / hibernate /
 * wake use case (requestClusterUpdate, action 'change'), wired by the Slack worker.
 */
export type ChatUpdate = (caller: Caller, clusterId: string, request: UpdateRequest, followUp: ChatFollowUp) => Promise<Cluster>;

export interface RunChatCommandDeps {
  create: CreateClusterDeps;
  /** A dry run of a create: the same checks, nothing written. */
  plan: PlanClusterDeps;
  store: ClusterStore;
  respond: (responseUrl: string, message: ChatMessage) => Promise<boolean>;
  deleteCluster: ChatDelete;
  updateCluster: ChatUpdate;
}

const NAME_SEARCH_PAGES = 5;

/** The caller's newest cluster with this name (or this id) that is not yet deleted. */
async function findCluster(store: ClusterStore, caller: Caller, nameOrId: string): Promise<Cluster> {
  if (/^c-[0-9a-z]{26}$/.test(nameOrId)) return getCluster(store, caller, nameOrId, 'read');
  let cursor: string | undefined;
  for (let page = 0; page < NAME_SEARCH_PAGES; page++) {
    const result = await listClusters(store, caller, { limit: 100, cursor });
    const match = result.items.find((cluster) => cluster.name === nameOrId && cluster.status !== 'DELETED');
    if (match) return match;
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  throw new NotFoundError(`You have no cluster named ${nameOrId}. \`list\` shows yours.`);
}

async function answer(deps: RunChatCommandDeps, job: ChatCommandJob, caller: Caller): Promise<ChatMessage> {
  const { command } = job;
  switch (command.verb) {
    case 'help':
      return { response_type: 'ephemeral', text: HELP_TEXT };
    case 'list': {
      const page = await listClusters(deps.store, caller, { limit: 20 });
      return { response_type: 'ephemeral', text: listText(page.items) };
    }
    case 'status':
      return { response_type: 'ephemeral', text: statusText(await findCluster(deps.store, caller, command.name)) };
    case 'connect':
      return { response_type: 'ephemeral', text: connectText(await findCluster(deps.store, caller, command.name)) };
    case 'create': {
      const built = chatClusterRequest(command.name, command.options);
      if (!built.ok) return { response_type: 'ephemeral', text: ['That cluster cannot be created:', ...built.problems.map((p) => `• ${p}`)].join('\n') };
      const followUp: ChatFollowUp = { kind: 'slack', responseUrl: job.responseUrl };
      // Keyed by the command's trigger_id: if Lambda runs this invocation again (its asynchronous retries), the same
      // cluster is found instead of a second one made.
      const chatChannel: ChatChannel | undefined = job.teamId && job.channelId ? { kind: 'slack', teamId: job.teamId, channelId: job.channelId } : undefined;
      const { cluster } = await createCluster(deps.create, { owner: caller.principal, request: built.request, followUp, chatChannel, idempotencyKey: `slack-trigger:${job.triggerId}` });
      return { response_type: 'in_channel', text: createdText(cluster, job.userId) };
    }
    case 'plan': {
      const built = chatClusterRequest(command.name, command.options);
      if (!built.ok) return { response_type: 'ephemeral', text: ['That cluster could not be created:', ...built.problems.map((p) => `• ${p}`)].join('\n') };
      return { response_type: 'ephemeral', text: planText(await planCluster(deps.plan, { owner: caller.principal, request: built.request })) };
    }
    case 'delete': {
      const target = await findCluster(deps.store, caller, command.name);
      const cluster = await deps.deleteCluster(caller, target.id, { kind: 'slack', responseUrl: job.responseUrl });
      return { response_type: 'in_channel', text: `<@${job.userId}> is deleting *${cluster.name}* (${cluster.id}); I will post here when every instance is gone.` };
    }
    case 'scale':
    case 'upgrade':
    case 'hibernate':
    case 'wake': {
      const target = await findCluster(deps.store, caller, command.name);
      const request: UpdateRequest =
        command.verb === 'scale'
          ? { operation: 'change', changes: { ...(command.workers !== undefined && { workers: command.workers }), ...(command.managers !== undefined && { managers: command.managers }) } }
          : { operation: command.verb };
      const cluster = await deps.updateCluster(caller, target.id, request, { kind: 'slack', responseUrl: job.responseUrl });
      return { response_type: 'in_channel', text: updateStartedText(cluster, job.userId) };
    }
  }
}

/**
 * Primary course:
 * 1. Act as the Slack user's principal (never an operator: operators are IAM roles and operator keys).
 * 2. Run the command through the HTTP API's use cases (create and its dry run, list, read, delete, and the changes
 *    of a running cluster: scale, upgrade, hibernate, wake).
 * 3. Post the answer to the command's response_url; a refusal (validation, quota, not found) is explained in plain
 *    words; anything else is logged and the person is told it failed on our side.
 */
export async function runChatCommand(deps: RunChatCommandDeps, job: ChatCommandJob): Promise<ChatMessage> {
  const caller: Caller = { principal: job.owner, operator: false };
  let message: ChatMessage;
  try {
    message = await answer(deps, job, caller);
  } catch (error) {
    if (error instanceof ProblemError && error.expose) {
      message = { response_type: 'ephemeral', text: problemText(error) };
    } else {
      logger.error('chat command failed', { verb: job.command.verb, owner: job.owner, error });
      message = { response_type: 'ephemeral', text: 'That failed on our side; it has been logged. Please try again in a minute.' };
    }
  }
  const posted = await deps.respond(job.responseUrl, message);
  logger.info('chat command answered', { verb: job.command.verb, owner: job.owner, posted });
  return message;
}
