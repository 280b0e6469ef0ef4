import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactRecord } from '../../../src/parsing/types.js';
import { api, newUser, startStack, waitForStatus, type TestStack } from '../../support/testStack.js';
import { fixture } from '../../unit/parsing/helpers.js';

/** The multipart form of an upload: option fields first, then the file. */
function form(content: Buffer, filename: string, fields: Record<string, string> = {}): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    body.append(name, value);
  }
  body.append('file', new Blob([new Uint8Array(content)]), filename);
  return body;
}

/**
 * Issue 22 on the real stack (API + worker + PostgreSQL + local storage): files written by
 * third-party writers (test/fixtures/contacts/make_thirdparty_fixtures.py) are loaded with their
 * letters and phones right, and the batch records the encoding used.
 */
describe('third-party files through upload and the worker', () => {
  let stack: TestStack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack({ storage: 'local', records: 'postgres', worker: true });
    token = (await newUser('thirdparty')).token;
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function load(name: string, fields: Record<string, string> = {}) {
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token,
      body: form(fixture(`thirdparty/${name}`), name, fields),
    });
    expect(up.status, up.text).toBe(201);
    const id = up.body.id as string;
    expect(await waitForStatus(stack, token, id, undefined, 120_000)).toMatchObject({ status: 'loaded' });
    const details = await api(stack, `/api/batches/${id}`, { token });
    const res = await api(stack, `/api/batches/${id}/records?limit=100`, { token });
    return { details: details.body, records: res.body.records as ContactRecord[] };
  }

  it('loads a Mac Roman CSV and records the encoding detected', async () => {
    const { details, records } = await load('mac-roman.csv');
    expect(details).toMatchObject({ encoding: 'macintosh', encodingOverride: null });
    expect(records.map((r) => [r.fullName, r.city])).toEqual([
      ['Renée Müller', 'Zürich'],
      ['François Garçon', 'Besançon'],
      ['Jürgen Größ', 'Köln'],
      ['Zoë Ångström', 'Göteborg'],
    ]);
  });

  it('loads it in the encoding the uploader chose instead, and records that', async () => {
    const { details, records } = await load('mac-roman.csv', { encoding: 'windows-1252' });
    expect(details).toMatchObject({ encoding: 'windows-1252', encodingOverride: 'windows-1252' });
    expect(records[0]!.fullName).toBe('RenŽe MŸller');
  });

  it('loads BOM-less UTF-16 (not refused as binary)', async () => {
    const { details, records } = await load('utf-16le-no-bom.txt');
    expect(details).toMatchObject({ encoding: 'utf-16le' });
    expect(records.map((r) => r.fullName)).toEqual(['Søren Kierkegaard', 'Ελένη Παπαδοπούλου', '佐藤 美咲']);
  });

  it('loads phone numbers stored as numbers in an openpyxl workbook without doubling the country code', async () => {
    const { details, records } = await load('openpyxl-numbers.xlsx');
    expect(details).toMatchObject({ encoding: null });
    expect(records.map((r) => r.phone)).toEqual([
      '+4917612345678',
      '+4915123456789',
      '+447911123456',
      '+33612345678',
      '+819012345678',
      '+4930123456',
    ]);
  });
});
