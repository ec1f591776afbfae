import { Webhook } from 'standardwebhooks';
import { newWebhookSecret } from '../../src/adapters/webhooks/sender';

describe('newWebhookSecret', () => {
  it('is whsec_ followed by 32 random bytes in base64', () => {
    // Act
    const secret = newWebhookSecret();

    // Assess
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
  });

  it('differs every time', () => {
    // Act
    const secrets = new Set(Array.from({ length: 100 }, () => newWebhookSecret()));

    // Assess
    expect(secrets.size).toBe(100);
  });

  it('is accepted by the official Standard Webhooks library', () => {
    // Prepare
    const secret = newWebhookSecret();
    const webhook = new Webhook(secret);
    const now = new Date();

    // Act
    const signature = webhook.sign('msg_1', now, '{}');

    // Assess
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(() =>
      webhook.verify('{}', {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
      }),
    ).not.toThrow();
  });
});
