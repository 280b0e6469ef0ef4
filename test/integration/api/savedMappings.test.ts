import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactRecord } from '../../../src/parsing/types.js';
import { xlsxOf } from '../../support/contactSheets.js';
import { api, newUser, startStack, waitForStatus, type TestStack } from '../../support/testStack.js';

/** Headers the synonyms do not read as contact fields: without a mapping the file has no contacts. */
const FIRST = ['Kunde,Kontakt,Ruf,Notiz', 'Ada Lovelace,ada@example.com,+44 20 7946 0000,first'].join('\n');
/** The same headers in another column order, case and spacing. */
const SECOND = ['NOTIZ, ruf ,Kontakt,KUNDE', 'second,+44 20 7946 0001,bo@example.com,Bo Li'].join('\n');
const MAPPING = { Kunde: 'fullName', Kontakt: 'email', Ruf: 'phone', Notiz: null };

function form(content: Buffer | string, filename: string, fields: Record<string, string> = {}): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    body.append(name, value);
  }
  body.append('file', new Blob([new Uint8Array(Buffer.from(content))]), filename);
  return body;
}

type User = Awaited<ReturnType<typeof newUser>>;

/**
 * Issue #21 on the real stack (S3 storage: the upload reads the header row back from SeaweedFS;
 * PostgreSQL saved_mappings; the worker reads the mapping from the batch row): a mapping sent
 * with one upload reads the user's next file with the same headers in another order.
 */
describe('remembered mappings (s3 storage + postgres records, real worker)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ storage: 's3', records: 'postgres', worker: true });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function upload(user: User, content: Buffer | string, filename: string, fields = {}) {
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: form(content, filename, fields),
    });
    expect(up.status, up.text).toBe(201);
    const id = up.body.id as string;
    const status = await waitForStatus(stack, user.token, id, undefined, 60_000);
    return { id, mappingSource: up.body.mappingSource as unknown, status };
  }
  async function records(user: User, id: string): Promise<ContactRecord[]> {
    const res = await api(stack, `/api/batches/${id}/records?limit=100`, { token: user.token });
    expect(res.status, res.text).toBe(200);
    return res.body.records as ContactRecord[];
  }
  async function saved(user: User): Promise<Array<{ id: string; headers: string[] }>> {
    const res = await api(stack, '/api/mappings', { token: user.token });
    expect(res.status, res.text).toBe(200);
    return res.body.mappings;
  }
  const preview = (user: User, content: Buffer | string, filename: string) =>
    api(stack, '/api/batches/preview', { method: 'POST', token: user.token, body: form(content, filename) });

  it('a saved mapping reads the next upload in another column order; preview says so; deleting it ends that', async () => {
    const user = await newUser('remember');
    const first = await upload(user, FIRST, 'kunden.csv', { mapping: JSON.stringify(MAPPING) });
    expect(first.mappingSource).toBe('request');
    expect(first.status).toMatchObject({ status: 'loaded', recordsLoaded: 1 });
    const list = await saved(user);
    expect(list).toEqual([
      {
        id: expect.any(String) as unknown,
        headers: ['Kunde', 'Kontakt', 'Ruf', 'Notiz'],
        mapping: MAPPING,
        createdAt: expect.any(String) as unknown,
        lastUsedAt: expect.any(String) as unknown,
      },
    ]);

    const seen = await preview(user, SECOND, 'kunden2.csv');
    expect(seen.status, seen.text).toBe(200);
    expect(seen.body).toMatchObject({ mappingSource: 'saved', savedMappingId: list[0]!.id });

    const second = await upload(user, SECOND, 'kunden2.csv');
    expect(second.mappingSource).toBe('saved');
    expect(second.status).toMatchObject({ status: 'loaded', recordsLoaded: 1, invalidRows: 0 });
    expect(await records(user, second.id)).toEqual([
      expect.objectContaining({
        fullName: 'Bo Li',
        email: 'bo@example.com',
        phone: '+442079460001',
        original: expect.objectContaining({ NOTIZ: 'second' }) as unknown,
      }),
    ]);
    const batch = await api(stack, `/api/batches/${second.id}`, { token: user.token });
    expect(batch.body).toMatchObject({
      mappingSource: 'saved',
      mapping: { NOTIZ: null, ruf: 'phone', Kontakt: 'email', KUNDE: 'fullName' },
    });

    // A workbook with the same headers is read with it too (its header row is found by it).
    const book = xlsxOf([
      ['Ruf', 'Kunde', 'Notiz', 'Kontakt'],
      ['+1 202 555 0100', 'Cy Young', 'x', 'cy@example.com'],
    ]);
    const third = await upload(user, book, 'kunden.xlsx');
    expect(third.mappingSource).toBe('saved');
    expect(await records(user, third.id)).toEqual([
      expect.objectContaining({ fullName: 'Cy Young', email: 'cy@example.com' }),
    ]);

    const del = await api(stack, `/api/mappings/${list[0]!.id}`, { method: 'DELETE', token: user.token });
    expect(del.status, del.text).toBe(204);
    expect(await saved(user)).toEqual([]);
    const again = await api(stack, `/api/mappings/${list[0]!.id}`, { method: 'DELETE', token: user.token });
    expect(again.status).toBe(404);
    const after = await upload(user, SECOND, 'kunden3.csv');
    expect(after.mappingSource).toBe('synonyms');
    // The synonyms find no name, e-mail or phone column in these headers.
    expect(after.status).toMatchObject({ status: 'error' });
  });

  it("another user's mapping never applies, and cannot be seen or deleted", async () => {
    const owner = await newUser('remember-owner');
    const other = await newUser('remember-other');
    await upload(owner, FIRST, 'kunden.csv', { mapping: JSON.stringify(MAPPING) });
    const [mine] = await saved(owner);
    expect(await saved(other)).toEqual([]);
    const del = await api(stack, `/api/mappings/${mine!.id}`, { method: 'DELETE', token: other.token });
    expect(del.status).toBe(404);
    expect(await saved(owner)).toHaveLength(1);

    const seen = await preview(other, SECOND, 'kunden2.csv');
    expect(seen.status).toBe(400); // the synonyms read no contact column
    const theirs = await upload(other, SECOND, 'kunden2.csv');
    expect(theirs.mappingSource).toBe('synonyms');
    expect(theirs.status).toMatchObject({ status: 'error' });
  });

  it('rememberMapping=false keeps nothing', async () => {
    const user = await newUser('remember-not');
    const first = await upload(user, FIRST, 'kunden.csv', {
      mapping: JSON.stringify(MAPPING),
      rememberMapping: 'false',
    });
    expect(first.mappingSource).toBe('request');
    expect(await saved(user)).toEqual([]);
    expect((await upload(user, SECOND, 'kunden2.csv')).mappingSource).toBe('synonyms');
  });
});
