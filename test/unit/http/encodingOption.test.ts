import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, build, multipart, tokenFor, type TestApp } from '../../support/buildTestApp.js';
import { fixture } from '../parsing/helpers.js';

type Part = Parameters<typeof multipart>[0][number];
const macRoman = (): Part => ({
  name: 'file',
  filename: 'contacts.csv',
  content: fixture('thirdparty/mac-roman.csv'),
});

/** Issue 22: the preview shows the encoding used; `encoding` overrides detection; batches record it. */
describe('the encoding option on preview and upload', () => {
  let t: TestApp;
  let headers: { authorization: string };
  beforeAll(async () => {
    t = await build({ limits: { maxFileSize: 64 * 1024 } });
    headers = bearer(await tokenFor('encodings'));
  });
  afterAll(async () => {
    await t.app.close();
  });

  function post(url: string, parts: Part[]) {
    const body = multipart(parts);
    return t.app.inject({
      method: 'POST',
      url,
      payload: body.payload,
      headers: { ...headers, ...body.headers },
    });
  }

  type PreviewBody = {
    encoding: string;
    encodingOverride: string | null;
    records: { record: { fullName: string } }[];
  };
  const names = (body: PreviewBody) => body.records.map((r) => r.record.fullName);

  it('previews a Mac Roman CSV with the detected encoding and its letters right', async () => {
    const res = await post('/api/batches/preview', [macRoman()]);
    expect(res.statusCode).toBe(200);
    const body = res.json<PreviewBody>();
    expect({ encoding: body.encoding, encodingOverride: body.encodingOverride }).toEqual({
      encoding: 'macintosh',
      encodingOverride: null,
    });
    expect(names(body)[0]).toBe('Renée Müller');
  });

  it('previews in the encoding the user chose (any case) instead', async () => {
    const res = await post('/api/batches/preview', [
      { name: 'encoding', content: 'Windows-1252' },
      macRoman(),
    ]);
    const body = res.json<PreviewBody>();
    expect({ encoding: body.encoding, encodingOverride: body.encodingOverride }).toEqual({
      encoding: 'windows-1252',
      encodingOverride: 'windows-1252',
    });
    expect(names(body)[0]).toBe('RenŽe MŸller');
  });

  it('shows the region the file’s own evidence gives, with the evidence', async () => {
    const csv =
      'Name,Email,Phone\nMario Rossi,mario@example.it,312 345 6789\nGiulia Bianchi,giulia@example.it,+39 347 123 4567\n';
    const res = await post('/api/batches/preview', [{ name: 'file', filename: 'c.csv', content: csv }]);
    expect(res.json()).toMatchObject({
      phoneRegion: 'US',
      regionInference: {
        status: 'inferred',
        region: 'IT',
        evidence: [{ region: 'IT', phones: 1, countries: 0, emails: 2 }],
      },
      records: [{ record: { phone: '+393123456789' } }, { record: { phone: '+393471234567' } }],
    });
  });

  it('previews BOM-less UTF-16 as text', async () => {
    const res = await post('/api/batches/preview', [
      { name: 'file', filename: 'contacts.txt', content: fixture('thirdparty/utf-16le-no-bom.txt') },
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.json<PreviewBody>()).toMatchObject({ encoding: 'utf-16le' });
  });

  it('stores the chosen encoding on the batch and shows it; the used one comes when parsed', async () => {
    const res = await post('/api/batches/upload', [{ name: 'encoding', content: 'iso-8859-2' }, macRoman()]);
    expect(res.statusCode).toBe(201);
    const { id } = res.json<{ id: string }>();
    expect(t.store.state.batches.get(id)).toMatchObject({
      encodingOverride: 'iso-8859-2',
      textEncoding: null,
    });
    const details = await t.app.inject({ url: `/api/batches/${id}`, headers });
    expect(details.json()).toMatchObject({ encoding: null, encodingOverride: 'iso-8859-2' });
  });

  it.each([
    [
      'an unknown encoding',
      'utf-32',
      'contacts.csv',
      /^encoding "utf-32" is not supported; use one of utf-8, utf-16le/,
    ],
    ['an encoding for a vCard', 'utf-8', 'contacts.vcf', /^encoding applies to CSV and TXT files/],
    ['an encoding for a workbook', 'windows-1252', 'contacts.xlsx', /^encoding applies to CSV and TXT files/],
  ])('refuses %s with a 400, storing nothing', async (_what, encoding, filename, message) => {
    const before = t.store.state.batches.size;
    for (const url of ['/api/batches/upload', '/api/batches/preview']) {
      const res = await post(url, [
        { name: 'encoding', content: encoding },
        { name: 'file', filename, content: 'BEGIN:VCARD\r\nFN:A\r\nEND:VCARD\r\n' },
      ]);
      expect(res.statusCode, url).toBe(400);
      expect(res.json<{ error: { message: string } }>().error.message).toMatch(message);
    }
    expect(t.store.state.batches.size).toBe(before);
  });
});
