/**
 * POST /chatops/slack — the slash command. Slack proves itself with its request signature (this route has no API
 * authorizer); the command runs in the worker after a fast acknowledgement, because Slack gives up after 3 seconds.
 */
import { chatDispatcher, replayGuard, type Dependencies } from '../../composition';
import { loadConfig, type Config } from '../../config';
import { slackPrincipal } from '../../domain/access';
import { commandSummary, HELP_TEXT, parseChatCommand, type ChatMessage } from '../../domain/chatops';
import { BadRequestError, ForbiddenError, UnauthorizedError } from '../../domain/errors';
import type { ReplayGuard } from '../../adapters/dynamodb/replay-guard';
import { isAllowedResponseUrl } from '../../adapters/slack/responder';
import { MAX_CLOCK_SKEW_SECONDS, verifySlackSignature } from '../../adapters/slack/signature';
import { logger } from '../../logger';
import { systemClock } from '../../use-cases/ports';
import type { ChatCommandDispatcher } from '../../use-cases/run-chat-command';
import { lazyHandler } from '../lazy';
import { unauthenticatedHttpHandler } from './http-handler';
import { json, MAX_BODY_BYTES } from './middleware';

export interface SlackCommandHandlerDeps {
  slack: Config['slack'];
  clock: Dependencies['clock'];
  seenBefore: ReplayGuard;
  /** Undefined when no worker is configured: commands that need one are answered with an apology. */
  dispatch?: ChatCommandDispatcher;
  /** How long the acknowledgement may wait for the hand-over, out of Slack's 3 seconds. */
  dispatchBudgetMs?: number;
}

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

export function slackCommandHandler(deps: SlackCommandHandlerDeps) {
  const budgetMs = deps.dispatchBudgetMs ?? 2000;
  return unauthenticatedHttpHandler(async (event) => {
    const raw = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) throw new BadRequestError('The request body is too large.');

    // 1. Slack's signature over the raw body, within 5 minutes either way.
    const now = deps.clock.now();
    const signature = event.headers?.['x-slack-signature'];
    if (!deps.slack.signingSecret) {
      logger.warn('slack request refused: no signing secret configured');
      throw new UnauthorizedError('This service does not take Slack commands.');
    }
    const verdict = verifySlackSignature({ signingSecret: deps.slack.signingSecret, signature, timestamp: event.headers?.['x-slack-request-timestamp'], rawBody: raw, now });
    if (!verdict.ok) {
      logger.warn('slack request refused', { reason: verdict.reason });
      throw new UnauthorizedError('The request is not signed by Slack.');
    }

    // 2. Only the workspaces we serve.
    const form = new URLSearchParams(raw);
    const teamId = form.get('team_id') ?? '';
    const userId = form.get('user_id') ?? '';
    if (!deps.slack.teamIds.includes(teamId)) {
      logger.warn('slack request refused: workspace not allowed', { teamId });
      throw new ForbiddenError('This Slack workspace may not use this service.');
    }

    // 3. Each signed request once: a copy replayed within the 5-minute window is refused.
    if (!(await deps.seenBefore(signature!, now, 2 * MAX_CLOCK_SKEW_SECONDS))) {
      logger.warn('slack request refused: replayed', { teamId });
      throw new UnauthorizedError('This request was already received.');
    }

    const responseUrl = form.get('response_url') ?? '';
    if (!/^[A-Z0-9]{1,32}$/.test(userId) || !isAllowedResponseUrl(responseUrl, { allowLoopbackHttp: deps.slack.allowLoopbackHttp })) {
      throw new BadRequestError('The command is missing its user or its Slack response_url.');
    }

    // 4. Answer what needs no work now; hand the rest to the worker.
    const parsed = parseChatCommand(form.get('text') ?? '');
    if (!parsed.ok) return json(200, ephemeral(`${parsed.message}\n\n${HELP_TEXT}`));
    if (parsed.command.verb === 'help') return json(200, ephemeral(HELP_TEXT));
    if (!deps.dispatch) return json(200, ephemeral('Slack commands are not set up completely on this service (no worker); ask its operators.'));

    const job = { owner: slackPrincipal(teamId, userId), userId, command: parsed.command, responseUrl };
    const handedOver = await within(
      deps.dispatch(job).then(
        () => 'ok' as const,
        (error: unknown) => {
          logger.error('chat command could not be handed to the worker', { verb: job.command.verb, error });
          return 'failed' as const;
        },
      ),
      budgetMs,
    );
    if (handedOver === 'failed') return json(200, ephemeral('I could not start that just now. Please try again in a minute.'));
    if (handedOver === 'timedOut') return json(200, ephemeral('This is taking longer than usual. If nothing follows within a minute, please try again.'));
    return json(200, ephemeral(`On it: ${commandSummary(parsed.command)}`));
  });
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return slackCommandHandler({ slack: config.slack, clock: systemClock, seenBefore: replayGuard(config), dispatch: chatDispatcher(config) });
});
