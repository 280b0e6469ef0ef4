import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Batch } from '../../../src/domain/batch.js';
import { csvLine } from '../../../src/parsing/csvOutput.js';
import type { InvalidRow } from '../../../src/parsing/types.js';
import { bearer, build, multipart, tokenFor, type TestApp } from '../../support/buildTestApp.js';

interface FixAnswer {
  dryRun: boolean;
  fixed: number;
  rejected: number;
  rows: Array<{ row: number; status: string; reasons: string[]; record: Record<string, unknown> | null }>;
  batch: { invalidRows: number; recordsLoaded: number; version: number };
}

const INVALID: InvalidRow[] = [
  { rowNumber: 2, reason: 'no name, email or phone', original: { Notes: 'call back' } },
  {
    rowNumber: 4,
    reason: 'no name, email or phone; email address is not valid: ann(at)example.com',
    original: { Email: 'ann(at)example.com', City: 'Berlin' },
  },
];

describe('invalid rows and fixes over in-memory adapters', () => {
  let t: TestApp;
  let owner: { authorization: string };
  let batch: Batch;
  beforeEach(async () => {
    await t?.app.close();
    t = await build();
    owner = bearer(await tokenFor('owner'));
    batch = t.store.seedBatch({
      userId: 'owner',
      status: 'loaded',
      rowsRead: 5,
      recordsLoaded: 3,
      invalidRows: 2,
    });
    t.store.state.invalidRows.set(
      batch.id,
      INVALID.map((r) => ({ ...r, original: { ...r.original } })),
    );
    t.store.state.records.set(batch.id, []);
  });
  afterAll(async () => {
    await t.app.close();
  });

  const fix = (rows: unknown, query = '') =>
    t.app.inject({
      method: 'POST',
      url: `/api/batches/${batch.id}/fixes${query}`,
      headers: owner,
      payload: { rows },
    });

  it('lists invalid rows with cells, reasons and the record as far as read', async () => {
    const res = await t.app.inject({ url: `/api/batches/${batch.id}/invalid-rows?limit=1`, headers: owner });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ rows: Array<Record<string, unknown>>; nextCursor: string | null }>();
    expect(body.rows).toHaveLength(1);
    expect(body.rows[0]).toMatchObject({
      row: 2,
      original: { Notes: 'call back' },
      reasons: ['no name, email or phone'],
    });
    const next = await t.app.inject({
      url: `/api/batches/${batch.id}/invalid-rows?cursor=${body.nextCursor}`,
      headers: owner,
    });
    const second = next.json<{ rows: Array<{ row: number; reasons: string[]; record: { city: string } }> }>();
    expect(second.rows.map((r) => r.row)).toEqual([4]);
    expect(second.rows[0]!.reasons).toEqual([
      'no name, email or phone',
      'email address is not valid: ann(at)example.com',
    ]);
    expect(second.rows[0]!.record.city).toBe('Berlin');
  });

  it('a valid fix becomes the record of its row and moves the counts; the row is no longer listed', async () => {
    const res = await fix([{ row: 4, record: { email: 'ann@example.com' } }]);
    expect(res.statusCode).toBe(200);
    const body = res.json<FixAnswer>();
    expect(body).toMatchObject({ dryRun: false, fixed: 1, rejected: 0 });
    expect(body.batch).toMatchObject({ invalidRows: 1, recordsLoaded: 4, version: batch.version + 1 });
    const stored = t.store.state.records.get(batch.id)!;
    expect(stored.map((r) => [r.rowNumber, r.email, r.city])).toEqual([[4, 'ann@example.com', 'Berlin']]);
    expect(t.store.state.invalidRows.get(batch.id)!.map((r) => r.rowNumber)).toEqual([2]);
  });

  it('uses the worker normaliser: phone read in the batch region, bad e-mail refused with reasons', async () => {
    const res = await fix([
      { row: 2, record: { fullName: 'Bo Li', phone: '(202) 555-0143' } },
      { row: 4, record: { email: 'still wrong' } },
    ]);
    const body = res.json<FixAnswer>();
    expect(body.fixed).toBe(1);
    expect(body.rows[0]).toMatchObject({
      row: 2,
      status: 'fixed',
      record: { phone: '+12025550143', lastName: 'Li' },
    });
    expect(body.rows[1]!.status).toBe('invalid');
    expect(body.rows[1]!.reasons).toContain('email address is not valid: still wrong');
    expect(t.store.state.records.get(batch.id)!.map((r) => r.rowNumber)).toEqual([2]);
    expect(body.batch).toMatchObject({ invalidRows: 1, recordsLoaded: 4 });
  });

  it('dry run validates and stores nothing', async () => {
    const res = await fix([{ row: 4, record: { email: 'ann@example.com' } }], '?dryRun=true');
    const body = res.json<FixAnswer>();
    expect(body).toMatchObject({ dryRun: true, fixed: 0, rows: [{ row: 4, status: 'valid' }] });
    expect(t.store.state.records.get(batch.id)).toEqual([]);
    expect(t.store.state.invalidRows.get(batch.id)).toHaveLength(2);
    expect(t.store.state.batches.get(batch.id)).toMatchObject({ invalidRows: 2, recordsLoaded: 3 });
  });

  it('answers a multipart body without a boundary with 400, not 500', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/batches/${batch.id}/fixes?dryRun=true`,
      headers: { ...owner, 'content-type': 'multipart/form-data' },
      payload: '{"rows": [{"record": {}, "row": 0}]}',
    });
    expect(res.statusCode).toBe(400);
  });

  it('checks a JSON body exactly as declared: a boolean is not a text field (query strings still coerce)', async () => {
    // Ajv used to coerce bodies too: `false` became "false" and the fix was taken (contract ST201).
    const res = await fix([{ row: 4, record: { country: false } }], '?dryRun=true');
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('bad_request');
    const typed = await fix([{ row: 4, record: { country: 'DE' } }], '?dryRun=true');
    expect(typed.statusCode).toBe(200);
    expect(typed.json<FixAnswer>()).toMatchObject({ dryRun: true, fixed: 0 });
  });

  it('fixing a row twice replaces the first fix and counts it once', async () => {
    await fix([{ row: 4, record: { email: 'ann@example.com' } }]);
    const res = await fix([{ row: 4, record: { email: 'ann@example.org' } }]);
    expect(res.json<FixAnswer>().batch).toMatchObject({ invalidRows: 1, recordsLoaded: 4 });
    expect(t.store.state.records.get(batch.id)!.map((r) => [r.rowNumber, r.email])).toEqual([
      [4, 'ann@example.org'],
    ]);
  });

  it('a corrected errors.csv fixes rows by their cells, formula guards removed', async () => {
    const csv =
      '\uFEFFrow,reason,Email,City,other columns\r\n4,whatever,ann@example.com,Berlin,\r\n2,x,,,"{""Phone"":""\'+4915112345678""}"\r\n';
    const form = multipart([{ name: 'file', filename: 'bad.csv', content: csv }]);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/batches/${batch.id}/fixes`,
      headers: { ...owner, ...form.headers },
      payload: form.payload,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<FixAnswer>();
    expect(body.rows.map((r) => [r.row, r.status])).toEqual([
      [4, 'fixed'],
      [2, 'fixed'],
    ]);
    expect(body.rows[1]!.record).toMatchObject({ phone: '+4915112345678' });
    expect(body.batch).toMatchObject({ invalidRows: 0, recordsLoaded: 5 });
  });

  it('reads cells of a corrected errors.csv as written: the formula guard of errors.csv is removed', async () => {
    // Written by the same csvLine as errors.csv: "'=Ann;'+1" in the file.
    const csv =
      csvLine(['row', 'reason', 'Name', 'Email']) + csvLine(['4', 'x', '=Ann;+1', 'ann@example.com']);
    expect(csv).toContain("'=Ann;'+1");
    const form = multipart([{ name: 'file', filename: 'bad.csv', content: csv }]);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/batches/${batch.id}/fixes`,
      headers: { ...owner, ...form.headers },
      payload: form.payload,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<FixAnswer>().rows[0]!.record).toMatchObject({
      fullName: '=Ann;+1',
      original: { Name: '=Ann;+1', Email: 'ann@example.com' },
    });
  });

  it('a row that is not invalid is refused per row; more than 1,000 rows and repeats are a 400', async () => {
    const res = await fix([{ row: 3, record: { email: 'x@example.com' } }]);
    expect(res.json<FixAnswer>().rows[0]).toMatchObject({
      status: 'invalid',
      reasons: ['row 3 is not an invalid row of this batch'],
    });
    const many = Array.from({ length: 1001 }, (_, i) => ({ row: i, record: {} }));
    expect((await fix(many)).statusCode).toBe(400);
    expect(
      (
        await fix([
          { row: 4, record: {} },
          { row: 4, record: {} },
        ])
      ).statusCode,
    ).toBe(400);
  });

  it('a batch that is not loaded answers 409 with a message', async () => {
    t.store.state.batches.set(batch.id, { ...batch, status: 'parsing' });
    const res = await fix([{ row: 4, record: { email: 'ann@example.com' } }]);
    expect(res.statusCode).toBe(409);
    expect(res.json<{ error: { message: string } }>().error.message).toContain('"parsing"');
  });

  it('a batch deleted while the fix was written: 409, and the records written for it are removed', async () => {
    const { records } = t.store.adapters;
    const replace = records.replaceInvalidRows.bind(records);
    records.replaceInvalidRows = async (batchId, fixed) => {
      await replace(batchId, fixed);
      t.store.state.batches.delete(batchId); // the delete commits right after the records were written
    };
    try {
      const res = await fix([{ row: 4, record: { email: 'ann@example.com' } }]);
      expect(res.statusCode).toBe(409);
      expect(t.store.state.records.has(batch.id)).toBe(false);
    } finally {
      records.replaceInvalidRows = replace;
    }
  });

  it("another user's batch is a 404", async () => {
    const stranger = bearer(await tokenFor('stranger'));
    const res = await t.app.inject({ url: `/api/batches/${batch.id}/invalid-rows`, headers: stranger });
    expect(res.statusCode).toBe(404);
  });
});
