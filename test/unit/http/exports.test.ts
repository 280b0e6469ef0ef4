import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FIELD_LIST, type ContactRecord } from '../../../src/contacts/contactSchema.js';
import { DependencyUnavailableError } from '../../../src/errors.js';
import { EXPORT_PAGE_SIZE } from '../../../src/services/recordsExportService.js';
import { bearer, build, tokenFor, type TestApp } from '../../support/buildTestApp.js';
import { contactRecord } from '../../support/contactRecord.js';

const BOM = '\uFEFF';

function contact(rowNumber: number, fields: Partial<ContactRecord> = {}): ContactRecord {
  return contactRecord(rowNumber, { email: `c${rowNumber}@example.com`, ...fields });
}

/** Data lines of a CSV whose cells hold no line breaks (every test record here). */
function dataLines(body: string): string[] {
  const lines = body.split('\r\n');
  expect(lines.pop()).toBe('');
  return lines.slice(1);
}

describe('records.csv and records.vcf over in-memory adapters', () => {
  let t: TestApp;
  let owner: { authorization: string };
  let stranger: { authorization: string };
  beforeAll(async () => {
    t = await build();
    owner = bearer(await tokenFor('owner'));
    stranger = bearer(await tokenFor('stranger'));
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await t.app.close();
  });

  function seed(records: ContactRecord[]): string {
    const batch = t.store.seedBatch({ userId: 'owner', status: 'loaded', recordsLoaded: records.length });
    t.store.state.records.set(batch.id, records);
    return batch.id;
  }

  describe.each(['csv', 'vcf'])('records.%s', (format) => {
    it("answers someone else's batch with 404 JSON and no download headers", async () => {
      const id = seed([contact(1)]);
      const res = await t.app.inject({ url: `/api/batches/${id}/records.${format}`, headers: stranger });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('not_found');
      expect(res.headers['content-disposition']).toBeUndefined();
    });

    it('needs a token and a valid id', async () => {
      const id = seed([contact(1)]);
      expect((await t.app.inject({ url: `/api/batches/${id}/records.${format}` })).statusCode).toBe(401);
      const bad = await t.app.inject({ url: `/api/batches/nope/records.${format}`, headers: owner });
      expect(bad.statusCode).toBe(400);
    });

    it('answers a records-store outage before the first byte with 503 JSON', async () => {
      const id = seed([contact(1)]);
      vi.spyOn(t.store.adapters.records, 'listRecords').mockRejectedValue(
        new DependencyUnavailableError('records store unavailable', { dependency: 'records' }),
      );
      const res = await t.app.inject({ url: `/api/batches/${id}/records.${format}`, headers: owner });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('dependency_unavailable');
    });

    it('is an attachment with a safe file name that is never cached', async () => {
      const id = seed([contact(1)]);
      const res = await t.app.inject({ url: `/api/batches/${id}/records.${format}`, headers: owner });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe(
        format === 'csv' ? 'text/csv; charset=utf-8' : 'text/vcard; charset=utf-8',
      );
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="batch-${id}-records.${format}"`);
    });

    it('streams a batch of several pages, one store query per page, every record in order', async () => {
      const total = EXPORT_PAGE_SIZE * 2 + 500;
      const id = seed(Array.from({ length: total }, (_, i) => contact(i + 1)));
      const pages = vi.spyOn(t.store.adapters.records, 'listRecords');
      const res = await t.app.inject({ url: `/api/batches/${id}/records.${format}`, headers: owner });
      expect(res.statusCode).toBe(200);
      expect(pages.mock.calls.map(([, options]) => options.limit)).toEqual([
        EXPORT_PAGE_SIZE,
        EXPORT_PAGE_SIZE,
        EXPORT_PAGE_SIZE,
      ]);
      const rows =
        format === 'csv'
          ? dataLines(res.body).map((line) => Number(line.split(',')[0]))
          : [...res.body.matchAll(/^EMAIL:c(\d+)@example\.com\r$/gm)].map((m) => Number(m[1]));
      expect(rows).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    });
  });

  describe('records.csv', () => {
    it('starts with a BOM and one heading per contact field, in schema order', async () => {
      const id = seed([]);
      const res = await t.app.inject({ url: `/api/batches/${id}/records.csv`, headers: owner });
      expect(res.body).toBe(`${BOM}${FIELD_LIST.map((f) => f.spec.csvHeading).join(',')}\r\n`);
    });

    it('neutralises formulas, also after a ";" for Excel in ";" locales, and keeps plain values', async () => {
      const id = seed([
        contact(1, {
          fullName: ';=1+1',
          company: `,=cmd|' /C calc'!A0`,
          title: 'Head of R&D',
          phone: '+4915123456789',
          city: 'Saint-Étienne',
        }),
      ]);
      const res = await t.app.inject({ url: `/api/batches/${id}/records.csv`, headers: owner });
      const [line] = dataLines(res.body.slice(1));
      expect(line).toBe(
        `1,";'=1+1",,,c1@example.com,"'+4915123456789",",'=cmd|' /C calc'!A0",Head of R&D,,Saint-Étienne,,,,{},`,
      );
    });
  });

  describe('records.vcf', () => {
    it('writes vCard 4.0 cards with escaped text, a tel: URI and CRLF line ends', async () => {
      const id = seed([
        contact(1, {
          fullName: 'Doe, Jane; Jr.',
          firstName: 'Jane',
          lastName: 'Doe',
          phone: '+4915123456789',
          company: 'A\\B',
          street: 'Main St 1\nBack house',
          city: 'Berlin',
        }),
        contact(2, { email: null, phone: '+14155552671' }),
      ]);
      const res = await t.app.inject({ url: `/api/batches/${id}/records.vcf`, headers: owner });
      expect(res.body).toBe(
        [
          'BEGIN:VCARD',
          'VERSION:4.0',
          'FN:Doe\\, Jane\\; Jr.',
          'N:Doe;Jane;;;',
          'EMAIL:c1@example.com',
          'TEL;VALUE=uri:tel:+4915123456789',
          'ORG:A\\\\B',
          'ADR:;;Main St 1\\nBack house;Berlin;;;',
          'END:VCARD',
          'BEGIN:VCARD',
          'VERSION:4.0',
          'FN:+14155552671',
          'TEL;VALUE=uri:tel:+14155552671',
          'END:VCARD',
          '',
        ].join('\r\n'),
      );
    });

    it('folds long lines at 75 octets without splitting a UTF-8 character', async () => {
      const name = 'Ü'.repeat(100);
      const id = seed([contact(1, { fullName: name })]);
      const res = await t.app.inject({ url: `/api/batches/${id}/records.vcf`, headers: owner });
      const lines = res.body.split('\r\n');
      for (const line of lines) {
        expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
      }
      const unfolded = res.body.replace(/\r\n /g, '');
      expect(unfolded).toContain(`\r\nFN:${name}\r\n`);
      expect(lines.filter((l) => l.startsWith(' ')).length).toBeGreaterThan(1);
    });
  });

  it('aborts the transfer when the store fails after the headers went out', async () => {
    const id = seed(Array.from({ length: EXPORT_PAGE_SIZE + 1 }, (_, i) => contact(i + 1)));
    const real = t.store.adapters.records.listRecords.bind(t.store.adapters.records);
    vi.spyOn(t.store.adapters.records, 'listRecords').mockImplementation(async (batchId, options) => {
      if (options.cursor !== undefined) {
        throw new DependencyUnavailableError('records store unavailable');
      }
      return real(batchId, options);
    });
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${address}/api/batches/${id}/records.csv`, { headers: owner });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('leaves batches of other ids untouched (random id is 404)', async () => {
    const res = await t.app.inject({ url: `/api/batches/${randomUUID()}/records.csv`, headers: owner });
    expect(res.statusCode).toBe(404);
  });
});
