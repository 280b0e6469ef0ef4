import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { csvLine } from '../../../src/parsing/csvOutput.js';
import type { ContactRecord } from '../../../src/parsing/types.js';
import { openEventStream, type SseClient } from '../../support/sseClient.js';
import {
  api,
  newUser,
  startStack,
  uploadForm,
  waitForStatus,
  type TestStack,
} from '../../support/testStack.js';

/** Rows 2, 3 and 5 are invalid: a bad e-mail and no name, a phone too short, only a city. */
const CSV = [
  'Name,Email,Phone,City',
  'Ada Lovelace,ada@example.com,,London',
  ',ann(at)example.com,,Paris',
  ',,12,Rome',
  'Bo Li,bo@example.com,,Lima',
  ',,,Oslo',
].join('\n');

/** errors.csv with cells set by row number and heading, as a spreadsheet would save it. */
function corrected(errorsCsv: string, changes: Record<number, Record<string, string>>): string {
  const [header, ...lines]: string[][] = parse(errorsCsv, { bom: true, relax_column_count: true });
  const headings = [...header!];
  for (const name of Object.values(changes).flatMap((c) => Object.keys(c))) {
    if (!headings.includes(name)) {
      headings.push(name);
    }
  }
  const rows = lines.map((line) => {
    const cells = headings.map((_, i) => line[i] ?? '');
    for (const [name, value] of Object.entries(changes[Number(line[0])] ?? {})) {
      cells[headings.indexOf(name)] = value;
    }
    return cells;
  });
  return [headings, ...rows].map((cells) => csvLine(cells)).join('');
}

interface BatchView {
  status: string;
  version: number;
  rowsRead: number;
  recordsLoaded: number;
  invalidRows: number;
}

/**
 * Issue #21 on the real stack, both records stores: a loaded batch's invalid rows are fixed
 * through JSON and through its own errors.csv corrected; the counts, the records, errors.csv,
 * invalid-rows and the live events agree after every step; a dry run stores nothing.
 */
describe.each([
  { storage: 'local' as const, records: 'postgres' as const },
  { storage: 's3' as const, records: 'cassandra' as const },
])('fixing invalid rows on $storage storage + $records records', ({ storage, records: store }) => {
  let stack: TestStack;
  let user: { token: string };
  let id: string;
  let events: SseClient;
  beforeAll(async () => {
    stack = await startStack({ storage, records: store, worker: true });
    user = await newUser('fixes');
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(CSV, 'contacts.csv'),
    });
    expect(up.status, up.text).toBe(201);
    id = up.body.id as string;
    await waitForStatus(stack, user.token, id);
    events = await openEventStream(`${stack.baseUrl}/api/batches/events`, user.token);
  });
  afterAll(async () => {
    events?.close();
    await stack?.close();
  });

  const get = async (path: string) => {
    const res = await api(stack, `/api/batches/${id}${path}`, { token: user.token });
    expect(res.status, res.text).toBe(200);
    return res;
  };
  const batch = async () => (await get('')).body as BatchView;
  const recordRows = async () =>
    ((await get('/records?limit=100')).body.records as ContactRecord[]).map((r) => [
      r.rowNumber,
      r.email,
      r.phone,
      r.fullName,
    ]);
  const errorRows = async () =>
    (await get('/errors.csv')).text
      .split('\r\n')
      .slice(1)
      .filter((l) => l !== '')
      .map((l) => Number(l.split(',')[0]));
  const invalidRowNumbers = async () =>
    ((await get('/invalid-rows')).body.rows as Array<{ row: number }>).map((r) => r.row);
  const postJson = (rows: unknown, query = '') =>
    api(stack, `/api/batches/${id}/fixes${query}`, {
      method: 'POST',
      token: user.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rows }),
    });
  /** The live event that announced `version` (the answer's), with the counts it carried. */
  const eventOf = async (version: number) => {
    const frame = await events.waitFor(
      (f) => f.data !== undefined && JSON.parse(f.data).version === version,
      10_000,
    );
    return JSON.parse(frame.data!) as BatchView;
  };

  it('loads with three invalid rows, listed with their cells, reasons and the record as read', async () => {
    expect(await batch()).toMatchObject({ status: 'loaded', rowsRead: 5, recordsLoaded: 2, invalidRows: 3 });
    const rows = (await get('/invalid-rows')).body.rows as Array<Record<string, any>>;
    expect(rows.map((r) => r['row'])).toEqual([2, 3, 5]);
    // The cells in file order (Email before City), in both stores.
    expect(Object.keys(rows[0]!['original'] as object)).toEqual(['Email', 'City']);
    expect(rows[0]).toMatchObject({
      original: { Email: 'ann(at)example.com', City: 'Paris' },
      reasons: ['no name, email or phone', 'email address is not valid: ann(at)example.com'],
      record: { city: 'Paris', email: null },
    });
    expect(await errorRows()).toEqual([2, 3, 5]);
  });

  it('a dry run answers per row and stores nothing', async () => {
    const before = await batch();
    const res = await postJson([{ row: 2, record: { email: 'ann@example.com' } }], '?dryRun=true');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, fixed: 0, rows: [{ row: 2, status: 'valid' }] });
    expect(await batch()).toEqual(before);
    expect(await recordRows()).toHaveLength(2);
    expect(await errorRows()).toEqual([2, 3, 5]);
  });

  it('JSON fixes: the valid one becomes row 2, the invalid one is refused with reasons; all views agree', async () => {
    const res = await postJson([
      { row: 2, record: { email: 'ann@example.com', fullName: 'Ann Example' } },
      { row: 3, record: { phone: '123' } },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ fixed: 1, rejected: 1 });
    expect(res.body.rows[1]).toMatchObject({ row: 3, status: 'invalid' });
    expect(res.body.rows[1].reasons).toContain('phone number "123" is too short for region US');
    expect(res.body.batch).toMatchObject({ invalidRows: 2, recordsLoaded: 3 });
    expect(await batch()).toMatchObject({
      invalidRows: 2,
      recordsLoaded: 3,
      version: res.body.batch.version,
    });
    expect(await eventOf(res.body.batch.version)).toMatchObject({ invalidRows: 2, recordsLoaded: 3 });
    expect(await recordRows()).toEqual([
      [1, 'ada@example.com', null, 'Ada Lovelace'],
      [2, 'ann@example.com', null, 'Ann Example'],
      [4, 'bo@example.com', null, 'Bo Li'],
    ]);
    expect(await errorRows()).toEqual([3, 5]);
    expect(await invalidRowNumbers()).toEqual([3, 5]);
  });

  it('a corrected errors.csv fixes the rest; all views agree', async () => {
    // As a person would in a spreadsheet: row 3's phone corrected, row 5 given a name, in
    // columns of those names (added at the end when the file has none).
    const csv = corrected((await get('/errors.csv')).text, {
      3: { Phone: '+44 20 7946 0000' },
      5: { Name: 'Olaf Berg' },
    });
    const form = new FormData();
    form.append('file', new Blob([csv]), 'bad.csv');
    const res = await api(stack, `/api/batches/${id}/fixes`, {
      method: 'POST',
      token: user.token,
      body: form,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ fixed: 2, rejected: 0, batch: { invalidRows: 0, recordsLoaded: 5 } });
    expect(await eventOf(res.body.batch.version)).toMatchObject({ invalidRows: 0, recordsLoaded: 5 });
    expect(await recordRows()).toEqual([
      [1, 'ada@example.com', null, 'Ada Lovelace'],
      [2, 'ann@example.com', null, 'Ann Example'],
      [3, null, '+442079460000', null],
      [4, 'bo@example.com', null, 'Bo Li'],
      [5, null, null, 'Olaf Berg'],
    ]);
    expect(await errorRows()).toEqual([]);
    expect(await invalidRowNumbers()).toEqual([]);
  });

  it('fixing a row again replaces the first fix and moves no count', async () => {
    const res = await postJson([{ row: 2, record: { email: 'ann@example.org' } }]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.batch).toMatchObject({ invalidRows: 0, recordsLoaded: 5 });
    // A fix starts from the row as the file had it, so the name given by the first fix is gone.
    expect((await recordRows())[1]).toEqual([2, 'ann@example.org', null, null]);
  });
});
