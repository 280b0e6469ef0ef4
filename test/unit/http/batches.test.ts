import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactRecord } from '../../../src/parsing/types.js';
import { bearer, build, tokenFor, type TestApp } from '../../support/buildTestApp.js';
import { contactRecord } from '../../support/contactRecord.js';

interface ErrorJson {
  error: { code: string; message: string; details?: unknown };
  requestId: string;
}

function contact(rowNumber: number): ContactRecord {
  return contactRecord(rowNumber, { email: `c${rowNumber}@example.com` });
}

describe('batch routes over in-memory adapters', () => {
  let t: TestApp;
  let owner: { authorization: string };
  let stranger: { authorization: string };
  beforeAll(async () => {
    t = await build();
    owner = bearer(await tokenFor('owner'));
    stranger = bearer(await tokenFor('stranger'));
  });
  afterAll(async () => {
    await t.app.close();
  });

  function expectError(
    res: { statusCode: number; headers: Record<string, unknown>; json: <T>() => T },
    status: number,
    code: string,
  ) {
    expect(res.statusCode).toBe(status);
    const body = res.json<ErrorJson>();
    expect(Object.keys(body).sort()).toEqual(['error', 'requestId']);
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
    expect(body.requestId).toBe(res.headers['x-request-id']);
    return body;
  }

  describe('validation', () => {
    it.each([
      ['/api/batches/not-a-uuid'],
      ['/api/batches/not-a-uuid/status'],
      ['/api/batches/not-a-uuid/records'],
      ['/api/batches/not-a-uuid/errors.csv'],
      ['/api/batches?limit=0'],
      ['/api/batches?limit=101'],
      ['/api/batches?page=0'],
      ['/api/batches?page=abc'],
      ['/api/batches?status=done'],
      ['/api/batches?unknown=1'],
      ['/api/batches/recent?limit=51'],
      [`/api/batches/${randomUUID()}/records?limit=1001`],
      [`/api/batches/${randomUUID()}/records?cursor=${'x'.repeat(513)}`],
    ])('GET %s is a 400 with validation details', async (url) => {
      const body = expectError(await t.app.inject({ url, headers: owner }), 400, 'bad_request');
      expect(Array.isArray(body.error.details)).toBe(true);
    });

    it('rejects bad ids on DELETE and retry too', async () => {
      expectError(
        await t.app.inject({ method: 'DELETE', url: '/api/batches/x', headers: owner }),
        400,
        'bad_request',
      );
      expectError(
        await t.app.inject({ method: 'POST', url: '/api/batches/x/retry', headers: owner }),
        400,
        'bad_request',
      );
    });

    it('answers unknown routes with the same error shape', async () => {
      const body = expectError(await t.app.inject({ url: '/nowhere?x=1', headers: owner }), 404, 'not_found');
      expect(body.error.message).toBe('no route for GET /nowhere');
    });
  });

  describe('ownership: another user\'s batch is "not found" on every id route', () => {
    it.each([
      ['GET', ''],
      ['GET', '/status'],
      ['GET', '/records'],
      ['GET', '/errors.csv'],
      ['POST', '/retry'],
      ['DELETE', ''],
    ] as const)('%s /api/batches/:id%s', async (method, suffix) => {
      const batch = t.store.seedBatch({ userId: 'owner', status: 'error', errorMessage: 'boom' });
      const url = `/api/batches/${batch.id}${suffix}`;
      expectError(await t.app.inject({ method, url, headers: stranger }), 404, 'not_found');
      expect(t.store.state.batches.get(batch.id)).toEqual(batch); // untouched
      const mine = await t.app.inject({ method, url, headers: owner });
      expect(mine.statusCode).toBeLessThan(300);
    });
  });

  describe('reading batches', () => {
    it("lists the caller's batches newest first, paged, with the total", async () => {
      const { app, store } = await build();
      const ids = [1, 2, 3, 4, 5].map(() => store.seedBatch({ userId: 'pager' }).id).reverse();
      store.seedBatch({ userId: 'someone-else' });
      const headers = bearer(await tokenFor('pager'));
      const page2 = (await app.inject({ url: '/api/batches?page=2&limit=2', headers })).json<{
        batches: Array<{ id: string }>;
        total: number;
        page: number;
        limit: number;
      }>();
      expect(page2.total).toBe(5);
      expect([page2.page, page2.limit]).toEqual([2, 2]);
      expect(page2.batches.map((b) => b.id)).toEqual(ids.slice(2, 4));
      const recent = (await app.inject({ url: '/api/batches/recent?limit=1', headers })).json<
        Array<{ id: string }>
      >();
      expect(recent.map((b) => b.id)).toEqual([ids[0]]);
      await app.close();
    });

    it('filters by status and counts by status', async () => {
      const { app, store } = await build();
      store.seedBatch({ userId: 'counter', status: 'loaded' });
      store.seedBatch({ userId: 'counter', status: 'error', errorMessage: 'bad file' });
      store.seedBatch({ userId: 'counter', status: 'error', errorMessage: 'bad file' });
      const headers = bearer(await tokenFor('counter'));
      const errors = (await app.inject({ url: '/api/batches?status=error', headers })).json<{
        total: number;
      }>();
      expect(errors.total).toBe(2);
      expect((await app.inject({ url: '/api/batches/stats', headers })).json()).toEqual({
        total: 3,
        uploaded: 0,
        parsing: 0,
        parsed: 0,
        loaded: 1,
        error: 2,
      });
      await app.close();
    });

    it('shows one batch and its status without internal fields', async () => {
      const batch = t.store.seedBatch({
        userId: 'owner',
        status: 'loaded',
        progress: 100,
        rowsRead: 3,
        recordsLoaded: 2,
        invalidRows: 1,
        knownContacts: 1,
      });
      const details = (await t.app.inject({ url: `/api/batches/${batch.id}`, headers: owner })).json<
        Record<string, unknown>
      >();
      expect(details).toEqual({
        id: batch.id,
        fileName: 'contacts.csv',
        fileSize: 42,
        status: 'loaded',
        version: batch.version,
        createdAt: batch.createdAt.toISOString(),
        updatedAt: batch.updatedAt.toISOString(),
        fileFormat: 'csv',
        progress: 100,
        sha256: batch.sha256,
        mapping: null,
        mappingSource: 'synonyms',
        phoneRegion: null,
        encoding: null,
        encodingOverride: null,
        rowsRead: 3,
        recordsLoaded: 2,
        invalidRows: 1,
        knownContacts: 1,
      });
      const status = (await t.app.inject({ url: `/api/batches/${batch.id}/status`, headers: owner })).json();
      expect(status).toEqual({
        id: batch.id,
        status: 'loaded',
        version: batch.version,
        progress: 100,
        rowsRead: 3,
        recordsLoaded: 2,
        invalidRows: 1,
        knownContacts: 1,
      });
    });
  });

  describe('records and errors.csv', () => {
    it("pages records with the store's cursor until nextCursor is null", async () => {
      const batch = t.store.seedBatch({ userId: 'owner', status: 'loaded' });
      t.store.state.records.set(batch.id, [1, 2, 3, 4, 5].map(contact));
      const rows: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor === null ? '' : `&cursor=${cursor}`;
        const res = await t.app.inject({
          url: `/api/batches/${batch.id}/records?limit=2${query}`,
          headers: owner,
        });
        const page = res.json<{ records: ContactRecord[]; nextCursor: string | null }>();
        rows.push(...page.records.map((r) => r.rowNumber));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null);
      expect(rows).toEqual([1, 2, 3, 4, 5]);
      expect(pages).toBe(3);
    });

    it("turns a store's cursor rejection into a 400", async () => {
      const batch = t.store.seedBatch({ userId: 'owner', status: 'loaded' });
      expectError(
        await t.app.inject({ url: `/api/batches/${batch.id}/records?cursor=zz`, headers: owner }),
        400,
        'bad_request',
      );
    });

    it('streams errors.csv with row, reason, original columns and neutralised formulas', async () => {
      const batch = t.store.seedBatch({ userId: 'owner', status: 'loaded' });
      t.store.state.invalidRows.set(batch.id, [
        { rowNumber: 2, reason: 'no contact details', original: { Name: '=cmd()', Email: '' } },
        { rowNumber: 5, reason: 'no contact details', original: { Name: 'Bo', Email: '', Extra: 'x' } },
      ]);
      const res = await t.app.inject({ url: `/api/batches/${batch.id}/errors.csv`, headers: owner });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="batch-${batch.id}-errors.csv"`);
      expect(res.body).toBe(
        '\uFEFFrow,reason,Name,Email,other columns\r\n' +
          '2,no contact details,"\'=cmd()",,\r\n' +
          '5,no contact details,Bo,,"{""Extra"":""x""}"\r\n',
      );
    });

    it('answers an empty errors.csv with the heading only', async () => {
      const batch = t.store.seedBatch({ userId: 'owner', status: 'loaded' });
      const res = await t.app.inject({ url: `/api/batches/${batch.id}/errors.csv`, headers: owner });
      expect(res.body).toBe('\uFEFFrow,reason\r\n');
    });
  });

  describe('delete and retry', () => {
    it('deletes a batch (204) and then it is gone (404)', async () => {
      const batch = t.store.seedBatch({ userId: 'owner' });
      const res = await t.app.inject({ method: 'DELETE', url: `/api/batches/${batch.id}`, headers: owner });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(t.store.state.batches.has(batch.id)).toBe(false);
      expectError(await t.app.inject({ url: `/api/batches/${batch.id}`, headers: owner }), 404, 'not_found');
    });

    it('re-queues a batch in error with a new attempt', async () => {
      const batch = t.store.seedBatch({ userId: 'owner', status: 'error', errorMessage: 'bad', attempt: 1 });
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/batches/${batch.id}/retry`,
        headers: owner,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        id: batch.id,
        status: 'uploaded',
        version: batch.version + 1,
        message: 'Batch re-queued for processing',
      });
      expect(t.store.state.enqueued).toContainEqual({ batchId: batch.id, attempt: 2 });
    });

    it('refuses to retry a batch that is not in error (409)', async () => {
      const batch = t.store.seedBatch({ userId: 'owner', status: 'loaded' });
      const body = expectError(
        await t.app.inject({ method: 'POST', url: `/api/batches/${batch.id}/retry`, headers: owner }),
        409,
        'conflict',
      );
      expect(body.error.message).toMatch(/"loaded"/);
    });
  });

  it('rate-limits per user with the same error shape (in-memory counters)', async () => {
    const { app } = await build({ limits: { rateLimitPerMinute: 2 } });
    const headers = bearer(await tokenFor('busy'));
    const statuses = [];
    for (let i = 0; i < 3; i += 1) {
      statuses.push((await app.inject({ url: '/api/batches/stats', headers })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
    const other = await app.inject({ url: '/api/batches/stats', headers: bearer(await tokenFor('calm')) });
    expect(other.statusCode).toBe(200);
    const limited = await app.inject({ url: '/api/batches/stats', headers });
    expectError(limited, 429, 'rate_limited');
    await app.close();
  });
});
