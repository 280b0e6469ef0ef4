import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedDelivery } from '../../../src/repositories/webhookDeliveryRepository.js';
import { newUser, startStack, type TestStack } from '../../support/testStack.js';

const FIVE_DAYS_MS = 5 * 86_400_000;

/**
 * An endpoint failing for WEBHOOK_DISABLE_AFTER straight is disabled and says since when; a
 * success ends the streak. Driven through recordAttempt on the real PostgreSQL, with the streak's
 * start set in the past (no test waits five days). The delivery is leased by hand, never through
 * claim, which would take other test files' due deliveries.
 */
describe('endpoint failure streaks (real PostgreSQL)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ storage: 'local', records: 'postgres' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function leasedDelivery(
    failingForMs: number | null,
  ): Promise<{ claim: ClaimedDelivery; endpointId: string }> {
    const user = await newUser('streak');
    const endpointId = randomUUID();
    await stack.webhookEndpoints.insertWithinCap(
      {
        id: endpointId,
        userId: user.id,
        url: 'https://receiver.invalid/hook',
        events: ['webhook.test'],
        description: null,
        secret: `whsec_${Buffer.alloc(32, 3).toString('base64')}`,
      },
      10,
    );
    await stack.db.query(
      `UPDATE webhook_endpoints SET failing_since = now() - make_interval(secs => $2::double precision / 1000)
       WHERE id = $1 AND $2::bigint IS NOT NULL`,
      [endpointId, failingForMs],
    );
    // Inserted already leased: a deliverer of another test file never sees it due.
    const leaseToken = randomUUID();
    const { rows } = await stack.db.query<{ id: string }>(
      `INSERT INTO webhook_deliveries (endpoint_id, event_type, data, lease_until, lease_token)
       VALUES ($1, 'webhook.test', '{}', now() + interval '1 minute', $2) RETURNING id`,
      [endpointId, leaseToken],
    );
    const id = rows[0]!.id;
    const claim: ClaimedDelivery = {
      id,
      endpointId,
      url: 'https://receiver.invalid/hook',
      secrets: { current: 'whsec_x', previous: null },
      eventType: 'webhook.test',
      data: {},
      occurredAt: new Date(),
      roundAttempts: 0,
      leaseToken,
    };
    return { claim, endpointId };
  }

  const failedAttempt = {
    attempt: { attemptedAt: new Date(), statusCode: 503, error: null, durationMs: 3, response: 'down' },
    state: 'pending' as const,
    nextAttemptAt: new Date(Date.now() + 60_000),
    failed: true,
    disableReason: null,
  };

  async function endpoint(id: string) {
    const { rows } = await stack.db.query<{
      enabled: boolean;
      disabled_reason: string | null;
      failing_since: Date | null;
    }>('SELECT enabled, disabled_reason, failing_since FROM webhook_endpoints WHERE id = $1', [id]);
    return rows[0]!;
  }

  it('disables an endpoint whose attempts have all failed for 5 days, saying since when', async () => {
    const { claim, endpointId } = await leasedDelivery(FIVE_DAYS_MS + 60_000);
    await stack.webhookDeliveries.recordAttempt(claim, failedAttempt, FIVE_DAYS_MS);
    expect(await endpoint(endpointId)).toMatchObject({
      enabled: false,
      disabled_reason: expect.stringMatching(/^every delivery failed since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
  });

  it('keeps an endpoint failing for less than 5 days, and starts a streak on a first failure', async () => {
    const failing = await leasedDelivery(FIVE_DAYS_MS - 3_600_000);
    await stack.webhookDeliveries.recordAttempt(failing.claim, failedAttempt, FIVE_DAYS_MS);
    expect(await endpoint(failing.endpointId)).toMatchObject({ enabled: true, disabled_reason: null });

    const healthy = await leasedDelivery(null);
    await stack.webhookDeliveries.recordAttempt(healthy.claim, failedAttempt, FIVE_DAYS_MS);
    expect((await endpoint(healthy.endpointId)).failing_since).toBeInstanceOf(Date);
  });

  it('ends the streak on a success', async () => {
    const { claim, endpointId } = await leasedDelivery(FIVE_DAYS_MS - 3_600_000);
    await stack.webhookDeliveries.recordAttempt(
      claim,
      { ...failedAttempt, state: 'delivered', nextAttemptAt: null, failed: false },
      FIVE_DAYS_MS,
    );
    expect(await endpoint(endpointId)).toMatchObject({ enabled: true, failing_since: null });
    const { rows } = await stack.db.query<{ state: string; lease_token: string | null }>(
      'SELECT state, lease_token FROM webhook_deliveries WHERE id = $1',
      [claim.id],
    );
    expect(rows[0]).toEqual({ state: 'delivered', lease_token: null });
  });

  it("records a stale deliverer's attempt but does not let it overwrite the delivery", async () => {
    const { claim } = await leasedDelivery(null);
    await stack.webhookDeliveries.recordAttempt(
      { ...claim, leaseToken: randomUUID() }, // the lease passed and another deliverer took it
      { ...failedAttempt, state: 'failed', nextAttemptAt: null },
      FIVE_DAYS_MS,
    );
    const { rows } = await stack.db.query<{ state: string; attempts: string }>(
      `SELECT d.state, (SELECT count(*) FROM webhook_attempts a WHERE a.delivery_id = d.id) AS attempts
       FROM webhook_deliveries d WHERE d.id = $1`,
      [claim.id],
    );
    expect(rows[0]).toEqual({ state: 'pending', attempts: '1' });
  });
});
