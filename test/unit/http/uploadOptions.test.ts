import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, build, multipart, tokenFor, type TestApp } from '../../support/buildTestApp.js';

const CSV = 'Name,Email,Telefon\nJürgen Müller,juergen@example.de,0151 2345 6789\n';
type Part = Parameters<typeof multipart>[0][number];
const file: Part = { name: 'file', filename: 'contacts.csv', content: CSV };

/** The upload's optional form fields: phoneRegion and mapping, sent before the file. */
describe('POST /api/batches/upload with phoneRegion and mapping', () => {
  let t: TestApp;
  let headers: { authorization: string };
  beforeAll(async () => {
    t = await build({ limits: { maxFileSize: 64 * 1024 } });
    headers = bearer(await tokenFor('options'));
  });
  afterAll(async () => {
    await t.app.close();
  });

  function upload(parts: Part[]) {
    const body = multipart(parts);
    return t.app.inject({
      method: 'POST',
      url: '/api/batches/upload',
      payload: body.payload,
      headers: { ...headers, ...body.headers },
    });
  }

  function expectNothingStored(): void {
    expect([...t.store.state.files.keys()]).toEqual([]);
    expect([...t.store.state.batches.values()]).toEqual([]);
    expect(t.store.state.enqueued).toEqual([]);
  }

  function cleanUp(): void {
    t.store.state.files.clear();
    t.store.state.batches.clear();
    t.store.state.enqueued.length = 0;
  }

  it('stores both on the batch (region upper-cased) and shows them in its details', async () => {
    const mapping = { Name: 'fullName', Email: null, Telefon: 'phone' };
    const res = await upload([
      { name: 'phoneRegion', content: 'de' },
      { name: 'mapping', content: JSON.stringify(mapping) },
      // Not remembered: the next test uploads the same headers and expects the synonyms.
      { name: 'rememberMapping', content: 'false' },
      file,
    ]);
    expect(res.statusCode).toBe(201);
    const { id } = res.json<{ id: string }>();
    expect(t.store.state.batches.get(id)).toMatchObject({ mapping, phoneRegion: 'DE' });
    const details = await t.app.inject({ url: `/api/batches/${id}`, headers });
    expect(details.json()).toMatchObject({ mapping, phoneRegion: 'DE' });
    expect(t.store.state.enqueued).toEqual([{ batchId: id, attempt: 1 }]);
    cleanUp();
  });

  it('stores null for both when they are not sent', async () => {
    const res = await upload([file]);
    const { id } = res.json<{ id: string }>();
    const details = await t.app.inject({ url: `/api/batches/${id}`, headers });
    expect(details.json()).toMatchObject({ mapping: null, phoneRegion: null });
    cleanUp();
  });

  const entries = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`Column ${i}`, null]));

  it.each<[string, Part[], RegExp]>([
    [
      'a region that is not two letters',
      [{ name: 'phoneRegion', content: 'DEU' }],
      /phoneRegion "DEU" is not a supported ISO 3166-1 alpha-2 region/,
    ],
    [
      'a region without a numbering plan',
      [{ name: 'phoneRegion', content: 'ZZ' }],
      /phoneRegion "ZZ" is not a supported/,
    ],
    [
      'a mapping that is not JSON',
      [{ name: 'mapping', content: 'Name=fullName' }],
      /mapping is not valid JSON/,
    ],
    [
      'a mapping that is an array',
      [{ name: 'mapping', content: '["fullName"]' }],
      /mapping must be a JSON object of column header -> field name/,
    ],
    [
      'a mapping to an unknown field',
      [{ name: 'mapping', content: '{"Name":"nickname"}' }],
      /mapping maps "Name" to "nickname", which is not a contact field; use one of fullName, firstName, middleName/,
    ],
    [
      'a mapping to a non-text value',
      [{ name: 'mapping', content: '{"Name":1}' }],
      /mapping maps "Name" to 1, which is not a contact field/,
    ],
    [
      'a field mapped twice',
      [{ name: 'mapping', content: '{"Name":"email","Email":"email"}' }],
      /mapping maps both "Name" and "Email" to email; map each field from one column/,
    ],
    [
      'too many entries',
      [{ name: 'mapping', content: JSON.stringify(entries(201)) }],
      /mapping has 201 entries; at most 200/,
    ],
    [
      'a header over 200 characters',
      [{ name: 'mapping', content: JSON.stringify({ ['x'.repeat(201)]: null }) }],
      /mapping header "x{40}" must be 1-200 characters/,
    ],
    [
      'an empty header',
      [{ name: 'mapping', content: '{"":"email"}' }],
      /mapping header "" must be 1-200 characters/,
    ],
    [
      'a field sent twice',
      [
        { name: 'phoneRegion', content: 'DE' },
        { name: 'phoneRegion', content: 'DE' },
      ],
      /form field "phoneRegion" was sent twice/,
    ],
    [
      'an unknown field',
      [{ name: 'region', content: 'DE' }],
      /unexpected form field "region"; the form takes "phoneRegion", "mapping", "encoding", "rememberMapping" and then one file in "file"/,
    ],
  ])('refuses %s with a 400 naming it, storing nothing', async (_name, fields, message) => {
    const res = await upload([...fields, file]);
    expect({
      status: res.statusCode,
      message: res.json<{ error: { message: string } }>().error.message,
    }).toEqual({
      status: 400,
      message: expect.stringMatching(message) as unknown,
    });
    expectNothingStored();
  });

  it('accepts 200 entries', async () => {
    const res = await upload([
      { name: 'mapping', content: JSON.stringify({ ...entries(199), Name: 'fullName' }) },
      file,
    ]);
    expect(res.statusCode).toBe(201);
    cleanUp();
  });

  it('refuses a field after the file, removing the file already stored', async () => {
    const res = await upload([file, { name: 'mapping', content: '{"Name":"fullName"}' }]);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { message: string } }>().error.message).toBe(
      'form field "mapping" came after the file; form fields must come before the file part',
    );
    expectNothingStored();
  });

  it('refuses a mapping for a vCard', async () => {
    const vcf = 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nEND:VCARD\r\n';
    const res = await upload([
      { name: 'mapping', content: '{"FN":"company"}' },
      { name: 'file', filename: 'c.vcf', content: vcf },
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(
      /a vCard's properties have fixed meanings/,
    );
    expectNothingStored();
  });

  it('refuses a mapping longer than the field limit', async () => {
    const res = await upload([{ name: 'mapping', content: `{"a":"${'x'.repeat(300 * 1024)}"}` }, file]);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { message: string } }>().error.message).toBe(
      'form field "mapping" is longer than 262144 bytes',
    );
    expectNothingStored();
  });
});
