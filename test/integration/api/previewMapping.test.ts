import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactRecord } from '../../../src/parsing/types.js';
import { GERMAN_SHEET_ROWS, xlsxOf } from '../../support/contactSheets.js';
import { api, newUser, startStack, waitForStatus, type TestStack } from '../../support/testStack.js';
import { fixture } from '../../unit/parsing/helpers.js';

/** The multipart form of a preview or an upload: option fields first, then the file. */
function form(content: Buffer | string, filename: string, fields: Record<string, string> = {}): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    body.append(name, value);
  }
  body.append('file', new Blob([new Uint8Array(Buffer.from(content))]), filename);
  return body;
}

async function uploadAndLoad(stack: TestStack, token: string, body: FormData): Promise<string> {
  const up = await api(stack, '/api/batches/upload', { method: 'POST', token, body });
  expect(up.status, up.text).toBe(201);
  const status = await waitForStatus(stack, token, up.body.id as string, undefined, 120_000);
  expect(status).toMatchObject({ status: 'loaded' });
  return up.body.id as string;
}

async function records(stack: TestStack, token: string, id: string): Promise<ContactRecord[]> {
  const res = await api(stack, `/api/batches/${id}/records?limit=100`, { token });
  expect(res.status).toBe(200);
  return res.body.records as ContactRecord[];
}

/**
 * Issue #11 on the real stack: a previewed file, uploaded with its mapping changed and a phone
 * region, is loaded by the worker exactly as chosen, in both records stores.
 */
describe.each([
  { storage: 'local' as const, records: 'postgres' as const },
  { storage: 's3' as const, records: 'cassandra' as const },
])(
  'preview, mapping and phoneRegion on $storage storage + $records records',
  ({ storage, records: store }) => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startStack({ storage, records: store, worker: true });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('previews without storing, then loads the upload with the previewed mapping changed for one column', async () => {
      const user = await newUser('preview');
      const csv = fixture('excel-german-numbers.csv');
      const preview = await api(stack, '/api/batches/preview', {
        method: 'POST',
        token: user.token,
        body: form(csv, 'kontakte.csv', { phoneRegion: 'DE' }),
      });
      expect(preview.status, preview.text).toBe(200);
      expect(preview.body).toMatchObject({
        format: 'csv',
        encoding: 'windows-1252',
        delimiter: ';',
        phoneRegion: 'DE',
        mapping: {
          Vorname: 'firstName',
          Nachname: 'lastName',
          'E-Mail-Adresse': 'email',
          Mobiltelefon: 'phone',
          Ort: 'city',
          Land: 'country',
          Notiz: null,
        },
        unmappedColumns: ['Notiz'],
      });
      const previewed = (preview.body.records as { record: ContactRecord }[]).map((r) => r.record);
      expect(previewed.map((r) => r.phone)).toEqual([
        '+4915123456789',
        '+491701234567',
        '+14155552671',
        '+33612345678',
        '+493012345678',
      ]);
      // Nothing stored: no batch, no file in the stack's storage.
      expect((await api(stack, '/api/batches', { token: user.token })).body).toMatchObject({ total: 0 });
      if (storage === 'local') {
        expect(await readdir(stack.localDir, { recursive: true })).toEqual([]);
      }

      // The person maps "Notiz" to the job title and drops the city.
      const mapping = { ...preview.body.mapping, Notiz: 'title', Ort: null };
      const id = await uploadAndLoad(
        stack,
        user.token,
        form(csv, 'kontakte.csv', { phoneRegion: 'de', mapping: JSON.stringify(mapping) }),
      );
      const details = await api(stack, `/api/batches/${id}`, { token: user.token });
      expect(details.body).toMatchObject({ mapping, phoneRegion: 'DE' });
      const loaded = await records(stack, user.token, id);
      expect(loaded.map((r) => [r.lastName, r.title, r.city, r.phone])).toEqual([
        ['Müller', 'Kunde seit 2019', null, '+4915123456789'],
        ['Schmidt', null, null, '+491701234567'],
        ['Smith', null, null, '+14155552671'],
        ['Martin', null, null, '+33612345678'],
        ['Weiß', 'nur Festnetz', null, '+493012345678'],
      ]);
      // Everything else as previewed: the preview and the worker read the file the same way.
      const unchanged = (r: ContactRecord) => ({ ...r, title: null, city: null });
      expect(loaded.map(unchanged)).toEqual(previewed.map((r) => ({ ...unchanged(r), seenIn: null })));
      expect(loaded[0]!.original).toMatchObject({ Ort: 'München', Notiz: 'Kunde seit 2019' });
    });

    it('reads German numbers without a country code in the batch region: DE gives E.164, US gives null and an issue', async () => {
      const user = await newUser('region');
      const vcf = fixture('german-numbers-3.0.vcf');
      const de = await uploadAndLoad(stack, user.token, form(vcf, 'c.vcf', { phoneRegion: 'DE' }));
      expect((await records(stack, user.token, de)).map((r) => r.phone)).toEqual([
        '+4915123456789',
        '+491701234567',
        '+493012345678',
      ]);
      const us = await uploadAndLoad(stack, user.token, form(vcf, 'c.vcf', { phoneRegion: 'US' }));
      const usRecords = await records(stack, user.token, us);
      expect(usRecords.map((r) => [r.phone, r.issues])).toEqual([
        [null, ['phone number "0151 2345 6789" is too long for region US']],
        ['+491701234567', []], // its work address says Deutschland
        [null, ['phone number "030 12345678" is too long for region US']],
      ]);
      expect(usRecords[0]!.original).toMatchObject({ 'TEL;TYPE=CELL': '0151 2345 6789' });

      const xlsx = await uploadAndLoad(
        stack,
        user.token,
        form(xlsxOf(GERMAN_SHEET_ROWS), 'c.xlsx', { phoneRegion: 'DE' }),
      );
      expect((await records(stack, user.token, xlsx)).map((r) => r.phone)).toEqual([
        '+4915123456789',
        '+14155552671',
      ]);

      // The exports carry the same clean phones.
      const csvExport = await api(stack, `/api/batches/${us}/records.csv`, { token: user.token });
      expect(csvExport.status).toBe(200);
      // No phone for the first card: an empty Phone column (the raw text is only in Original Columns).
      const firstLine = csvExport.text.split('\r\n')[1]!;
      expect(firstLine.split(',').slice(0, 6)).toEqual([
        '1',
        'Jürgen Müller',
        'Jürgen',
        'Müller',
        'juergen.mueller@example.de',
        '',
      ]);
      const vcfExport = await api(stack, `/api/batches/${de}/records.vcf`, { token: user.token });
      expect(vcfExport.text).toContain('TEL;VALUE=uri:tel:+4915123456789');
    });
  },
);
