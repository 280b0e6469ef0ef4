import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, up } from '../../scripts/services/index.js';
import { api, newUser, startStack, uploadForm, type TestStack } from '../support/testStack.js';

/**
 * Stops real services through the project's own `services` manager and checks that /readyz names
 * them, the API answers fast instead of hanging, and everything recovers when they return.
 */
describe('readiness with services stopped through `services down`', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ storage: 's3', records: 'cassandra' });
  });
  afterAll(async () => {
    await up(['redis', 'seaweedfs']);
    await stack?.close();
  });

  it('is ready when every dependency answers', async () => {
    const res = await api(stack, '/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ postgres: 'up', redis: 'up', seaweedfs: 'up', cassandra: 'up' });
  });

  it('answers 503 naming redis while Redis is down, and recovers', async () => {
    await down(['redis']);
    try {
      const res = await api(stack, '/readyz');
      expect(res.status).toBe(503);
      expect(res.body.checks.redis).toMatch(/^down/);
      expect(res.body.checks.postgres).toBe('up');
      expect(res.body.error.message).toMatch(/redis/);
    } finally {
      await up(['redis']);
    }
    await expect
      .poll(async () => (await api(stack, '/readyz')).status, { timeout: 20_000, interval: 250 })
      .toBe(200);
  });

  it('answers 503 naming storage while SeaweedFS is down; uploads fail fast with 503 and leave no row', async () => {
    await down(['seaweedfs']);
    try {
      const ready = await api(stack, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.seaweedfs).toMatch(/^down/);
      expect(ready.body.error.message).toMatch(/seaweedfs/);
      const user = await newUser();
      const started = Date.now();
      const res = await api(stack, '/api/batches/upload', {
        method: 'POST',
        token: user.token,
        body: uploadForm('Name,Email\nAda,ada@example.com\n', 'x.csv'),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(Date.now() - started).toBeLessThan(20_000);
      const { rows } = await stack.db.query('SELECT 1 FROM batches WHERE user_id = $1', [user.id]);
      expect(rows).toHaveLength(0);
    } finally {
      await up(['seaweedfs']);
    }
    await expect
      .poll(async () => (await api(stack, '/readyz')).status, { timeout: 30_000, interval: 500 })
      .toBe(200);
  });
});
