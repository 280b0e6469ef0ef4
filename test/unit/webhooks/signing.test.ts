import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateSecret, webhookHeaders } from '../../../src/webhooks/signing.js';

describe('Standard Webhooks signing (checked with the reference library)', () => {
  const body = JSON.stringify({ type: 'webhook.test', timestamp: '2026-01-01T00:00:00.000Z', data: {} });

  it('makes secrets of whsec_ + base64 of 32 random bytes, never the same twice', () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
  });

  it('signs so that standardwebhooks verifies, and a changed body or id does not', () => {
    const secret = generateSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders('msg-1', now, body, { current: secret, previous: null });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'msg-2' })).toThrow();
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
  });

  it('carries both signatures during a rotation: either secret verifies', () => {
    const [previous, current] = [generateSecret(), generateSecret()];
    const headers = webhookHeaders('msg-1', Math.floor(Date.now() / 1000), body, { current, previous });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
  });
});
