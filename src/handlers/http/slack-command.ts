/**
 * POST /chatops/slack — the slash command. Slack proves itself with its request signature (this route has no API
 * authorizer); the command runs in the worker after a fast acknowledgement, because Slack gives up after 3 seconds.
 * The checks and the hand-over are the use case's (use-cases/receive-chat-command.ts); this decodes and answers.
 */
import type { Dependencies } from '../../composition/dependencies';
import { replayGuard } from '../../composition/dynamodb';
import { chatDispatcher } from '../../composition/eventbridge';
import { loadConfig, type Config } from '../../config';
import type { ReplayGuard } from '../../adapters/dynamodb/replay-guard';
import { isAllowedResponseUrl } from '../../adapters/slack/responder';
import { verifySlackSignature } from '../../adapters/slack/signature';
import { BadRequestError } from '../../domain/errors';
import { systemClock } from '../../use-cases/ports';
import { receiveChatCommand } from '../../use-cases/receive-chat-command';
import type { ChatCommandDispatcher } from '../../use-cases/run-chat-command';
import { lazyHandler } from '../lazy';
import { unauthenticatedHttpHandler } from './http-handler';
import { json, MAX_BODY_BYTES } from './middleware';

export interface SlackCommandHandlerDeps {
  slack: Config['slack'];
  clock: Dependencies['clock'];
  /** Marks each command (team + trigger_id) once, with a conditional write. */
  seenBefore: ReplayGuard;
  /** Undefined when no worker is configured: commands that need one are answered with an apology. */
  dispatch?: ChatCommandDispatcher;
  /** How long the acknowledgement may wait for the hand-over, out of Slack's 3 seconds. */
  dispatchBudgetMs?: number;
}

export function slackCommandHandler(deps: SlackCommandHandlerDeps) {
  const receive = {
    signingSecret: deps.slack.signingSecret,
    teamIds: deps.slack.teamIds,
    clock: deps.clock,
    verifySignature: verifySlackSignature,
    isAllowedResponseUrl: (url: string) => isAllowedResponseUrl(url, { allowLoopbackHttp: deps.slack.allowLoopbackHttp }),
    firstTime: deps.seenBefore,
    dispatch: deps.dispatch,
    dispatchBudgetMs: deps.dispatchBudgetMs ?? 2000,
  };
  return unauthenticatedHttpHandler(async (event) => {
    const raw = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) throw new BadRequestError('The request body is too large.');
    const headers = event.headers ?? {};
    const answer = await receiveChatCommand(receive, {
      rawBody: raw,
      signature: headers['x-slack-signature'],
      timestamp: headers['x-slack-request-timestamp'],
      retryNum: headers['x-slack-retry-num'],
      retryReason: headers['x-slack-retry-reason'],
    });
    // An empty 200 is a bare acknowledgement: Slack posts nothing.
    return answer === undefined ? { statusCode: 200, headers: {}, body: '' } : json(200, answer);
  });
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  return slackCommandHandler({ slack: config.slack, clock: systemClock, seenBefore: replayGuard(config), dispatch: chatDispatcher(config) });
});
