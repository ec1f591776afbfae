/**
 * A slash command arriving from Slack, before any work: prove it came from Slack, from a workspace we serve, and that
 * it is the first delivery of that command; answer what needs no work; hand the rest to the worker within Slack's
 * 3 seconds. At most once: a command is dispatched for the first delivery of its team + trigger_id and never again.
 */
import { slackPrincipal } from '../domain/access';
import { commandSummary, HELP_TEXT, parseChatCommand, type ChatMessage } from '../domain/chatops';
import { BadRequestError, ForbiddenError, UnauthorizedError } from '../domain/errors';
import { logger } from '../logger';
import type { Clock } from './ports';
import type { ChatCommandDispatcher } from './run-chat-command';

/** The request as Slack sent it: the raw form body (what the signature covers) and the headers that matter. */
export interface SlackCommandDelivery {
  rawBody: string;
  signature?: string;
  timestamp?: string;
  /** `X-Slack-Retry-Num` / `X-Slack-Retry-Reason`: set when Slack sends a request again. */
  retryNum?: string;
  retryReason?: string;
}

export interface ReceiveChatCommandDeps {
  /** Undefined: this service takes no Slack commands, and every request is refused. */
  signingSecret?: string;
  teamIds: string[];
  clock: Clock;
  /** Slack's v0 signature check (adapters/slack/signature.ts). */
  verifySignature: (input: { signingSecret: string; signature: string | undefined; timestamp: string | undefined; rawBody: string; now: Date }) => { ok: true } | { ok: false; reason: string };
  /** Whether a response_url is Slack's (or loopback in the local sandbox). */
  isAllowedResponseUrl: (url: string) => boolean;
  /** Resolves true the first time a key is seen within `ttlSeconds`, false for every later time (a conditional write). */
  firstTime: (key: string, now: Date, ttlSeconds: number) => Promise<boolean>;
  /** Undefined when no worker is configured: commands that need one are answered with an apology. */
  dispatch?: ChatCommandDispatcher;
  /** How long the acknowledgement may wait for the hand-over, out of Slack's 3 seconds. */
  dispatchBudgetMs: number;
}

/**
 * How long a command's mark is kept. It must outlive every copy Slack can send: a request is accepted for 5 minutes
 * either side of its timestamp, and Slack's retries carry fresh timestamps, the last one about 5 minutes after the
 * first (Events API: at once, after 1 minute, after 5 minutes). An hour covers that many times over; the marks are tiny.
 */
export const COMMAND_MARK_TTL_SECONDS = 60 * 60;

// Slack's user ids (U…, W…) and trigger ids (digits and dots with a hex tail); anything else is not a slash command.
const USER_ID = /^[A-Z0-9]{1,32}$/;
const TRIGGER_ID = /^[0-9A-Za-z._-]{1,255}$/;
const CHANNEL_ID = /^[A-Z0-9]{1,32}$/;

const ephemeral = (text: string): ChatMessage => ({ response_type: 'ephemeral', text });

/** Resolves the promise's value, or `timedOut` once `ms` have passed (the promise carries on unobserved). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timedOut'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timedOut'>((resolve) => {
    timer = setTimeout(() => resolve('timedOut'), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Primary course (the answer is the acknowledgement's body; `undefined` is an empty 200, which Slack takes as a bare
 * acknowledgement):
 * 1. Slack's signature over the raw body, within 5 minutes either way (401 otherwise, or when no secret is set).
 * 2. Only the workspaces we serve (403).
 * 3. A request Slack sends again (`X-Slack-Retry-Num`) is acknowledged and nothing more: the first delivery, if it
 *    reached us, was dispatched; one that did not is lost, and the person types the command again (at most once).
 * 4. A command without its user, its trigger_id or a Slack response_url is malformed (400).
 * 5. Answer `help` and mistakes at once.
 * 6. Mark team + trigger_id with a conditional write; a command already marked (a duplicate, or a captured request
 *    replayed within its 5 minutes) is acknowledged and not dispatched.
 * 7. Hand the command to the worker within the budget, and say what happens next.
 */
export async function receiveChatCommand(deps: ReceiveChatCommandDeps, delivery: SlackCommandDelivery): Promise<ChatMessage | undefined> {
  const now = deps.clock.now();
  if (!deps.signingSecret) {
    logger.warn('slack request refused: no signing secret configured');
    throw new UnauthorizedError('This service does not take Slack commands.');
  }
  const verdict = deps.verifySignature({ signingSecret: deps.signingSecret, signature: delivery.signature, timestamp: delivery.timestamp, rawBody: delivery.rawBody, now });
  if (!verdict.ok) {
    logger.warn('slack request refused', { reason: verdict.reason });
    throw new UnauthorizedError('The request is not signed by Slack.');
  }

  const form = new URLSearchParams(delivery.rawBody);
  const teamId = form.get('team_id') ?? '';
  if (!deps.teamIds.includes(teamId)) {
    logger.warn('slack request refused: workspace not allowed', { teamId });
    throw new ForbiddenError('This Slack workspace may not use this service.');
  }

  if (delivery.retryNum !== undefined) {
    logger.info('slack retry acknowledged without dispatch', { teamId, retryNum: delivery.retryNum, retryReason: delivery.retryReason });
    return undefined;
  }

  const userId = form.get('user_id') ?? '';
  const triggerId = form.get('trigger_id') ?? '';
  const responseUrl = form.get('response_url') ?? '';
  if (!USER_ID.test(userId) || !TRIGGER_ID.test(triggerId) || !deps.isAllowedResponseUrl(responseUrl)) {
    throw new BadRequestError('The command is missing its user, its trigger_id or its Slack response_url.');
  }

  const parsed = parseChatCommand(form.get('text') ?? '');
  if (!parsed.ok) return ephemeral(`${parsed.message}\n\n${HELP_TEXT}`);
  if (parsed.command.verb === 'help') return ephemeral(HELP_TEXT);
  if (!deps.dispatch) return ephemeral('Slack commands are not set up completely on this service (no worker); ask its operators.');

  if (!(await deps.firstTime(`${teamId}:${triggerId}`, now, COMMAND_MARK_TTL_SECONDS))) {
    logger.warn('slack command already received; not dispatched again', { teamId });
    return undefined;
  }

  // Slack's channel ids (C…, G…, D…); one that does not look like one is left out rather than refusing the command.
  const channelId = form.get('channel_id') ?? '';
  const job = { owner: slackPrincipal(teamId, userId), userId, triggerId, command: parsed.command, responseUrl, teamId, ...(CHANNEL_ID.test(channelId) && { channelId }) };
  const handedOver = await within(
    deps.dispatch(job).then(
      () => 'ok' as const,
      (error: unknown) => {
        logger.error('chat command could not be handed to the worker', { verb: job.command.verb, error });
        return 'failed' as const;
      },
    ),
    deps.dispatchBudgetMs,
  );
  if (handedOver === 'failed') return ephemeral('I could not start that just now. Please try again in a minute.');
  if (handedOver === 'timedOut') return ephemeral('This is taking longer than usual. If nothing follows within a minute, please try again.');
  return ephemeral(`On it: ${commandSummary(parsed.command)}`);
}
