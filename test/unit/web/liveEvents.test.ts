import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuthService } from '../../../src/services/authService.js';
import { openStream } from '../../../web/src/live/events.js';
import { build, TEST_JWT_SECRET, tokenFor } from '../../support/buildTestApp.js';
import { createMemoryEvents } from '../../support/doubles/memoryEvents.js';

/**
 * The page's event stream client (web/src/live/events.ts) against the real events route: when
 * the server ends the stream at the token's expiry, the page reconnects with the tab's current
 * token. fetch-event-source reads `window` for its timers and `document` for visibility; Node's
 * globals and an always-visible document stand in, and relative URLs go to the test server.
 */
let app: FastifyInstance | undefined;
let close: (() => void) | undefined;
const realFetch = globalThis.fetch;
const sent: string[] = [];

type BrowserGlobals = { window?: unknown; document?: unknown };
beforeEach(() => {
  (globalThis as BrowserGlobals).window = globalThis;
  (globalThis as BrowserGlobals).document = {
    hidden: false,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
  };
});
afterEach(async () => {
  close?.();
  globalThis.fetch = realFetch;
  delete (globalThis as BrowserGlobals).window;
  delete (globalThis as BrowserGlobals).document;
  sent.length = 0;
  await app?.close();
  app = undefined;
});

describe('the page follows its current token across an expiry', () => {
  it('reconnects with the current token after the server ends the stream at exp', async () => {
    const events = createMemoryEvents();
    const t = await build({
      authService: createAuthService({
        secret: TEST_JWT_SECRET,
        jwksUrl: undefined,
        issuer: undefined,
        audience: undefined,
        clockSkewSeconds: 0,
      }),
      events: { source: events.source, heartbeatMs: 60_000, maxStreams: 10, maxStreamsPerUser: 10 },
    });
    app = t.app;
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    globalThis.fetch = (input, init) => {
      sent.push(new Headers(init?.headers).get('authorization') ?? '');
      return realFetch(new URL(input as string, base), init); // the page passes a path
    };

    const first = await tokenFor('page-user', { expiresAt: Math.floor(Date.now() / 1000) + 2 });
    const renewed = await tokenFor('page-user');
    let current = first;
    const live: boolean[] = [];
    const received: string[] = [];
    close = openStream(() => current, {
      onLive: (on) => live.push(on),
      onEvent: (event) => received.push(event.kind === 'deleted' ? event.id : event.kind),
      reconnectMs: 200,
    });
    await waitUntil(() => live.includes(true));
    current = renewed; // the tab signed in again while the first stream was open
    await waitUntil(() => live.filter(Boolean).length === 2, 15_000); // ended at exp, reopened

    expect(sent).toEqual([`Bearer ${first}`, `Bearer ${renewed}`]);
    events.emit('page-user', 'deleted', { id: 'b-after-renewal' });
    await waitUntil(() => received.includes('b-after-renewal'));
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
