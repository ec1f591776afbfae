/**
 * Slack: the response_url poster, the chat follow-ups of the lifecycle, and the channel poster with the bot token
 * (Node's fetch, no client).
 */
import { buildSlackChannelPoster } from '../adapters/slack/channel-poster';
import { buildChatFollowUps, buildSlackResponder, type ChatResponder } from '../adapters/slack/responder';
import type { Config } from '../config';
import type { ChatFollowUps, SendChatMessage } from '../use-cases/ports';

export function chatResponder(config: Config): ChatResponder {
  return buildSlackResponder({ allowLoopbackHttp: config.slack.allowLoopbackHttp });
}

export function chatFollowUps(config: Config): ChatFollowUps {
  return buildChatFollowUps(chatResponder(config));
}

/** chat.postMessage with the bot token; undefined when none is configured (the channel deliveries then stop unsent). */
export function chatChannelPoster(config: Config): SendChatMessage | undefined {
  const botToken = config.slack.botToken;
  return botToken ? buildSlackChannelPoster({ apiUrl: config.slack.apiUrl, botToken, timeoutMs: config.webhook.timeoutMs }) : undefined;
}
