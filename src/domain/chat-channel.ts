/**
 * A cluster's health events in its Slack channel: which events go there, and the message. Apart from chatops.ts (the
 * slash command's parsing and answers, with the request schema) so that the health sweep's bundle carries only this.
 */
import type { Cluster } from './cluster';

/** The health events a cluster made from Slack posts to its channel (besides its webhook, if it has one). */
export const CHANNEL_EVENTS: ReadonlySet<string> = /* @__PURE__ */ new Set(['cluster.degraded', 'cluster.drifted', 'cluster.recovered']);

/**
 * A health event as chat.postMessage's body: the channel and a line of text (Slack's mrkdwn), no blocks. What the
 * sweep found, and where the details are (the reasons are also in GET /clusters/{id}).
 */
export function channelHealthMessage(cluster: Pick<Cluster, 'id' | 'name' | 'health'>, event: string, channelId: string): { channel: string; text: string } {
  const health = cluster.health;
  const reasons = health && health.reasons.length > 0 ? `: ${health.reasons.map((reason) => reason.message).join('; ')}` : '';
  const text =
    event === 'cluster.recovered'
      ? `:white_check_mark: *${cluster.name}* (${cluster.id}) is healthy again.`
      : `:warning: *${cluster.name}* (${cluster.id}) is ${health?.status ?? event.replace('cluster.', '')}${reasons}. \`status ${cluster.name}\` shows more.`;
  return { channel: channelId, text };
}
