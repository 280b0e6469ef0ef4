import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIELD_LIST } from '../../../src/contacts/contactSchema.js';
import { MAPPABLE_FIELDS } from '../../../src/parsing/headers/fields.js';
import { GERMAN_SHEET_ROWS, xlsxOf } from '../../support/contactSheets.js';
import { bearer, build, multipart, tokenFor, type TestApp } from '../../support/buildTestApp.js';
import { fixture } from '../parsing/helpers.js';

const MAX = 12 * 1024 * 1024;
type Part = Parameters<typeof multipart>[0][number];

/** CSV of `n` contacts after a header; row i has phone +1 415 555 (2600 + i). */
function contacts(n: number): string {
  const rows = Array.from(
    { length: n },
    (_, i) => `Person ${i + 1},p${i + 1}@example.com,(415) 555-${2600 + i + 1}`,
  );
  return ['Name,Email,Phone', ...rows].join('\n') + '\n';
}

const file = (content: string | Buffer, filename = 'contacts.csv'): Part => ({
  name: 'file',
  filename,
  content,
});

describe('POST /api/batches/preview', () => {
  let t: TestApp;
  let headers: { authorization: string };
  beforeAll(async () => {
    t = await build({ limits: { maxFileSize: MAX } });
    headers = bearer(await tokenFor('previewer'));
  });
  afterAll(async () => {
    await t.app.close();
  });

  function preview(parts: Part[], auth: Record<string, string> = headers) {
    const body = multipart(parts);
    return t.app.inject({
      method: 'POST',
      url: '/api/batches/preview',
      payload: body.payload,
      headers: { ...auth, ...body.headers },
    });
  }

  /** A preview leaves nothing behind: no file, no batch, no job. */
  function expectNothingStored(): void {
    expect([...t.store.state.files.keys()]).toEqual([]);
    expect([...t.store.state.batches.values()]).toEqual([]);
    expect(t.store.state.enqueued).toEqual([]);
  }

  function expectError(
    res: Awaited<ReturnType<typeof preview>>,
    status: number,
    code: string,
    message: RegExp,
  ) {
    expect({ status: res.statusCode, body: res.json<unknown>() }).toEqual({
      status,
      body: {
        error: { code, message: expect.stringMatching(message) as unknown },
        requestId: expect.any(String),
      },
    });
  }

  it('answers what the worker would read from the first 20 rows, and stores nothing', async () => {
    const res = await preview([file(contacts(50))]);
    expect(res.statusCode).toBe(200);
    const body = res.json<
      Record<string, unknown> & { records: { row: number; record: Record<string, unknown> }[] }
    >();
    expect({ ...body, records: body.records.length }).toEqual({
      format: 'csv',
      encoding: 'utf-8',
      encodingOverride: null,
      delimiter: ',',
      headerRow: ['Name', 'Email', 'Phone'],
      mapping: { Name: 'fullName', Email: 'email', Phone: 'phone' },
      mappingSource: 'synonyms',
      savedMappingId: null,
      unmappedColumns: [],
      fields: [...MAPPABLE_FIELDS],
      phoneRegion: 'US',
      // example.com addresses and numbers without a country code say nothing about a region.
      regionInference: { status: 'none', region: null, evidence: [] },
      records: 20,
    });
    expect(body.records.map((r) => r.row)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(body.records[0]).toEqual({
      row: 1,
      record: {
        rowNumber: 1,
        fullName: 'Person 1',
        firstName: 'Person',
        lastName: '1',
        email: 'p1@example.com',
        phone: '+14155552601',
        company: null,
        title: null,
        street: null,
        city: null,
        region: null,
        postalCode: null,
        country: null,
        original: { Name: 'Person 1', Email: 'p1@example.com', Phone: '(415) 555-2601' },
        issues: [],
      },
      issues: [],
    });
    // Exactly the records API's shape: every contact field, in order, and nothing else.
    expect(Object.keys(body.records[0]!.record)).toEqual(FIELD_LIST.map((f) => f.name));
    expectNothingStored();
  });

  it('stops parsing after 20 rows: a 10 MB file whose end is broken still previews', async () => {
    // An unterminated quote on the last line (and more rows than this app's 10,000 limit):
    // parsing the whole file would fail.
    const big = contacts(220_000);
    const broken = big + '"Never closed,x@example.com,1\n';
    expect(broken.length).toBeGreaterThan(10 * 1024 * 1024);
    const res = await preview([file(broken)]);
    expect(res.statusCode).toBe(200);
    expect(res.json<{ records: unknown[] }>().records).toHaveLength(20);
    expectNothingStored();
  });

  it('reads the German mobile with phoneRegion=DE and gives no phone, with the reason, for US', async () => {
    const csv = 'Name,Phone\nJürgen Müller,0151 2345 6789\n';
    const de = await preview([{ name: 'phoneRegion', content: 'de' }, file(csv)]);
    expect(de.json()).toMatchObject({
      phoneRegion: 'DE',
      records: [{ record: { phone: '+4915123456789', original: { Phone: '0151 2345 6789' } }, issues: [] }],
    });
    const us = await preview([{ name: 'phoneRegion', content: 'US' }, file(csv)]);
    expect(us.json()).toMatchObject({
      phoneRegion: 'US',
      records: [
        {
          record: { phone: null, original: { Phone: '0151 2345 6789' } },
          issues: ['phone number "0151 2345 6789" is too long for region US'],
        },
      ],
    });
  });

  it('applies a mapping sent with it and lists the columns it leaves unmapped', async () => {
    const csv = 'Name,Email,Phone,Firma\nAda,ada@example.com,+44 20 7946 0000,Analytical Engines\n';
    const mapping = { Name: 'fullName', Email: null, Firma: 'company' };
    const res = await preview([{ name: 'mapping', content: JSON.stringify(mapping) }, file(csv)]);
    expect(res.json()).toMatchObject({
      mapping: { Name: 'fullName', Email: null, Phone: null, Firma: 'company' },
      unmappedColumns: ['Email', 'Phone'],
      records: [{ record: { fullName: 'Ada', email: null, phone: null, company: 'Analytical Engines' } }],
    });
  });

  it('shows a row the worker would refuse as a record with its reason', async () => {
    const res = await preview([file('Name,Email,Phone\n,not-an-email,12ab\nAda,,\n')]);
    expect(res.json()).toMatchObject({
      records: [
        {
          row: 1,
          record: {
            fullName: null,
            email: null,
            phone: null,
            original: { Email: 'not-an-email', Phone: '12ab' },
          },
          issues: [
            'no name, email or phone; email address is not valid: not-an-email; phone number "12ab" is not a phone number',
          ],
        },
        { row: 2, record: { fullName: 'Ada' }, issues: [] },
      ],
    });
  });

  it('previews a vCard (no header, no mapping) and an XLSX', async () => {
    const vcf = await preview([
      { name: 'phoneRegion', content: 'DE' },
      file(fixture('german-numbers-3.0.vcf'), 'c.vcf'),
    ]);
    expect(vcf.json()).toMatchObject({
      format: 'vcf',
      encoding: 'utf-8',
      delimiter: null,
      headerRow: null,
      mapping: null,
      unmappedColumns: [],
      records: [
        { record: { fullName: 'Jürgen Müller', phone: '+4915123456789' } },
        { record: { fullName: 'Anna Schmidt', phone: '+491701234567' } },
        { record: { fullName: 'Grete Weiß', phone: '+493012345678' } },
      ],
    });
    const xlsx = await preview([
      { name: 'phoneRegion', content: 'DE' },
      file(xlsxOf(GERMAN_SHEET_ROWS), 'c.xlsx'),
    ]);
    expect(xlsx.json()).toMatchObject({
      format: 'xlsx',
      encoding: null,
      delimiter: null,
      headerRow: ['Name', 'E-Mail', 'Handy', 'Land'],
      mapping: { Name: 'fullName', 'E-Mail': 'email', Handy: 'phone', Land: 'country' },
      records: [
        { record: { phone: '+4915123456789' } },
        { record: { phone: '+14155552671', country: 'United States' } },
      ],
    });
    expectNothingStored();
  });

  it.each<[string, Part[], number, string, RegExp]>([
    ['a disallowed extension', [file('x', 'c.exe')], 400, 'bad_request', /file type \.exe is not allowed/],
    ['an empty file', [file('')], 400, 'bad_request', /the uploaded file is empty/],
    ['content that is not the extension', [file('%PDF-1.4 binary', 'c.csv')], 400, 'invalid_file', /./],
    ['a file without a header', [file('1,2,3\n4,5,6\n')], 400, 'invalid_file', /no column looks like a name/],
    ['no file', [{ name: 'phoneRegion', content: 'DE' }], 400, 'bad_request', /no file was sent/],
    [
      'an unknown region',
      [{ name: 'phoneRegion', content: 'ZZ' }, file('Name\nA\n')],
      400,
      'bad_request',
      /phoneRegion "ZZ" is not a supported/,
    ],
    [
      'a mapping that is not JSON',
      [{ name: 'mapping', content: '{' }, file('Name\nA\n')],
      400,
      'bad_request',
      /mapping is not valid JSON/,
    ],
    [
      'a field after the file',
      [file('Name\nA\n'), { name: 'phoneRegion', content: 'DE' }],
      400,
      'bad_request',
      /form field "phoneRegion" came after the file; form fields must come before the file part/,
    ],
    [
      'a mapping for a vCard',
      [{ name: 'mapping', content: '{"FN":"fullName"}' }, file(fixture('german-numbers-3.0.vcf'), 'c.vcf')],
      400,
      'bad_request',
      /mapping applies to CSV, TXT, XLS and XLSX files/,
    ],
  ])('answers %s like the upload, storing nothing', async (_name, parts, status, code, message) => {
    expectError(await preview(parts), status, code, message);
    expectNothingStored();
  });

  it('answers 413 for a file over the limit', async () => {
    const small = await build({ limits: { maxFileSize: 4096 } });
    const body = multipart([file(contacts(400))]);
    const res = await small.app.inject({
      method: 'POST',
      url: '/api/batches/preview',
      payload: body.payload,
      headers: { ...headers, ...body.headers },
    });
    expectError(res, 413, 'payload_too_large', /limit of 4096 bytes/);
    expect([...small.store.state.files.keys()]).toEqual([]);
    await small.app.close();
  });

  it('needs a token', async () => {
    const res = await preview([file(contacts(1))], {});
    expect(res.statusCode).toBe(401);
  });
});
