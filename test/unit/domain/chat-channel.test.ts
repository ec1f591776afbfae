import { CHANNEL_EVENTS, channelHealthMessage } from '../../../src/domain/chat-channel';
import type { ClusterHealth } from '../../../src/domain/health';

const cluster = (health?: ClusterHealth) => ({ id: 'c-1', name: 'demo', ...(health && { health }) });
const checkedAt = '2026-11-27T10:00:00Z';

describe('which health events go to the channel a cluster was made from', () => {
  it('are degraded, drifted and recovered, nothing else', () => {
    expect([...CHANNEL_EVENTS].sort()).toEqual(['cluster.degraded', 'cluster.drifted', 'cluster.recovered']);
  });
});

describe('the channel message of a health event (chat.postMessage body)', () => {
  it('says a recovered cluster is healthy again, whatever its old reasons', () => {
    // Act
    const message = channelHealthMessage(cluster({ status: 'healthy', reasons: [{ code: 'manager_down', message: 'ignored' }], checkedAt }), 'cluster.recovered', 'C012AB3CD');

    // Assess
    expect(message).toEqual({ channel: 'C012AB3CD', text: ':white_check_mark: *demo* (c-1) is healthy again.' });
  });

  it('gives the health status and every reason, joined, and the command that shows more', () => {
    // Prepare
    const health: ClusterHealth = {
      status: 'degraded',
      reasons: [
        { code: 'manager_down', message: '1 of 3 managers is not running' },
        { code: 'instances_missing', message: '2 of 5 workers are missing' },
      ],
      checkedAt,
    };

    // Act
    const message = channelHealthMessage(cluster(health), 'cluster.degraded', 'C1');

    // Assess
    expect(message).toEqual({
      channel: 'C1',
      text: ':warning: *demo* (c-1) is degraded: 1 of 3 managers is not running; 2 of 5 workers are missing. `status demo` shows more.',
    });
  });

  it('gives no reasons part when the finding has none', () => {
    expect(channelHealthMessage(cluster({ status: 'drifted', reasons: [], checkedAt }), 'cluster.drifted', 'C1').text).toBe(
      ':warning: *demo* (c-1) is drifted. `status demo` shows more.',
    );
  });

  it('words the event itself when the record holds no finding', () => {
    expect(channelHealthMessage(cluster(), 'cluster.drifted', 'C1').text).toBe(':warning: *demo* (c-1) is drifted. `status demo` shows more.');
    expect(channelHealthMessage(cluster(), 'cluster.degraded', 'C1').text).toBe(':warning: *demo* (c-1) is degraded. `status demo` shows more.');
  });

  it('prefers the recorded status to the event’s word', () => {
    expect(channelHealthMessage(cluster({ status: 'degraded', reasons: [], checkedAt }), 'cluster.drifted', 'C1').text).toBe(
      ':warning: *demo* (c-1) is degraded. `status demo` shows more.',
    );
  });
});
