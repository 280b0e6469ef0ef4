import fs from 'node:fs';
import os from 'node:os';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { FileContentError } from '../../../src/errors.js';
import type { ContactParser, ParsedRow } from '../../../src/parsing/types.js';
import { ParseClock, parseTimeoutError } from '../../../src/worker/parseClock.js';
import {
  DEFAULT_SYNCHRONOUS_READ,
  createParsePool,
  synchronousReadBudgetMs,
  synchronousReadTimeoutError,
} from '../../../src/worker/parsePool.js';
import { PARSE_THREAD_NICE } from '../../../src/worker/threadPriority.js';
import { blankLinesCsv } from '../../support/dosFiles.js';

/**
 * A file that keeps a parse thread busy for minutes without a row: 10 MB of blank lines under
 * a 3-column header, with a row limit high enough that the row budget never stops it.
 */
const SLOW = blankLinesCsv(10 * 1024 * 1024);
const slowOptions = {
  format: 'csv' as const,
  maxRows: 10_000_000,
  maxUncompressedBytes: 1 << 20,
  defaultRegion: 'US',
  totalBytes: SLOW.length,
};

function chunks(buf: Buffer, size = 64 * 1024): Readable {
  return Readable.from(
    Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size)),
  );
}

async function drain(parser: ContactParser): Promise<ParsedRow[]> {
  const rows: ParsedRow[] = [];
  for await (const row of parser.rows) {
    rows.push(row);
  }
  return rows;
}

describe('ParseClock: counts only the time the thread works on the file', () => {
  it('runs while set running, pauses otherwise, and ignores repeated states', () => {
    let now = 0;
    const clock = new ParseClock(() => now);
    now = 5;
    expect(clock.elapsedMs()).toBe(0);
    clock.set(true);
    now = 15;
    clock.set(true);
    expect(clock.elapsedMs()).toBe(10);
    clock.set(false);
    now = 1_000;
    clock.set(false);
    expect(clock.elapsedMs()).toBe(10);
    clock.set(true);
    now = 1_004;
    expect(clock.elapsedMs()).toBe(14);
  });

  it('names the limit in seconds in the user message', () => {
    expect(parseTimeoutError(1_500).message).toBe(
      'reading the file took more than 1.5 s, the limit; it is not a usual contact file (save it as ' +
        'CSV, or split it into smaller files, and upload it again)',
    );
  });
});

describe('parse pool: a deadline on parse time, and a parse stopped from outside', () => {
  // One thread: a task that kept it would hold up the next one.
  const pool = createParsePool(1, { parseTimeoutMs: 1_500 });
  afterAll(() => pool.close());

  it('fails a file that parses past the deadline with a content error, and frees the thread', async () => {
    const error = await drain(pool.open(chunks(SLOW), slowOptions)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FileContentError);
    expect((error as Error).message).toBe(parseTimeoutError(1_500).message);
    const rows = await drain(
      pool.open(chunks(Buffer.from('Name\nAda\n')), { ...slowOptions, totalBytes: 9 }),
    );
    expect(rows.map((r) => r.record.fullName)).toEqual(['Ada']);
  }, 60_000);

  it('stops when its signal is aborted (a preview whose client went away), and frees the thread', async () => {
    const relaxed = createParsePool(1, { parseTimeoutMs: 600_000 });
    try {
      const gone = new AbortController();
      const parser = relaxed.open(chunks(SLOW), slowOptions, gone.signal);
      const pending = drain(parser).then(
        () => null,
        (e: unknown) => e,
      );
      setTimeout(() => gone.abort(new Error('client went away')), 300);
      expect(((await pending) as Error).message).toBe('client went away');
      const rows = await drain(
        relaxed.open(chunks(Buffer.from('Name\nAda\n')), { ...slowOptions, totalBytes: 9 }),
      );
      expect(rows.map((r) => r.record.fullName)).toEqual(['Ada']);
    } finally {
      await relaxed.close();
    }
  }, 60_000);
});

/**
 * A real workbook (xlwt's, 5.6 KB) with one byte changed: SheetJS's formula reader then loops
 * forever inside its synchronous read, reading and allocating nothing (found by
 * scripts/fuzzParsers.ts, `--kind bytes --first 52 --from 121`).
 */
function loopingXls(): Buffer {
  const xls = xlwtXls();
  xls[706] = 33;
  return xls;
}

/** The workbook loopingXls damages, as written by xlwt. */
function xlwtXls(): Buffer {
  return fs.readFileSync(new URL('../../fixtures/contacts/thirdparty/xlwt-biff8.xls', import.meta.url));
}

describe('parse pool: a synchronous workbook read has a deadline scaled to its size', () => {
  const xlsOptions = { ...slowOptions, format: 'xls' as const, maxRows: 1_000 };

  it('adds 2 s per MiB of workbook data to a 5 s base', () => {
    expect(synchronousReadBudgetMs(5_632, DEFAULT_SYNCHRONOUS_READ)).toBe(5_011);
    expect(synchronousReadBudgetMs(10 * 1024 * 1024, DEFAULT_SYNCHRONOUS_READ)).toBe(25_000);
  });

  it('ends a damaged XLS whose read never returns at that deadline, long before the parse timeout, and frees the thread', async () => {
    // The parse timeout is far off: only the read's own deadline can end this file in time.
    const pool = createParsePool(1, {
      parseTimeoutMs: 30_000,
      synchronousRead: { baseMs: 1_000, msPerMib: 0 },
    });
    try {
      const damaged = loopingXls();
      const error = await drain(
        pool.open(chunks(damaged), { ...xlsOptions, totalBytes: damaged.length }),
      ).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FileContentError);
      expect((error as Error).message).toBe(synchronousReadTimeoutError(1_000).message);
      expect((error as Error).message).toBe(
        'the workbook could not be read within 1 s, the limit for a file of its size; it is probably ' +
          'damaged (open it in Excel and save it again, or save it as CSV)',
      );
      // The same workbook undamaged reads within the same deadline, on the thread started after.
      const good = xlwtXls();
      const rows = await drain(pool.open(chunks(good), { ...xlsOptions, totalBytes: good.length }));
      expect(rows.length).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

/** Nice value of every thread of this process (Linux: /proc/self/task/<tid>/stat, field 19). */
function threadNices(): number[] {
  return fs.readdirSync('/proc/self/task').map((tid) => {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('parse threads run below the event loops of their process', () => {
  it(`lowers each parse thread to nice ${PARSE_THREAD_NICE}, not the thread that made the pool`, async () => {
    const before = threadNices().filter((n) => n >= PARSE_THREAD_NICE).length;
    const niced = createParsePool(2);
    try {
      // Two files at once, so both threads have loaded parseThread.ts.
      const tiny = () =>
        drain(niced.open(chunks(Buffer.from('Name\nAda\n')), { ...slowOptions, totalBytes: 9 }));
      await Promise.all([tiny(), tiny()]);
      // Both parse threads, and any thread they started after (tsx's own, in tests), inherit it.
      expect(threadNices().filter((n) => n >= PARSE_THREAD_NICE).length - before).toBeGreaterThanOrEqual(2);
      expect(os.getPriority(process.pid)).toBe(0);
    } finally {
      await niced.close();
    }
  }, 60_000);
});
