import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactRecord } from '../../../src/parsing/types.js';
import { contactsCsv } from '../../support/contactsCsv.js';
import { jobOf } from '../../support/queueJobs.js';
import { recordsCount } from '../../support/recordsCount.js';
import {
  api,
  newUser,
  startStack,
  uploadForm,
  waitForStatus,
  type TestStack,
} from '../../support/testStack.js';
import { fixture, parse } from '../../unit/parsing/helpers.js';

const FIXTURES: Array<[string, 'csv' | 'txt' | 'vcf' | 'xls' | 'xlsx']> = [
  ['google-contacts.csv', 'csv'],
  ['google-contacts-new.csv', 'csv'],
  ['outlook-contacts.csv', 'csv'],
  ['excel-semicolon-cp1252.csv', 'csv'],
  ['excel-unicode-text.txt', 'txt'],
  ['apple-contacts-3.0.vcf', 'vcf'],
  ['android-contacts-2.1.vcf', 'vcf'],
  ['vcard-4.0.vcf', 'vcf'],
  ['libreoffice-contacts.xlsx', 'xlsx'],
  ['libreoffice-contacts.xls', 'xls'],
  ['mixed-good-bad.csv', 'csv'],
];

async function allRecords(stack: TestStack, token: string, id: string): Promise<ContactRecord[]> {
  const out: ContactRecord[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const res = await api(stack, `/api/batches/${id}/records?limit=1000${query}`, { token });
    expect(res.status).toBe(200);
    out.push(...(res.body.records as ContactRecord[]));
    cursor = res.body.nextCursor;
    if (!cursor) {
      return out;
    }
  }
  throw new Error('too many pages');
}

async function uploadAndWait(stack: TestStack, token: string, content: Buffer | string, name: string) {
  const up = await api(stack, '/api/batches/upload', {
    method: 'POST',
    token,
    body: uploadForm(content, name),
  });
  expect(up.status, up.text).toBe(201);
  return {
    id: up.body.id as string,
    status: await waitForStatus(stack, token, up.body.id, undefined, 120_000),
  };
}

/**
 * Polls the status until the worker has written its first progress (parsing, rows read > 0).
 * Faster than `waitForStatus`, so the file is still being read when it returns.
 */
async function waitForProgress(stack: TestStack, token: string, id: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(stack, `/api/batches/${id}/status`, { token });
    expect(res.status).toBe(200);
    if (res.body.status !== 'uploaded' && (res.body.status !== 'parsing' || res.body.rowsRead > 0)) {
      return res.body as { status: string; rowsRead: number };
    }
    if (Date.now() > deadline) {
      throw new Error(`batch ${id} still ${JSON.stringify(res.body)} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Records keyed for comparison: `original` key order is not part of the contract. */
function canonical(records: ContactRecord[]) {
  return records.map((r) => ({ ...r, original: Object.fromEntries(Object.entries(r.original).sort()) }));
}

/** An XLS fixture (LibreOffice's unless named) with some bytes changed. */
function damagedXls(flips: [number, number][], name = 'libreoffice-contacts.xls'): Buffer {
  const bytes = Buffer.from(fixture(name));
  for (const [at, byte] of flips) {
    bytes[at] = byte;
  }
  return bytes;
}

const results = new Map<string, Map<string, ContactRecord[]>>();

describe.each([
  { storage: 'local' as const, records: 'postgres' as const },
  { storage: 's3' as const, records: 'cassandra' as const },
])('worker on $storage storage + $records records', ({ storage, records }) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      storage,
      records,
      worker: true,
      env: { MAX_ROWS_PER_BATCH: '5000' },
    });
    results.set(records, new Map());
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.each(FIXTURES)('loads %s with exactly the parsed records', async (name, format) => {
    const user = await newUser();
    const bytes = fixture(name);
    const expected = await parse(bytes, format, { maxRows: 5000 });
    expect(expected.error).toBeNull();
    const { id, status } = await uploadAndWait(stack, user.token, bytes, name);
    expect(status).toMatchObject({
      status: 'loaded',
      progress: 100,
      recordsLoaded: expected.records.length,
      invalidRows: expected.invalid.length,
      rowsRead: expected.records.length + expected.invalid.length,
    });
    const stored = await allRecords(stack, user.token, id);
    // A fresh user has no earlier batch: every contact is new (issue #21's seenIn).
    expect(canonical(stored)).toEqual(canonical(expected.records.map((r) => ({ ...r, seenIn: null }))));
    results.get(records)!.set(name, stored);
  });

  it('keeps diacritics and E.164 phones intact end to end', () => {
    const google = results.get(records)!.get('google-contacts.csv')!;
    expect(google[0]).toMatchObject({
      firstName: 'Anna',
      lastName: 'Schmidt',
      email: 'anna.schmidt@example.com',
    });
    expect(google[0]!.phone).toBe('+4915123456789');
    const excel = results.get(records)!.get('excel-semicolon-cp1252.csv')!;
    expect(excel.some((r) => /[äöüßé]/.test(`${r.firstName} ${r.lastName} ${r.city ?? ''}`))).toBe(true);
    const android = results.get(records)!.get('android-contacts-2.1.vcf')!;
    // "+385 91 234 5678" (CELL;PREF wins over HOME) and "+47 22 12 34 56" (the first TEL); the
    // third card's "12ab" makes it an invalid row, not a record.
    expect(android.map((r) => ({ row: r.rowNumber, phone: r.phone, issues: r.issues }))).toEqual([
      { row: 1, phone: '+385912345678', issues: [] },
      { row: 2, phone: '+4722123456', issues: [] },
    ]);
  });

  it('writes the mixed file’s invalid rows to errors.csv with row numbers and reasons', async () => {
    const user = await newUser();
    const bytes = fixture('mixed-good-bad.csv');
    const expected = await parse(bytes, 'csv');
    const { id } = await uploadAndWait(stack, user.token, bytes, 'mixed.csv');
    const csv = await api(stack, `/api/batches/${id}/errors.csv`, { token: user.token });
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines).toHaveLength(expected.invalid.length + 1);
    expected.invalid.forEach((row, i) => {
      expect(lines[i + 1]!.startsWith(`${row.rowNumber},`)).toBe(true);
      expect(lines[i + 1]).toContain(row.reason.split(',')[0]);
    });
  });

  it.each([
    ['header-only.csv', () => fixture('header-only.csv'), /no contacts found/],
    ['prose.txt', () => 'Dear team,\nplease find attached the list.\nRegards, Bob\n', /no contacts found/],
    ['unterminated.csv', () => 'Name,Email\nAda,ada@example.com\n"Bob,bob@example.com\n', /row|line|quote/i],
    // One changed byte once made SheetJS loop until V8 killed the worker (boundedReads.ts).
    ['damaged.xls', () => damagedXls([[1581, 206]]), /^file is not a valid XLS workbook$/],
    // One changed byte makes SheetJS's formula reader loop forever in its synchronous read: ended
    // by that read's own deadline (5 s for a small file), not the 120 s parse timeout.
    [
      'looping.xls',
      () => damagedXls([[706, 33]], 'thirdparty/xlwt-biff8.xls'),
      /^the workbook could not be read within 5 s, the limit for a file of its size; it is probably damaged/,
    ],
  ])('ends %s in error with a message, without retrying', async (name, content, message) => {
    const user = await newUser();
    const { id, status } = await uploadAndWait(stack, user.token, content(), name);
    expect(status.status).toBe('error');
    expect(status.errorMessage).toMatch(message);
    // A content error is final: the job fails on its first attempt, although the stack allows
    // retries (a retried job would run again, find the batch in error and complete as skipped).
    await expect
      .poll(async () => (await jobOf(stack, id))?.finishedOn, { timeout: 10_000, interval: 100 })
      .toEqual(expect.any(Number));
    const job = (await jobOf(stack, id))!;
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.opts.attempts).toBeGreaterThan(1);
    expect(job.failedReason).toBe(status.errorMessage);
  });

  it('ends a file over the row cap in error naming the limit', async () => {
    const user = await newUser();
    const { status } = await uploadAndWait(stack, user.token, contactsCsv(5001), 'big.csv');
    expect(status.status).toBe('error');
    expect(status.errorMessage).toMatch(/5[,.]?000/);
  });

  it('a job run twice yields the same records, no duplicates', async () => {
    const user = await newUser();
    const { id, status } = await uploadAndWait(stack, user.token, contactsCsv(2500), 'twice.csv');
    expect(status.recordsLoaded).toBe(2500);
    // The batch is `loaded` just before BullMQ completes its job and lets go of the job's lock;
    // removing it in between fails ("locked by another worker", seen once in CI).
    await expect
      .poll(async () => (await jobOf(stack, id))?.finishedOn, { timeout: 10_000, interval: 50 })
      .toEqual(expect.any(Number));
    // Run the same attempt again as a crashed-and-retried job would: reset the row, re-queue.
    await stack.db.query(`UPDATE batches SET status = 'parsing' WHERE id = $1`, [id]);
    await (await jobOf(stack, id))!.remove();
    const { attempt } = (await stack.batches.findById(id))!;
    expect(attempt).toBe(1);
    await stack.queue.enqueueBatch(id, attempt);
    const again = await waitForStatus(stack, user.token, id, (s) => s === 'loaded');
    expect(again.recordsLoaded).toBe(2500);
    expect(await recordsCount(stack, id)).toEqual({ records: 2500, invalidRows: 0 });
    const stored = await allRecords(stack, user.token, id);
    expect(new Set(stored.map((r) => r.rowNumber)).size).toBe(2500);
  });

  describe('a batch deleted while the worker reads it', () => {
    // Its own stack without the 5,000-row cap: the file must take long enough for the deletion
    // to land between the first progress write and the end of parsing.
    const ROWS = 60_000; // ~6.6 MB, under the 10 MB upload limit
    let big: TestStack;
    beforeAll(async () => {
      big = await startStack({ storage, records, worker: true });
    });
    afterAll(async () => {
      await big?.close();
    });

    it('stops the worker mid-file and removes the records it wrote', async () => {
      const user = await newUser();
      const up = await api(big, '/api/batches/upload', {
        method: 'POST',
        token: user.token,
        body: uploadForm(contactsCsv(ROWS), 'delete-me.csv'),
      });
      expect(up.status, up.text).toBe(201);
      const id = up.body.id as string;
      const midway = await waitForProgress(big, user.token, id);
      expect(midway.status).toBe('parsing');
      expect(midway.rowsRead).toBeGreaterThan(0);
      expect(midway.rowsRead).toBeLessThan(ROWS);
      const del = await api(big, `/api/batches/${id}`, { method: 'DELETE', token: user.token });
      expect(del.status).toBe(204);
      // The worker noticed at its next fenced write and gave up: the job ends "cancelled", not "loaded".
      await expect
        .poll(async () => (await jobOf(big, id))?.finishedOn, { timeout: 60_000, interval: 250 })
        .toEqual(expect.any(Number));
      const job = await jobOf(big, id);
      expect(job!.returnvalue).toBe('cancelled');
      expect(await recordsCount(big, id)).toEqual({ records: 0, invalidRows: 0 });
      expect(await big.batches.findById(id)).toBeNull();
    });
  });
});

describe('both records stores', () => {
  it('hold identical records for every fixture', () => {
    const pg = results.get('postgres');
    const cassandra = results.get('cassandra');
    expect(pg?.size).toBe(FIXTURES.length);
    expect(cassandra?.size).toBe(FIXTURES.length);
    for (const [name] of FIXTURES) {
      expect(canonical(cassandra!.get(name)!), name).toEqual(canonical(pg!.get(name)!));
    }
  });
});
