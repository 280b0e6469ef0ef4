import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyUnavailableError, FileContentError } from '../../../src/errors.js';
import { openContactParser } from '../../../src/parsing/openContactParser.js';
import type { ContactParser, FileFormat, ParsedRow } from '../../../src/parsing/types.js';
import { createParsePool } from '../../../src/worker/parsePool.js';
import { buildXlsx, deflateRepeated, SHEET_HEAD, SHEET_TAIL } from '../../support/xlsxBuilders.js';
import { fixture } from '../parsing/helpers.js';

// Real threads (piscina) loading src/worker/parseThread.ts through tsx, as in dev and tests.
const pool = createParsePool(2);
afterAll(() => pool.close());

function chunked(buf: Buffer, size = 4096): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) {
    parts.push(buf.subarray(i, i + size));
  }
  return Readable.from(parts);
}

function options(format: FileFormat, totalBytes: number) {
  return {
    format,
    maxRows: 100_000,
    maxUncompressedBytes: 50 * 1024 * 1024,
    defaultRegion: 'US',
    totalBytes,
  };
}

async function collect(
  parser: ContactParser,
): Promise<{ rows: ParsedRow[]; error: unknown; progress: number[] }> {
  const rows: ParsedRow[] = [];
  const progress: number[] = [];
  let error: unknown = null;
  try {
    for await (const row of parser.rows) {
      rows.push(row);
      progress.push(parser.progress());
    }
  } catch (e) {
    error = e;
  }
  progress.push(parser.progress());
  return { rows, error, progress };
}

/** A CSV of `n` contacts, large enough to need many chunks and several row batches. */
function bigCsv(n: number): Buffer {
  const lines = ['Name,Email,Phone'];
  for (let i = 0; i < n; i++) {
    lines.push(`Person ${i},p${i}@example.com,+1 212 555 ${String(1000 + (i % 9000))}`);
  }
  return Buffer.from(lines.join('\n') + '\n');
}

describe('parse pool', () => {
  // Each thread compiles the parser through tsx on its first task: seconds on a loaded box.
  beforeAll(async () => {
    const buf = fixture('google-contacts.csv');
    await Promise.all([1, 2].map(() => collect(pool.open(chunked(buf), options('csv', buf.length)))));
  }, 120_000);

  const files: Array<[string, FileFormat]> = [
    ['google-contacts.csv', 'csv'],
    ['apple-contacts-3.0.vcf', 'vcf'],
    ['libreoffice-contacts.xlsx', 'xlsx'],
    ['libreoffice-contacts.xls', 'xls'],
    ['mixed-good-bad.csv', 'csv'],
  ];
  for (const [name, format] of files) {
    it(`gives the rows of ${name} exactly as parsing in this thread does`, async () => {
      const buf = fixture(name);
      const here = await collect(openContactParser(chunked(buf), options(format, buf.length)));
      const pooled = await collect(pool.open(chunked(buf), options(format, buf.length)));
      expect(here.error).toBeNull();
      expect(pooled.error).toBeNull();
      expect(pooled.rows.length).toBeGreaterThan(0);
      expect(pooled.rows).toEqual(here.rows);
      expect(pooled.progress.at(-1)).toBe(1);
    });
  }

  it('streams a large file in batches with progress that never decreases', async () => {
    const buf = bigCsv(20_000);
    const r = await collect(pool.open(chunked(buf, 65536), options('csv', buf.length)));
    expect(r.error).toBeNull();
    expect(r.rows).toHaveLength(20_000);
    expect(r.progress.some((p) => p > 0 && p < 1)).toBe(true);
    for (let i = 1; i < r.progress.length; i++) {
      expect(r.progress[i]).toBeGreaterThanOrEqual(r.progress[i - 1]!);
    }
  });

  it('hands a content error back as a FileContentError with the same message', async () => {
    for (const [data, format] of [
      [fixture('header-only.csv'), 'csv'],
      [fixture('garbage.csv'), 'csv'],
      [Buffer.from('Name,Email\nA,a@b.de\n'), 'xlsx'],
    ] as const) {
      const here = await collect(openContactParser(chunked(data), options(format, data.length)));
      const pooled = await collect(pool.open(chunked(data), options(format, data.length)));
      expect(here.error).toBeInstanceOf(FileContentError);
      expect(pooled.error).toBeInstanceOf(FileContentError);
      expect((pooled.error as Error).message).toBe((here.error as Error).message);
    }
  });

  it('passes a storage error through unchanged (same object, so the job retries it)', async () => {
    const storageDown = new DependencyUnavailableError('storage read failed', {
      dependency: 'storage',
    });
    const buf = bigCsv(2_000);
    function* failing() {
      yield buf.subarray(0, 20_000);
      throw storageDown;
    }
    const r = await collect(pool.open(Readable.from(failing()), options('csv', buf.length)));
    expect(r.error).toBe(storageDown);
  });

  it('takes an input that fails before the thread first reads it as the parse error, never as an uncaught error', async () => {
    // The preview's upload meter fails a tiny file at its end, often before the thread has pulled
    // a byte; with no listener on the input, its 'error' ended the API process (contract run).
    const input = new PassThrough();
    const verdict = new FileContentError('content is not a vCard: a .vcf file must start with BEGIN:VCARD');
    const parser = pool.open(input, options('vcf', 3));
    input.destroy(verdict);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the 'error' event has been emitted
    const r = await collect(parser);
    expect(r.error).toBe(verdict);
    expect(r.rows).toEqual([]);
  });

  it('stops the thread when the job stops reading, and the pool goes on', async () => {
    const buf = bigCsv(50_000);
    const input = chunked(buf, 65536);
    const parser = pool.open(input, options('csv', buf.length));
    let seen = 0;
    for await (const _ of parser.rows) {
      if (++seen === 10) {
        break;
      }
    }
    expect(input.destroyed).toBe(true);
    const small = fixture('google-contacts.csv');
    expect((await collect(pool.open(chunked(small), options('csv', small.length)))).error).toBeNull();
  });

  it('fails only its own task when its thread dies, with an error the job retries', async () => {
    const buf = bigCsv(50_000);
    const parser = pool.open(chunked(buf, 1024), options('csv', buf.length));
    const other = collect(pool.open(chunked(buf, 65536), options('csv', buf.length)));
    const rows = parser.rows[Symbol.asyncIterator]();
    await rows.next();
    // Both tasks are running, one per thread: kill the first task's thread.
    const threads = pool.piscina.threads;
    expect(threads).toHaveLength(2);
    await Promise.all(threads.slice(0, 1).map((t) => t.terminate()));
    let error: unknown = null;
    try {
      for (let r = await rows.next(); r.done !== true; r = await rows.next()) {
        // drain
      }
    } catch (e) {
      error = e;
    }
    const survivor = await other;
    // Which task the killed thread ran is up to piscina: exactly one of the two must have failed.
    const failures = [error, survivor.error].filter((e) => e !== null);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(Error);
    expect(failures[0]).not.toBeInstanceOf(FileContentError);
    expect((failures[0] as Error).message).toBe('the parse thread failed');
    const small = fixture('google-contacts.csv');
    expect((await collect(pool.open(chunked(small), options('csv', small.length)))).error).toBeNull();
  }, 120_000); // the replacement thread compiles the parser again

  it("fails a file that outgrows the thread heap as the file's fault, naming the limit", async () => {
    // 60 MB of shared strings, within the inflated-bytes cap: the table is the one thing a
    // streaming read must hold, so a thread limited to 48 MiB runs out on it.
    const strings = await deflateRepeated(
      '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
      `<si><t>${'x'.repeat(1000)}</t></si>`,
      60_000,
      '</sst>',
    );
    const sheet = Buffer.from(`${SHEET_HEAD}<row r="1"><c r="A1" t="s"><v>0</v></c></row>${SHEET_TAIL}`);
    const xlsx = buildXlsx({ data: sheet }, [{ name: 'xl/sharedStrings.xml', deflated: strings }]);
    const small = createParsePool(1, { heapMb: 48 });
    try {
      const opts = { ...options('xlsx', xlsx.length), maxUncompressedBytes: 100 * 1024 * 1024 };
      const { error } = await collect(small.open(chunked(xlsx, 65536), opts));
      expect(error).toBeInstanceOf(FileContentError);
      expect((error as Error).message).toBe(
        'the file needs more than 48 MB of memory to read: split a large file into smaller ones; ' +
          'a small one is probably damaged (open it and save it again)',
      );
    } finally {
      await small.close();
    }
  }, 120_000);
});
