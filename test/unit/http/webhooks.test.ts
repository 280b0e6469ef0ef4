import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, build, tokenFor, type TestApp } from '../../support/buildTestApp.js';

interface ErrorJson {
  error: { code: string; message: string; details?: unknown };
  requestId: string;
}

const UNKNOWN = '2b1c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d';

describe('webhook routes over in-memory repositories', () => {
  let t: TestApp;
  let owner: { authorization: string };
  let stranger: { authorization: string };
  beforeAll(async () => {
    t = await build();
    owner = bearer(await tokenFor('hook-owner'));
    stranger = bearer(await tokenFor('hook-stranger'));
  });
  afterAll(async () => {
    await t.app.close();
  });

  function expectError(
    res: { statusCode: number; json: <T>() => T },
    status: number,
    code: string,
    message?: RegExp,
  ) {
    expect(res.statusCode).toBe(status);
    const body = res.json<ErrorJson>();
    expect(Object.keys(body).sort()).toEqual(['error', 'requestId']);
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message ?? /./);
  }

  async function create(
    headers = owner,
    payload: Record<string, unknown> = { url: 'https://cards.example.com/hook' },
  ) {
    return t.app.inject({ method: 'POST', url: '/api/webhooks', headers, payload });
  }

  it('creates an endpoint: 201, Location, every event by default, and the secret this once', async () => {
    const res = await create(owner, { url: 'https://cards.example.com/hook', description: 'card generator' });
    expect(res.statusCode).toBe(201);
    const body = res.json<Record<string, unknown>>();
    expect(res.headers['location']).toBe(`/api/webhooks/${String(body['id'])}`);
    expect(body).toEqual({
      id: expect.any(String),
      url: 'https://cards.example.com/hook',
      events: ['batch.loaded', 'batch.failed', 'batch.deleted', 'batch.updated', 'webhook.test'],
      enabled: true,
      disabledReason: null,
      description: 'card generator',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/),
    });
    const shown = await t.app.inject({ url: `/api/webhooks/${String(body['id'])}`, headers: owner });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).not.toHaveProperty('secret');
    const list = await t.app.inject({ url: '/api/webhooks', headers: owner });
    expect(
      list.json<{ webhooks: Array<Record<string, unknown>> }>().webhooks.every((w) => !('secret' in w)),
    ).toBe(true);
  });

  it('refuses bad input with 400: plain http (production policy), unknown events, extra fields', async () => {
    expectError(
      await create(owner, { url: 'http://cards.example.com/hook' }),
      400,
      'webhook_target_refused',
      /https/,
    );
    expectError(
      await create(owner, { url: 'https://x.example.com', events: ['batch.exploded'] }),
      400,
      'bad_request',
    );
    expectError(await create(owner, { url: 'https://x.example.com', events: [] }), 400, 'bad_request');
    expectError(await create(owner, { url: 'https://x.example.com', secret: 'mine' }), 400, 'bad_request');
    expectError(await create(owner, {}), 400, 'bad_request');
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/webhooks/${UNKNOWN}`,
      headers: owner,
      payload: {},
    });
    expectError(patch, 400, 'bad_request');
  });

  it("answers 404 for an unknown endpoint and for someone else's, on every route", async () => {
    const { id } = (await create()).json<{ id: string }>();
    const routes: Array<[string, string, Record<string, unknown>?]> = [
      ['GET', ''],
      ['PATCH', '', { enabled: false }],
      ['DELETE', ''],
      ['POST', '/rotate-secret'],
      ['POST', '/test'],
      ['GET', '/deliveries'],
      ['POST', `/deliveries/${UNKNOWN}/replay`],
      ['POST', '/replay', { since: '2026-01-01T00:00:00Z' }],
    ];
    for (const [method, suffix, payload] of routes) {
      for (const [who, target] of [
        [stranger, id],
        [owner, UNKNOWN],
      ] as const) {
        const res = await t.app.inject({
          method: method as 'GET',
          url: `/api/webhooks/${target}${suffix}`,
          headers: who,
          ...(payload && { payload }),
        });
        expectError(res, 404, 'not_found');
      }
    }
    expect((await t.app.inject({ url: `/api/webhooks/${id}`, headers: owner })).statusCode).toBe(200);
  });

  it('updates, disables, refuses a test to a disabled endpoint (409), re-enables and deletes', async () => {
    const { id } = (await create()).json<{ id: string }>();
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/webhooks/${id}`,
      headers: owner,
      payload: { events: ['batch.loaded'], enabled: false, description: null },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ events: ['batch.loaded'], enabled: false, description: null });
    const test = await t.app.inject({ method: 'POST', url: `/api/webhooks/${id}/test`, headers: owner });
    expectError(test, 409, 'conflict', /disabled/);
    await t.app.inject({
      method: 'PATCH',
      url: `/api/webhooks/${id}`,
      headers: owner,
      payload: { enabled: true },
    });
    const sent = await t.app.inject({ method: 'POST', url: `/api/webhooks/${id}/test`, headers: owner });
    expect(sent.statusCode).toBe(202);
    expect(sent.json()).toEqual({ deliveryId: expect.any(String) });
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/webhooks/${id}`, headers: owner })).statusCode,
    ).toBe(204);
    expectError(
      await t.app.inject({ method: 'DELETE', url: `/api/webhooks/${id}`, headers: owner }),
      404,
      'not_found',
    );
  });

  it('rotates the secret: a new one, and when the previous one stops signing', async () => {
    const created = (await create()).json<{ id: string; secret: string }>();
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/webhooks/${created.id}/rotate-secret`,
      headers: owner,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ secret: string; previousSecretExpiresAt: string }>();
    expect(body.secret).toMatch(/^whsec_/);
    expect(body.secret).not.toBe(created.secret);
    const overlap = Date.parse(body.previousSecretExpiresAt) - Date.now();
    expect(overlap).toBeGreaterThan(23 * 3_600_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3_600_000);
  });

  it('pages the delivery log with a cursor, filters by state, replays one and all failed since', async () => {
    const { id } = (await create()).json<{ id: string }>();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      ids.push(
        (await t.app.inject({ method: 'POST', url: `/api/webhooks/${id}/test`, headers: owner })).json<{
          deliveryId: string;
        }>().deliveryId,
      );
    }
    const first = await t.app.inject({ url: `/api/webhooks/${id}/deliveries?limit=2`, headers: owner });
    expect(first.statusCode).toBe(200);
    const page1 = first.json<{ deliveries: Array<{ id: string }>; nextCursor: string }>();
    expect(page1.deliveries.map((d) => d.id)).toEqual([ids[2], ids[1]]);
    const second = await t.app.inject({
      url: `/api/webhooks/${id}/deliveries?limit=2&cursor=${page1.nextCursor}`,
      headers: owner,
    });
    expect(second.json()).toMatchObject({
      deliveries: [{ id: ids[0], state: 'pending', attempts: [] }],
      nextCursor: null,
    });
    expectError(
      await t.app.inject({ url: `/api/webhooks/${id}/deliveries?cursor=bm9wZQ`, headers: owner }),
      400,
      'bad_request',
      /cursor/,
    );
    expectError(
      await t.app.inject({ url: `/api/webhooks/${id}/deliveries?state=lost`, headers: owner }),
      400,
      'bad_request',
    );

    t.webhooks.deliveries.get(ids[0]!)!.state = 'failed';
    const failed = await t.app.inject({ url: `/api/webhooks/${id}/deliveries?state=failed`, headers: owner });
    expect(failed.json<{ deliveries: Array<{ id: string }> }>().deliveries.map((d) => d.id)).toEqual([
      ids[0],
    ]);
    const all = await t.app.inject({
      method: 'POST',
      url: `/api/webhooks/${id}/replay`,
      headers: owner,
      payload: { since: '2020-01-01T00:00:00Z' },
    });
    expect(all.statusCode).toBe(202);
    expect(all.json()).toEqual({ replayed: 1 });
    expectError(
      await t.app.inject({
        method: 'POST',
        url: `/api/webhooks/${id}/replay`,
        headers: owner,
        payload: { since: 'yesterday' },
      }),
      400,
      'bad_request',
    );
    const one = await t.app.inject({
      method: 'POST',
      url: `/api/webhooks/${id}/deliveries/${ids[1]}/replay`,
      headers: owner,
    });
    expect(one.statusCode).toBe(202);
    expect(one.json()).toMatchObject({ id: ids[1], state: 'pending', eventType: 'webhook.test' });
  });

  it('caps endpoints per user with 409 webhook_limit_reached', async () => {
    const capped = await tokenFor('hook-capped');
    for (let i = 0; i < 10; i += 1) {
      expect((await create(bearer(capped))).statusCode).toBe(201);
    }
    expectError(
      await create(bearer(capped)),
      409,
      'webhook_limit_reached',
      /already have 10 webhook endpoints/,
    );
  });
});
