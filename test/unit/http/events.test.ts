import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthService } from '../../../src/services/authService.js';
import { build, TEST_JWT_SECRET, tokenFor, type BuildOptions } from '../../support/buildTestApp.js';
import { createMemoryEvents, type MemoryEvents } from '../../support/doubles/memoryEvents.js';
import { openEventStream, type SseClient } from '../../support/sseClient.js';

/**
 * The events route over an in-memory event source, on a real socket (an endless response
 * cannot be inject()ed): framing, limits, disconnects and shutdown. The Redis path is in
 * test/integration/events.
 */
let app: FastifyInstance | undefined;
const clients: SseClient[] = [];

afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await app?.close();
  app = undefined;
});

async function serve(
  limits: { maxStreams?: number; maxStreamsPerUser?: number; heartbeatMs?: number } = {},
  overrides: BuildOptions = {},
): Promise<{ url: string; events: MemoryEvents }> {
  const events = createMemoryEvents();
  const t = await build({
    events: {
      source: events.source,
      heartbeatMs: limits.heartbeatMs ?? 60_000,
      maxStreams: limits.maxStreams ?? 100,
      maxStreamsPerUser: limits.maxStreamsPerUser ?? 10,
    },
    ...overrides,
  });
  app = t.app;
  const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `${address}/api/batches/events`, events };
}

async function open(url: string, sub: string, lastEventId?: string): Promise<SseClient> {
  const client = await openEventStream(url, await tokenFor(sub), lastEventId);
  clients.push(client);
  return client;
}

describe('GET /api/batches/events', () => {
  it('refuses a request without a valid token with the JSON 401', async () => {
    const t = await build();
    app = t.app;
    const res = await t.app.inject({ url: '/api/batches/events' });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('unauthorized');
  });

  it('streams retry first, then each event as id/event/data, to its user only', async () => {
    const { url, events } = await serve();
    const mine = await open(url, 'owner');
    const theirs = await open(url, 'other');
    expect(mine.status).toBe(200);
    expect(mine.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(mine.headers.get('cache-control')).toBe('no-store');
    await mine.waitFor((f) => f.retry === '3000');
    const id = events.emit('owner', 'deleted', { id: 'b-1' });
    await mine.waitFor((f) => f.event === 'deleted');
    expect(mine.frames).toEqual([{ retry: '3000' }, { id, event: 'deleted', data: '{"id":"b-1"}' }]);
    expect(theirs.events()).toEqual([]);
  });

  it('starts with reset when the source cannot resume from Last-Event-ID', async () => {
    const { url } = await serve();
    const client = await open(url, 'owner', 'whatever');
    await client.waitFor((f) => f.event === 'reset');
    expect(client.frames).toEqual([{ retry: '3000' }, { event: 'reset', data: '{}' }]);
  });

  it('ends the stream when its token stops being accepted (exp plus the clock skew)', async () => {
    const skewSeconds = 1;
    const authService = createAuthService({
      secret: TEST_JWT_SECRET,
      jwksUrl: undefined,
      issuer: undefined,
      audience: undefined,
      clockSkewSeconds: skewSeconds,
    });
    const { url } = await serve({}, { authService });
    const exp = Math.floor(Date.now() / 1000) + 2;
    const client = await openEventStream(url, await tokenFor('short-lived', { expiresAt: exp }));
    clients.push(client);
    expect(client.status).toBe(200);
    await client.ended;
    expect(Date.now()).toBeGreaterThanOrEqual((exp + skewSeconds) * 1000);
    // A stream opened with a token that lives on is not ended with it.
    const longLived = await open(url, 'long-lived');
    await longLived.waitFor((f) => f.retry === '3000');
    expect(await Promise.race([longLived.ended.then(() => 'ended'), Promise.resolve('open')])).toBe('open');
  });

  it('sends : ping at the heartbeat interval', async () => {
    const { url } = await serve({ heartbeatMs: 100 });
    const client = await open(url, 'owner');
    await client.waitFor((f) => f.comment === 'ping', 2_000);
  });

  it('outlives the request timeout: it only bounds receiving the request, not the stream', async () => {
    const { url, events } = await serve({ heartbeatMs: 200 }, { requestTimeoutMs: 1_000 });
    const client = await open(url, 'owner');
    await new Promise((r) => setTimeout(r, 2_500));
    const id = events.emit('owner', 'deleted', { id: 'late' });
    await client.waitFor((f) => f.id === id, 2_000);
    expect(client.frames.filter((f) => f.comment === 'ping').length).toBeGreaterThanOrEqual(5);
  });

  it('caps streams per user (429) and per process (503), and frees a slot on disconnect', async () => {
    const { url, events } = await serve({ maxStreams: 3, maxStreamsPerUser: 2 });
    const first = await open(url, 'owner');
    await open(url, 'owner');
    const third = await open(url, 'owner');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('5');
    await open(url, 'other');
    const full = await open(url, 'stranger');
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('5');
    for (const refused of [third, full]) {
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    }
    first.close();
    await waitUntil(() => events.listening('owner') === 1);
    expect((await open(url, 'stranger')).status).toBe(200);
  });

  it('app.close() ends open streams promptly and unsubscribes them', async () => {
    const { url, events } = await serve();
    const streams = [await open(url, 'owner'), await open(url, 'owner')];
    await Promise.all(streams.map((s) => s.waitFor((f) => f.retry !== undefined)));
    // Without the hub ending them, close() would wait on the open responses until the test's
    // timeout: the test fails by hanging, with no wall-clock bound in the fast suite.
    await app!.close();
    app = undefined;
    await Promise.all(streams.map((s) => s.ended));
    expect(events.listening('owner')).toBe(0);
  });
});

async function waitUntil(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) {
      throw new Error('condition not reached in time');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
