import { describe, expect, it } from 'vitest';
import { FileContentError } from '../../../src/errors.js';
import { WRITE_SLICE_CHARS, sliceEnd } from '../../../src/parsing/csv/records.js';
import { RowBudget, totalRowLimit } from '../../../src/parsing/rowBudget.js';
import { parse, parseError } from './helpers.js';

describe('RowBudget: every row a parser reads counts, blank ones included', () => {
  it('allows twice the contact limit and refuses the next row', () => {
    const budget = new RowBudget(3);
    expect(budget.limit).toBe(totalRowLimit(3));
    for (let i = 0; i < 6; i++) {
      budget.take();
    }
    expect(budget.count).toBe(6);
    expect(() => budget.take()).toThrow(FileContentError);
    expect(() => new RowBudget(3).take()).not.toThrow();
  });
});

describe('CSV: blank lines count against the row budget', () => {
  it('refuses a header followed by more blank lines than the budget', async () => {
    // maxRows 5 -> 10 rows in all: the header and 9 blank lines pass, a 10th blank line does not.
    const fits = await parse(`Name,Email\n${'\n'.repeat(8)}Ada,ada@example.com\n`, 'csv', { maxRows: 5 });
    expect(fits.error).toBeNull();
    expect(fits.records.map((r) => r.rowNumber)).toEqual([9]);
    expect(
      await parseError(`Name,Email\n${'\n'.repeat(10)}Ada,ada@example.com\n`, 'csv', { maxRows: 5 }),
    ).toBe(
      'file has more than 10 rows counting blank ones, the limit per file; remove the empty rows or ' +
        'split it into smaller files',
    );
  });

  it('counts blank lines before the header too', async () => {
    expect(
      await parseError(`${'\n'.repeat(11)}Name,Email\nAda,ada@example.com\n`, 'csv', { maxRows: 5 }),
    ).toMatch(/^file has more than 10 rows counting blank ones/);
  });

  it('keeps row numbers right across write slices (blank lines keep their position)', async () => {
    const blank = '\n'.repeat(3 * WRITE_SLICE_CHARS + 7);
    const r = await parse(`Name,Email\nAda,ada@example.com\n${blank}Bob,bob@example.com\n`, 'csv', {
      chunkSize: 100_000,
    });
    expect(r.error).toBeNull();
    expect(r.records.map((x) => [x.rowNumber, x.fullName])).toEqual([
      [1, 'Ada'],
      [3 * WRITE_SLICE_CHARS + 9, 'Bob'],
    ]);
  });

  it('never cuts a surrogate pair between two slices', async () => {
    // Short rows up to the slice's end, so the emoji's first half is the slice's last character.
    const text = `Name\n${'x\n'.repeat((WRITE_SLICE_CHARS - 6) / 2)}\u{1F600}\n`;
    expect(text.charCodeAt(WRITE_SLICE_CHARS - 1)).toBe(0xd83d);
    expect(sliceEnd(text, 0, WRITE_SLICE_CHARS)).toBe(WRITE_SLICE_CHARS + 1);
    const r = await parse(text, 'csv', { chunkSize: 100_000 });
    expect(r.records.at(-1)!.fullName).toBe('\u{1F600}');
  });
});

describe('CSV: rows read before a limit is hit come out before its error (issue #23 batches)', () => {
  it('hands out the contacts within the limit, then fails', async () => {
    const { openContactParser } = await import('../../../src/parsing/openContactParser.js');
    const { Readable } = await import('node:stream');
    const rows = Array.from({ length: 8 }, (_, i) => `P${i + 1},p${i + 1}@example.com`).join('\n');
    const input = Readable.from([Buffer.from(`Name,Email\n${rows}\n`)]);
    const parser = openContactParser(input, {
      format: 'csv',
      maxRows: 5,
      maxUncompressedBytes: 1_000_000,
      defaultRegion: 'US',
      totalBytes: 0,
    });
    const seen: number[] = [];
    let error: unknown = null;
    try {
      for await (const row of parser.rows) {
        seen.push(row.record.rowNumber);
      }
    } catch (e) {
      error = e;
    }
    // All eight rows arrive in one chunk, one batch: the five within the limit still come out.
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(error).toBeInstanceOf(FileContentError);
    expect((error as Error).message).toBe(
      'file has more than 5 contact rows, the limit per file; split it into smaller files',
    );
  });
});
