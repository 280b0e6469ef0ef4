import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryQueue } from '../../../src/repositories/webhooks/deliveryQueue.js';
import { newUser, startStack, type TestStack } from '../../support/testStack.js';

/**
 * The deliverer's claim on the real PostgreSQL: which due deliveries it leases, per endpoint.
 * Everything runs in one transaction that is rolled back: a claim also leases other test files'
 * due deliveries, and the rollback gives them back untouched (they are locked only for the
 * transaction's few milliseconds; their deliverers skip locked rows meanwhile).
 */
describe('claiming due deliveries (real PostgreSQL)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ storage: 'local', records: 'postgres' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function endpoint(client: pg.PoolClient, userId: string, enabled = true): Promise<string> {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO webhook_endpoints (id, user_id, url, events, secret, enabled)
       VALUES ($1, $2, 'https://receiver.invalid/hook', ARRAY['webhook.test'], 'whsec_x', $3) RETURNING id`,
      [randomUUID(), userId, enabled],
    );
    return rows[0]!.id;
  }

  /** `count` deliveries due `dueSecondsAgo` ago (negative: in the future), one second apart. */
  async function deliveries(
    client: pg.PoolClient,
    endpointId: string,
    count: number,
    dueSecondsAgo: number,
    leased = false,
  ): Promise<string[]> {
    const { rows } = await client.query<{ id: string; next_attempt_at: Date }>(
      `INSERT INTO webhook_deliveries (endpoint_id, event_type, data, next_attempt_at, lease_until, lease_token)
       SELECT $1, 'webhook.test', '{}', now() - make_interval(secs => $3::float8 - g),
              CASE WHEN $4 THEN now() + interval '1 minute' END, CASE WHEN $4 THEN gen_random_uuid() END
       FROM generate_series(1, $2::int) AS g RETURNING id, next_attempt_at`,
      [endpointId, count, dueSecondsAgo, leased],
    );
    return rows.sort((x, y) => x.next_attempt_at.getTime() - y.next_attempt_at.getTime()).map((r) => r.id);
  }

  it('leases at most the cap in flight per endpoint, earliest due first, only enabled and due ones', async () => {
    const client = await stack.db.connect();
    try {
      await client.query('BEGIN');
      const user = await newUser('claim');
      const [busy, quiet, disabled] = [
        await endpoint(client, user.id),
        await endpoint(client, user.id),
        await endpoint(client, user.id, false),
      ];
      // Due an hour ago: ahead of whatever else is due in the shared database.
      const inFlight = await deliveries(client, busy, 2, 3_600, true);
      const busyDue = await deliveries(client, busy, 6, 3_600);
      const quietDue = await deliveries(client, quiet, 3, 3_600);
      const quietLater = await deliveries(client, quiet, 2, -3_600);
      const disabledDue = await deliveries(client, disabled, 2, 3_600);
      const queue = deliveryQueue({ query: (text, values) => client.query(text, values) });
      const mine = new Set([...inFlight, ...busyDue, ...quietDue, ...quietLater, ...disabledDue]);

      const first = (await queue.claim(1_000, 4, 60_000)).filter((d) => mine.has(d.id));
      // The busy endpoint has 2 in flight: 2 more of its 6, the earliest; the quiet one its 3 due,
      // not the 2 due in an hour; the disabled one none.
      expect(
        first
          .filter((d) => d.endpointId === busy)
          .map((d) => d.id)
          .sort(),
      ).toEqual(busyDue.slice(0, 2).sort());
      expect(
        first
          .filter((d) => d.endpointId === quiet)
          .map((d) => d.id)
          .sort(),
      ).toEqual([...quietDue].sort());
      expect(first.every((d) => d.endpointId !== disabled)).toBe(true);
      expect(first).toHaveLength(5);
      expect(new Set(first.map((d) => d.leaseToken)).size).toBe(5);

      // Both endpoints are now at their cap or out of due deliveries: nothing more of theirs.
      const second = (await queue.claim(1_000, 4, 60_000)).filter((d) => mine.has(d.id));
      expect(second).toEqual([]);

      // An expired lease counts as free again: its delivery is claimed once more.
      await client.query(
        `UPDATE webhook_deliveries SET lease_until = now() - interval '1 second' WHERE id = $1`,
        [inFlight[0]],
      );
      const third = (await queue.claim(1_000, 4, 60_000)).filter((d) => mine.has(d.id));
      expect(third.map((d) => d.id)).toEqual([inFlight[0]]);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('takes no more than the limit, earliest due first across endpoints', async () => {
    const client = await stack.db.connect();
    try {
      await client.query('BEGIN');
      const user = await newUser('claim');
      const a = await endpoint(client, user.id);
      const b = await endpoint(client, user.id);
      // Earlier than anything else due in the shared database, so the limit takes these first.
      const aDue = await deliveries(client, a, 3, 86_400 * 30);
      const bDue = await deliveries(client, b, 3, 86_400 * 30 + 1.5);
      const queue = deliveryQueue({ query: (text, values) => client.query(text, values) });
      const claimed = await queue.claim(3, 4, 60_000);
      // By due time across the two endpoints: b1, b2 (1.5 s ahead of their a), then a1 (the
      // answer's order is not the claim's: compared as sets).
      expect(claimed.map((d) => d.id).sort()).toEqual([bDue[0], bDue[1], aDue[0]].sort());
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
