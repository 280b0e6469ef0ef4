import { randomUUID } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Batch } from '../../../src/domain/batch.js';
import type { ContactRecord } from '../../../src/parsing/types.js';
import { bearer, build, tokenFor, type TestApp } from '../../support/buildTestApp.js';
import { contactRecord } from '../../support/contactRecord.js';

/** A whole record (every field of the contact schema), text fields null but the name. */
const record = (rowNumber: number, fullName: string): ContactRecord => contactRecord(rowNumber, { fullName });

/** POST /api/batches/{id}/reprocess and the reading-aware records cursor, over in-memory adapters. */
describe('re-reading a stored file (route and schema)', () => {
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
      mapping: { Name: 'fullName' },
      phoneRegion: 'DE',
      rowsRead: 3,
      recordsLoaded: 3,
    });
  });
  afterAll(async () => {
    await t.app.close();
  });

  const reprocess = (payload: unknown, id = batch.id, headers = owner) =>
    t.app.inject({
      method: 'POST',
      url: `/api/batches/${id}/reprocess`,
      headers,
      payload: payload as object,
    });

  it('202: a fresh attempt and records key, queued, with the fixes it drops counted', async () => {
    t.store.state.fixes.set(
      batch.id,
      new Map([[2, { row: { rowNumber: 2, reason: 'x', original: {} }, counted: true, keys: [] }]]),
    );
    const res = await reprocess({ mapping: { Name: 'company', Mail: null }, phoneRegion: 'FR' });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({
      id: batch.id,
      status: 'uploaded',
      version: batch.version + 1,
      message: 'Batch queued to be read again',
      droppedFixes: 1,
    });
    const after = t.store.state.batches.get(batch.id)!;
    expect(after).toMatchObject({
      status: 'uploaded',
      attempt: 2,
      mapping: { Name: 'company', Mail: null },
      phoneRegion: 'FR',
      recordsKey: batch.id, // readers keep the current reading until the job switches
    });
    expect(after.readingKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.store.state.enqueued).toEqual([{ batchId: batch.id, attempt: 2 }]);
  });

  it('absent options keep the batch’s; null ones go back to the synonyms and the default region', async () => {
    expect((await reprocess({})).statusCode).toBe(202);
    expect(t.store.state.batches.get(batch.id)).toMatchObject({
      mapping: { Name: 'fullName' },
      phoneRegion: 'DE',
    });
    t.store.state.batches.set(batch.id, { ...t.store.state.batches.get(batch.id)!, status: 'error' });
    expect((await reprocess({ mapping: null, phoneRegion: null })).statusCode).toBe(202);
    expect(t.store.state.batches.get(batch.id)).toMatchObject({ mapping: null, phoneRegion: null });
  });

  it.each(['uploaded', 'parsing', 'parsed'] as const)(
    '409 with a message for a batch in %s',
    async (status) => {
      t.store.state.batches.set(batch.id, { ...batch, status });
      const res = await reprocess({});
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toEqual({
        code: 'conflict',
        message: `only a batch in status "loaded" or "error" can be re-read; this one is "${status}" (wait until it has finished)`,
      });
      expect(t.store.state.enqueued).toEqual([]);
    },
  );

  it('404 for another user’s batch and for no batch, like every batch route', async () => {
    const other = bearer(await tokenFor('other'));
    expect((await reprocess({}, batch.id, other)).json().error.code).toBe('not_found');
    expect((await reprocess({}, randomUUID())).statusCode).toBe(404);
    expect(t.store.state.batches.get(batch.id)!.status).toBe('loaded');
  });

  it.each([
    ['an unknown field', { mapping: { Name: 'shoeSize' } }, /mapping/],
    ['a field from two columns', { mapping: { A: 'email', B: 'email' } }, /maps both "A" and "B" to email/],
    ['a region with no numbering plan', { phoneRegion: 'ZZ' }, /phoneRegion "ZZ" is not a supported/],
    ['a lower-case region', { phoneRegion: 'de' }, /phoneRegion/],
    ['an unknown option', { encoding: 'utf-8' }, /encoding|additional/],
    ['a mapping that is not an object', { mapping: ['Name'] }, /mapping/],
  ])('400 for %s, and nothing changes', async (_name, payload, message) => {
    const res = await reprocess(payload);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.message).toMatch(message);
    expect(t.store.state.batches.get(batch.id)).toEqual(batch);
  });

  describe('records cursor of a re-read batch', () => {
    const newKey = randomUUID();
    beforeEach(() => {
      t.store.state.batches.set(batch.id, { ...batch, recordsKey: newKey, reading: 3 });
      t.store.state.records.set(batch.id, [record(1, 'Old One'), record(2, 'Old Two')]);
      t.store.state.records.set(newKey, [record(1, 'New One'), record(2, 'New Two')]);
    });
    const page = (query: string) =>
      t.app.inject({ url: `/api/batches/${batch.id}/records?limit=1${query}`, headers: owner });

    it('reads the current reading and names it in the cursor', async () => {
      const first = await page('');
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json().records.map((r: ContactRecord) => r.fullName)).toEqual(['New One']);
      expect(first.json().nextCursor).toMatch(/^[A-P][A-Za-z0-9_-]{4}[AQgw]\.3$/);
      const second = await page(`&cursor=${first.json().nextCursor}`);
      expect(second.json().records.map((r: ContactRecord) => r.fullName)).toEqual(['New Two']);
    });

    it('409 for a cursor of another reading (plain = the first reading)', async () => {
      const cursor = (await page('')).json().nextCursor as string;
      const plain = cursor.split('.')[0]!;
      for (const stale of [plain, `${plain}.2`]) {
        const res = await page(`&cursor=${stale}`);
        expect(res.statusCode).toBe(409);
        expect(res.json().error.message).toMatch(/re-read after this cursor was given/);
      }
    });

    it('400 for a cursor whose reading part is malformed', async () => {
      const plain = ((await page('')).json().nextCursor as string).split('.')[0]!;
      for (const bad of [`${plain}.0`, `${plain}.`, `${plain}.x`, `${plain}.3.3`]) {
        expect((await page(`&cursor=${encodeURIComponent(bad)}`)).statusCode).toBe(400);
      }
    });
  });
});
