import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryRetention } from '../../../src/repositories/webhooks/deliveryRetention.js';
import { newUser, startStack, type TestStack } from '../../support/testStack.js';

/**
 * The delivery log's retention on the real PostgreSQL: which deliveries go, and that their
 * attempts go with them. One transaction, rolled back, with a cutoff in the distant past (rows
 * are back-dated past it), so no other test file's deliveries are touched.
 */
describe('removing finished deliveries past the retention (real PostgreSQL)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ storage: 'local', records: 'postgres' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const CUTOFF = new Date('2001-01-01T00:00:00Z');
  const DAY = 86_400_000;

  /** A delivery in `state`, created `createdDaysBeforeCutoff` before the cutoff, with attempts at the given offsets. */
  async function delivery(
    client: pg.PoolClient,
    endpointId: string,
    state: 'pending' | 'delivered' | 'failed',
    createdDaysBeforeCutoff: number,
    attemptDaysBeforeCutoff: number[] = [],
  ): Promise<string> {
    const created = new Date(CUTOFF.getTime() - createdDaysBeforeCutoff * DAY);
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO webhook_deliveries (endpoint_id, event_type, data, state, created_at, occurred_at, next_attempt_at)
       VALUES ($1, 'webhook.test', '{}', $2, $3, $3, $3) RETURNING id`,
      [endpointId, state, created],
    );
    const id = rows[0]!.id;
    for (const days of attemptDaysBeforeCutoff) {
      await client.query(
        `INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, duration_ms) VALUES ($1, $2, 200, 5)`,
        [id, new Date(CUTOFF.getTime() - days * DAY)],
      );
    }
    return id;
  }

  it('removes finished deliveries older than the cutoff with their attempts, oldest first, a page at a time', async () => {
    const client = await stack.db.connect();
    try {
      await client.query('BEGIN');
      const user = await newUser('retention');
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO webhook_endpoints (id, user_id, url, events, secret)
         VALUES ($1, $2, 'https://receiver.invalid/hook', ARRAY['webhook.test'], 'whsec_x') RETURNING id`,
        [randomUUID(), user.id],
      );
      const endpointId = rows[0]!.id;
      const oldDelivered = await delivery(client, endpointId, 'delivered', 30, [30]);
      const oldFailed = await delivery(client, endpointId, 'failed', 20, [20, 19]);
      const oldest = await delivery(client, endpointId, 'delivered', 40, [40]);
      // Kept: still pending (a retry is due), replayed after the cutoff, created after the cutoff.
      const oldPending = await delivery(client, endpointId, 'pending', 50, [50]);
      const replayedSince = await delivery(client, endpointId, 'delivered', 60, [60, -1]);
      const recent = await delivery(client, endpointId, 'failed', -2, [-2]);
      const retention = deliveryRetention({ query: (text, values) => client.query(text, values) });
      const remaining = async () =>
        (
          await client.query<{ id: string }>(
            `SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY created_at`,
            [endpointId],
          )
        ).rows.map((r) => r.id);
      const attemptsOf = async (ids: string[]) =>
        (
          await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM webhook_attempts WHERE delivery_id = ANY($1::uuid[])`,
            [ids],
          )
        ).rows[0]!.n;

      // A page of one takes the oldest finished one first.
      expect(await retention.removeFinishedBefore(CUTOFF, 1)).toBe(1);
      expect(await remaining()).not.toContain(oldest);
      expect(await retention.removeFinishedBefore(CUTOFF, 1_000)).toBe(2);
      expect(await retention.removeFinishedBefore(CUTOFF, 1_000)).toBe(0);
      expect(await remaining()).toEqual([replayedSince, oldPending, recent]);
      expect(await attemptsOf([oldest, oldDelivered, oldFailed])).toBe(0);
      expect(await attemptsOf([replayedSince, oldPending, recent])).toBe(4);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
