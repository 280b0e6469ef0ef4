import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactRecord } from '../../../src/parsing/types.js';
import { createReleasedReadingRepository } from '../../../src/repositories/readings/releasedReadingRepository.js';
import { createReadingReleaseService } from '../../../src/services/readingReleaseService.js';
import { contactsCsv } from '../../support/contactsCsv.js';
import { countRecords } from '../../support/recordsCount.js';
import { openEventStream, type SseClient } from '../../support/sseClient.js';
import {
  api,
  newUser,
  startStack,
  uploadForm,
  waitForStatus,
  type TestStack,
} from '../../support/testStack.js';

const ROWS = 20_000;
const PAGE = 1_000;

/** contactsCsv's columns as the synonyms read them, and the same with Company and City swapped. */
const SYNONYMS_MAPPING = {
  'First Name': 'firstName',
  'Last Name': 'lastName',
  'E-mail Address': 'email',
  'Mobile Phone': 'phone',
  Company: 'company',
  'Job Title': 'title',
  City: 'city',
};
const SWAPPED_MAPPING = { ...SYNONYMS_MAPPING, Company: 'city', City: 'company' };

/** Which reading a record comes from: the upload's (company "Company n, Inc.") or the re-read's. */
const shapeOf = (r: ContactRecord) =>
  r.city === 'San Francisco' && r.company?.startsWith('Company ')
    ? 'old'
    : r.company === 'San Francisco' && r.city?.startsWith('Company ')
      ? 'new'
      : 'neither';

/** Rows 2 and 3 are invalid (no name, e-mail or phone; a bad e-mail and nothing else). */
const FIX_CSV = ['Name,Email,City', 'Ada Lovelace,ada@example.com,London', ',,Paris', ',ann(at)x,Rome'].join(
  '\n',
);

/**
 * Issue #21, re-reading a stored file, on the real stack with both records stores: the records
 * are replaced in one step (a reader polling during the re-read only ever gets a whole set), a
 * page cursor from before the switch is refused, fixes of the old reading are dropped and
 * counted, the old reading is removed in the background, and the batch row, events and webhook
 * outbox agree.
 */
describe.each([
  { storage: 'local' as const, records: 'postgres' as const },
  { storage: 's3' as const, records: 'cassandra' as const },
])('re-reading a stored file on $storage storage + $records records', ({ storage, records: store }) => {
  let stack: TestStack;
  let user: { id: string; token: string };
  let id: string;
  let events: SseClient;
  const endpointId = randomUUID();

  beforeAll(async () => {
    stack = await startStack({ storage, records: store, worker: true });
    user = await newUser('reprocess');
    // A webhook endpoint subscribed to batch.loaded, written directly (the outbox is what is checked).
    await stack.db.query(
      `INSERT INTO webhook_endpoints (id, user_id, url, events, secret)
       VALUES ($1, $2, 'https://hooks.example.com/x', ARRAY['batch.loaded'], 'whsec_test')`,
      [endpointId, user.id],
    );
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(contactsCsv(ROWS), 'contacts.csv'),
    });
    expect(up.status, up.text).toBe(201);
    id = up.body.id as string;
    expect(await waitForStatus(stack, user.token, id)).toMatchObject({
      status: 'loaded',
      recordsLoaded: ROWS,
    });
    events = await openEventStream(`${stack.baseUrl}/api/batches/events`, user.token);
  }, 120_000);
  afterAll(async () => {
    events?.close();
    await stack?.db.query('DELETE FROM webhook_endpoints WHERE id = $1', [endpointId]);
    await stack?.close();
  });

  const reprocess = (batchId: string, body: unknown, token = user.token) =>
    api(stack, `/api/batches/${batchId}/reprocess`, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /**
   * Every record of the batch through the API's paging. A 409 (the batch switched readings
   * between two pages) starts again from the first page, as a client is told to.
   */
  async function readWholeSet(restarts: { count: number }): Promise<ContactRecord[]> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const out: ContactRecord[] = [];
      let cursor: string | null = null;
      let refused = false;
      do {
        const query: string = cursor === null ? '' : `&cursor=${cursor}`;
        const res = await api(stack, `/api/batches/${id}/records?limit=${PAGE}${query}`, {
          token: user.token,
        });
        if (res.status === 409) {
          refused = true;
          break;
        }
        expect(res.status, res.text).toBe(200);
        out.push(...(res.body.records as ContactRecord[]));
        cursor = res.body.nextCursor as string | null;
      } while (cursor !== null);
      if (!refused) {
        return out;
      }
      restarts.count += 1;
    }
    throw new Error('20 restarts in a row');
  }

  it('replaces the records in one step: a reader polling during the re-read sees only whole sets', async () => {
    const outboxBefore = await loadedDeliveries();
    const res = await reprocess(id, { mapping: SWAPPED_MAPPING });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ id, status: 'uploaded', droppedFixes: 0 });
    // Right after the answer (the new reading of 20k rows cannot have ended yet) readers are
    // still served the old set. A whole 20-page read can outlast a fast re-read, so this is the
    // reliable sight of the old set while the new one is being written.
    const early = await api(stack, `/api/batches/${id}/records?limit=5`, { token: user.token });
    expect(early.status, early.text).toBe(200);
    expect((early.body.records as ContactRecord[]).map(shapeOf)).toEqual(Array(5).fill('old'));
    expect((await api(stack, `/api/batches/${id}`, { token: user.token })).body.status).not.toBe('loaded');
    // The start of the re-read is announced with the answer's version.
    const started = await events.waitFor(
      (f) => f.data !== undefined && JSON.parse(f.data).version === res.body.version,
      10_000,
    );
    expect(JSON.parse(started.data!)).toMatchObject({ id, status: 'uploaded' });

    const seen: Array<{ whileReading: boolean; shapes: string[]; count: number; rowsOk: boolean }> = [];
    const restarts = { count: 0 };
    const deadline = Date.now() + 120_000;
    for (;;) {
      const before = (await api(stack, `/api/batches/${id}`, { token: user.token })).body;
      const set = await readWholeSet(restarts);
      const shapes = [...new Set(set.map(shapeOf))];
      const rowsOk = set.every((r, i) => r.rowNumber === i + 1);
      seen.push({ whileReading: before.status !== 'loaded', shapes, count: set.length, rowsOk });
      // Every read is one whole set, old or new, rows 1..n in order (checked at once: a mix fails here).
      expect(seen.at(-1)).toMatchObject({ count: ROWS, rowsOk: true });
      expect([['old'], ['new']]).toContainEqual(shapes);
      if (before.status === 'loaded' && shapes.join() === 'new') {
        break;
      }
      expect(Date.now(), JSON.stringify(seen.at(-1))).toBeLessThan(deadline);
    }
    console.log(
      `[reprocess ${store}] ${seen.length} whole reads (${seen.filter((s) => s.whileReading).length} during the re-read), ${restarts.count} restarts after a 409`,
    );

    const batch = (await api(stack, `/api/batches/${id}`, { token: user.token })).body;
    expect(batch).toMatchObject({ status: 'loaded', rowsRead: ROWS, recordsLoaded: ROWS, invalidRows: 0 });
    // The re-read was told its mapping, whatever the upload's source was.
    expect(batch.mappingSource).toBe('request');
    const loaded = await events.waitFor(
      (f) => f.data !== undefined && JSON.parse(f.data).version === batch.version,
      10_000,
    );
    expect(JSON.parse(loaded.data!)).toMatchObject({ status: 'loaded', recordsLoaded: ROWS });
    // The re-read's end wrote a batch.loaded delivery, like the upload's end.
    expect(await loadedDeliveries()).toBe(outboxBefore + 1);
  }, 180_000);

  async function loadedDeliveries(): Promise<number> {
    const { rows } = await stack.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_deliveries WHERE batch_id = $1 AND event_type = 'batch.loaded'`,
      [id],
    );
    return rows[0]!.n;
  }

  it('keeps the old reading until its delay passed, then the sweeper step removes it', async () => {
    const batch = await stack.batches.findById(id);
    expect(batch).toMatchObject({ reading: 1, readingKey: null });
    expect(batch!.recordsKey).not.toBe(id);
    const { rows } = await stack.db.query<{ records_key: string; due: boolean }>(
      'SELECT records_key, due_at <= now() AS due FROM released_readings WHERE batch_id = $1',
      [id],
    );
    // The first reading lived under the batch id; it is listed, not due yet, and still whole.
    expect(rows).toEqual([{ records_key: id, due: false }]);
    expect(await countRecords(stack.records, id)).toEqual({ records: ROWS, invalidRows: 0 });

    await stack.db.query('UPDATE released_readings SET due_at = now() WHERE records_key = $1', [id]);
    const release = createReadingReleaseService({
      releasedReadings: createReleasedReadingRepository(stack.db),
      records: stack.records,
      logger: pino({ level: 'silent' }),
    });
    expect(await release.releaseDue(500)).toBeGreaterThanOrEqual(1);
    expect(await countRecords(stack.records, id)).toEqual({ records: 0, invalidRows: 0 });
    const left = await stack.db.query('SELECT 1 FROM released_readings WHERE batch_id = $1', [id]);
    expect(left.rowCount).toBe(0);
    // The current reading is untouched.
    expect(await countRecords(stack.records, batch!.recordsKey)).toEqual({
      records: ROWS,
      invalidRows: 0,
    });
  });

  it('a page cursor from before a re-read is a 409, not a page of the other set', async () => {
    const first = await api(stack, `/api/batches/${id}/records?limit=5`, { token: user.token });
    expect(first.status, first.text).toBe(200);
    expect(first.body.nextCursor).toMatch(/\.1$/); // the second reading's cursors name it
    const res = await reprocess(id, { mapping: SYNONYMS_MAPPING });
    expect(res.status, res.text).toBe(202);
    await waitForStatus(stack, user.token, id);
    const stale = await api(stack, `/api/batches/${id}/records?limit=5&cursor=${first.body.nextCursor}`, {
      token: user.token,
    });
    expect(stale.status, stale.text).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/re-read/) });
    const fresh = await api(stack, `/api/batches/${id}/records?limit=5`, { token: user.token });
    expect((fresh.body.records as ContactRecord[]).map(shapeOf)).toEqual(Array(5).fill('old'));
  }, 120_000);

  it('drops the fixes of the old reading and says how many', async () => {
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(FIX_CSV, 'fix.csv'),
    });
    expect(up.status, up.text).toBe(201);
    const fixId = up.body.id as string;
    expect(await waitForStatus(stack, user.token, fixId)).toMatchObject({ recordsLoaded: 1, invalidRows: 2 });
    const fix = await api(stack, `/api/batches/${fixId}/fixes`, {
      method: 'POST',
      token: user.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rows: [{ row: 2, record: { fullName: 'Pat Paris' } }] }),
    });
    expect(fix.status, fix.text).toBe(200);
    expect(fix.body.batch).toMatchObject({ recordsLoaded: 2, invalidRows: 1 });

    // City read as the company: rows 2 and 3 are still invalid in the new reading.
    const res = await reprocess(fixId, { mapping: { Name: 'fullName', Email: 'email', City: 'company' } });
    expect(res.status, res.text).toBe(202);
    expect(res.body.droppedFixes).toBe(1);
    expect(await waitForStatus(stack, user.token, fixId)).toMatchObject({
      status: 'loaded',
      recordsLoaded: 1,
      invalidRows: 2,
    });
    const fixesLeft = await stack.db.query('SELECT 1 FROM batch_row_fixes WHERE batch_id = $1', [fixId]);
    expect(fixesLeft.rowCount).toBe(0);
    const records = await api(stack, `/api/batches/${fixId}/records`, { token: user.token });
    expect(records.body.records).toEqual([
      expect.objectContaining({ rowNumber: 1, fullName: 'Ada Lovelace', company: 'London', city: null }),
    ]);
    const invalid = await api(stack, `/api/batches/${fixId}/invalid-rows`, { token: user.token });
    expect((invalid.body.rows as Array<{ row: number }>).map((r) => r.row)).toEqual([2, 3]);
  }, 120_000);

  it('refuses a batch that is not loaded or failed (409), and hides other users’ batches (404)', async () => {
    const other = await newUser('reprocess-other');
    expect((await reprocess(id, {}, other.token)).status).toBe(404);
    await stack.db.query(`UPDATE batches SET status = 'parsing' WHERE id = $1`, [id]);
    try {
      const res = await reprocess(id, {});
      expect(res.status, res.text).toBe(409);
      expect(res.body.error.message).toBe(
        'only a batch in status "loaded" or "error" can be re-read; this one is "parsing" (wait until it has finished)',
      );
    } finally {
      await stack.db.query(`UPDATE batches SET status = 'loaded' WHERE id = $1`, [id]);
    }
  });
});
