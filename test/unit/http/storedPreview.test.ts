import { randomUUID } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Batch } from '../../../src/domain/batch.js';
import { bearer, build, tokenFor, type TestApp } from '../../support/buildTestApp.js';

const CSV = 'Name,Mail,Phone\nAda Lovelace,ada@example.com,030 1234567\nAlan Turing,alan@example.com,\n';

/** POST /api/batches/{id}/preview (issue #21): the stored file previewed as a re-read would read it. */
describe('preview of a stored file (route and schema)', () => {
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
      mapping: { Name: 'fullName', Mail: 'email', Phone: 'phone' },
      mappingSource: 'request',
      phoneRegion: 'DE',
    });
    t.store.state.files.set(batch.storageKey, Buffer.from(CSV));
  });
  afterAll(async () => {
    await t.app.close();
  });

  const preview = (payload: unknown, id = batch.id, headers: Record<string, string> = owner) =>
    t.app.inject({
      method: 'POST',
      url: `/api/batches/${id}/preview`,
      headers,
      payload: payload as object,
    });

  it('200 in the upload preview’s form, read with the mapping and region sent; the batch unchanged', async () => {
    const res = await preview({
      mapping: { Name: 'company', Mail: 'email', Phone: null },
      phoneRegion: 'GB',
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      format: 'csv',
      headerRow: ['Name', 'Mail', 'Phone'],
      mapping: { Name: 'company', Mail: 'email', Phone: null },
      mappingSource: 'request',
      unmappedColumns: ['Phone'],
      phoneRegion: 'GB',
      regionInference: null,
    });
    expect(
      body.records.map((r: { row: number; record: Record<string, unknown> }) => [
        r.row,
        r.record['company'],
        r.record['fullName'],
        r.record['phone'],
      ]),
    ).toEqual([
      [1, 'Ada Lovelace', null, null],
      [2, 'Alan Turing', null, null],
    ]);
    expect(t.store.state.batches.get(batch.id)).toEqual(batch);
    expect(t.store.state.enqueued).toEqual([]);
  });

  it('absent options are the batch’s (what /reprocess with the same body reads); null ones the synonyms and the default', async () => {
    const kept = await preview({});
    expect(kept.statusCode, kept.body).toBe(200);
    expect(kept.json()).toMatchObject({
      mapping: { Name: 'fullName', Mail: 'email', Phone: 'phone' },
      phoneRegion: 'DE',
    });
    expect(kept.json().records[0].record).toMatchObject({ fullName: 'Ada Lovelace', phone: '+49301234567' });
    const reset = await preview({ mapping: null, phoneRegion: null });
    expect(reset.statusCode, reset.body).toBe(200);
    expect(reset.json()).toMatchObject({ mappingSource: 'synonyms', phoneRegion: 'US' });
    expect(reset.json().records[0].record.phone).toBeNull();
  });

  it.each(['uploaded', 'parsing', 'error'] as const)(
    'previews a batch in %s too (the stored file exists)',
    async (status) => {
      t.store.state.batches.set(batch.id, { ...batch, status });
      expect((await preview({})).statusCode).toBe(200);
    },
  );

  it('401 without a token', async () => {
    const res = await preview({}, batch.id, {});
    expect(res.statusCode).toBe(401);
  });

  it('404 for another user’s batch, an unknown one and a deleted one, like every batch route', async () => {
    const other = bearer(await tokenFor('other'));
    const theirs = await preview({}, batch.id, other);
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json().error).toEqual({ code: 'not_found', message: 'batch not found' });
    expect((await preview({}, randomUUID())).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/batches/${batch.id}`, headers: owner })).statusCode,
    ).toBe(204);
    expect((await preview({})).statusCode).toBe(404);
  });

  it.each([
    ['an unknown field', { mapping: { Name: 'shoeSize' } }, /mapping/],
    ['a field from two columns', { mapping: { A: 'email', B: 'email' } }, /maps both "A" and "B" to email/],
    ['a region with no numbering plan', { phoneRegion: 'ZZ' }, /phoneRegion "ZZ" is not a supported/],
    ['a lower-case region (no coercion)', { phoneRegion: 'de' }, /phoneRegion/],
    ['an unknown option', { encoding: 'utf-8' }, /encoding|additional/],
    ['a mapping that is not an object', { mapping: ['Name'] }, /mapping/],
    ['a region that is a number (no coercion)', { phoneRegion: 49 }, /phoneRegion/],
  ])('400 for %s', async (_name, payload, message) => {
    const res = await preview(payload);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.message).toMatch(message);
  });

  it('400 invalid_file for stored content the worker would refuse', async () => {
    t.store.state.batches.set(batch.id, { ...batch, fileFormat: 'xlsx' });
    const res = await preview({});
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('invalid_file');
  });
});
