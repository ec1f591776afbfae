/** Slack: the response_url poster and the chat follow-ups of the lifecycle (Node's fetch, no client). */
import { buildChatFollowUps, buildSlackResponder, type ChatResponder } from '../adapters/slack/responder';
import type { Config } from '../config';
import type { ChatFollowUps } from '../use-cases/ports';

export function chatResponder(config: Config): ChatResponder {
  return buildSlackResponder({ allowLoopbackHttp: config.slack.allowLoopbackHttp });
}

export function chatFollowUps(config: Config): ChatFollowUps {
  return buildChatFollowUps(chatResponder(config));
}
