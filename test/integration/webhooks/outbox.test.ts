import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, startStack, type TestStack } from '../../support/testStack.js';

/**
 * The transactional outbox on the real PostgreSQL: a batch's `loaded`/`error`/delete and its
 * deliveries are one write. A trigger that makes the delivery insert fail must leave the batch
 * unchanged (were the two separate writes, the batch would be `loaded` with no event).
 */
describe('webhook outbox (real PostgreSQL)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ storage: 'local', records: 'postgres' });
  });
  afterAll(async () => {
    await stack?.db.query('DROP TRIGGER IF EXISTS outbox_test_refuse ON webhook_deliveries');
    await stack?.close();
  });

  async function batchWithEndpoint() {
    const user = await newUser('outbox');
    const endpointId = randomUUID();
    await stack.webhookEndpoints.insertWithinCap(
      {
        id: endpointId,
        userId: user.id,
        url: 'https://receiver.invalid/hook',
        events: ['batch.loaded', 'batch.failed', 'batch.deleted'],
        description: null,
        secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
      },
      10,
    );
    const id = randomUUID();
    await stack.batches.insert({
      id,
      userId: user.id,
      userEmail: user.email,
      fileName: 'c.csv',
      fileSize: 1,
      fileFormat: 'csv',
      mimeType: 'text/csv',
      storageKey: `uploads/${id}`,
      sha256: 'a'.repeat(64),
      idempotencyKey: null,
      store: stack.storage.identity(),
    });
    expect(await stack.batches.markParsing(id, 1)).not.toBeNull();
    return { user, endpointId, id };
  }

  async function events(endpointId: string): Promise<Array<{ event_type: string; batch_id: string }>> {
    const { rows } = await stack.db.query<{ event_type: string; batch_id: string }>(
      'SELECT event_type, batch_id FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY created_at',
      [endpointId],
    );
    return rows;
  }

  it('keeps the batch unchanged when its event cannot be written, and writes both once it can', async () => {
    const { endpointId, id } = await batchWithEndpoint();
    await stack.db.query(`
      CREATE OR REPLACE FUNCTION outbox_test_refuse() RETURNS trigger AS $$
      BEGIN
        IF NEW.batch_id = '${id}' THEN RAISE EXCEPTION 'outbox refused (test)'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await stack.db.query(
      'CREATE TRIGGER outbox_test_refuse BEFORE INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION outbox_test_refuse()',
    );
    const counts = { rowsRead: 3, invalidRows: 0, recordsLoaded: 3 };
    await expect(stack.batches.markLoaded(id, 1, counts)).rejects.toThrow(/outbox refused/);
    expect((await stack.batches.findById(id))?.status).toBe('parsing');
    await expect(stack.batches.markError(id, 1, 'broken')).rejects.toThrow(/outbox refused/);
    expect((await stack.batches.findById(id))?.status).toBe('parsing');
    expect(await events(endpointId)).toEqual([]);

    await stack.db.query('DROP TRIGGER outbox_test_refuse ON webhook_deliveries');
    expect(await stack.batches.markLoaded(id, 1, counts)).toBe(true);
    expect((await stack.batches.findById(id))?.status).toBe('loaded');
    expect(await events(endpointId)).toEqual([{ event_type: 'batch.loaded', batch_id: id }]);
  });

  it('writes no event for a write that was fenced out or did not change the status', async () => {
    const { user, endpointId, id } = await batchWithEndpoint();
    const counts = { rowsRead: 1, invalidRows: 0, recordsLoaded: 1 };
    expect(await stack.batches.markLoaded(id, 2, counts)).toBe(false); // a stale attempt
    expect(await events(endpointId)).toEqual([]);
    expect(await stack.batches.markLoaded(id, 1, counts)).toBe(true);
    expect(await stack.batches.markLoaded(id, 1, counts)).toBe(false); // already loaded
    expect(await stack.batches.markError(id, 1, 'late')).toBe(false);
    expect(await stack.deletions.deleteWithCleanup(id, 'someone-else')).toBeNull();
    expect(await events(endpointId)).toEqual([{ event_type: 'batch.loaded', batch_id: id }]);

    expect(await stack.deletions.deleteWithCleanup(id, user.id)).not.toBeNull();
    expect(await events(endpointId)).toEqual([
      { event_type: 'batch.loaded', batch_id: id },
      { event_type: 'batch.deleted', batch_id: id },
    ]);
    await stack.deletions.complete(id);
  });

  it('writes events only for endpoints subscribed to them and enabled', async () => {
    const { user, endpointId, id } = await batchWithEndpoint();
    await stack.webhookEndpoints.update(endpointId, user.id, { events: ['batch.deleted'] });
    const other = randomUUID();
    await stack.webhookEndpoints.insertWithinCap(
      {
        id: other,
        userId: user.id,
        url: 'https://other.invalid/hook',
        events: ['batch.loaded'],
        description: null,
        secret: `whsec_${Buffer.alloc(32, 2).toString('base64')}`,
      },
      10,
    );
    await stack.webhookEndpoints.update(other, user.id, { enabled: false });
    expect(await stack.batches.markLoaded(id, 1, { rowsRead: 1, invalidRows: 0, recordsLoaded: 1 })).toBe(
      true,
    );
    expect(await events(endpointId)).toEqual([]);
    expect(await events(other)).toEqual([]);
    await stack.deletions.deleteWithCleanup(id, user.id);
    await stack.deletions.complete(id);
  });
});
