import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, newUser, startStack, type TestStack } from '../../support/testStack.js';

/** Registration on the real stack with the SSRF guard on (the default: no private targets). */
describe('webhook registration with the SSRF guard on', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      storage: 'local',
      records: 'postgres',
      env: { WEBHOOK_MAX_ENDPOINTS_PER_USER: '3' },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  function create(token: string, url: string) {
    return api(stack, '/api/webhooks', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
    });
  }

  it.each([
    ['http://127.0.0.1:9/hook', /127\.0\.0\.1 is a loopback address/],
    ['http://[::1]:9/hook', /::1 is a loopback address/],
    ['http://10.0.0.1/hook', /10\.0\.0\.1 is a private address/],
    ['http://169.254.169.254/latest/meta-data', /169\.254\.169\.254 is link-local/],
    ['http://localhost:9/hook', /localhost resolves to .* loopback address/],
    ['http://[::ffff:127.0.0.1]:9/hook', /loopback/],
  ])('refuses %s with 400 and stores nothing', async (url, reason) => {
    const user = await newUser('ssrf');
    const res = await create(user.token, url);
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toEqual({
      code: 'webhook_target_refused',
      message: expect.stringMatching(reason),
    });
    const list = await api(stack, '/api/webhooks', { token: user.token });
    expect(list.body).toEqual({ webhooks: [] });
  });

  it('refuses a move to a refused target (PATCH) and keeps the old url', async () => {
    const user = await newUser('ssrf-patch');
    const created = await create(user.token, 'https://93.184.215.14/hook');
    expect(created.status, created.text).toBe(201);
    const res = await api(stack, `/api/webhooks/${created.body.id}`, {
      method: 'PATCH',
      token: user.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1/hook' }),
    });
    expect(res.status).toBe(400);
    const shown = await api(stack, `/api/webhooks/${created.body.id}`, { token: user.token });
    expect(shown.body.url).toBe('https://93.184.215.14/hook');
  });

  it('caps endpoints per user with a 409 that says so, per user', async () => {
    const user = await newUser('cap');
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => create(user.token, `https://93.184.215.${i + 1}/hook`)),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 409, 409]);
    const refused = results.find((r) => r.status === 409)!;
    expect(refused.body.error).toEqual({
      code: 'webhook_limit_reached',
      message: 'you already have 3 webhook endpoints, the most allowed; delete one first',
    });
    const other = await newUser('cap-other');
    expect((await create(other.token, 'https://93.184.215.9/hook')).status).toBe(201);
    const list = await api(stack, '/api/webhooks', { token: user.token });
    expect(list.body.webhooks).toHaveLength(3);
    const someoneElses = await api(stack, `/api/webhooks/${list.body.webhooks[0].id}`, {
      token: other.token,
    });
    expect(someoneElses.status).toBe(404);
  });
});
