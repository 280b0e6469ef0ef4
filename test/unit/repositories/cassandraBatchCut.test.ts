import { describe, expect, it } from 'vitest';
import { partitionBatches, type Statement } from '../../../src/repositories/records/cassandraWrites.js';

const bucketOf = (rowNumber: number) => Math.floor(rowNumber / 1_000);
const rows = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ rowNumber: from + i, text: 'x'.repeat(100) }));
const toStatement = (row: { rowNumber: number; text: string }, bucket: number): Statement => ({
  query: 'INSERT',
  params: [bucket, row.rowNumber, row.text],
});
const rowNumbers = (batches: Statement[][]) => batches.map((b) => b.map((s) => s.params[1] as number));

/** The cut of rows into single-partition UNLOGGED batches (issue #23: sized by rows, not ~4 KiB). */
describe('partitionBatches', () => {
  it('cuts by row count, in row order, whatever order the rows came in', () => {
    const batches = partitionBatches(rows(1, 250).reverse(), bucketOf, toStatement, {
      maxRows: 100,
      maxBytes: 1 << 20,
    });
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(rowNumbers(batches).flat()).toEqual(rows(1, 250).map((r) => r.rowNumber));
  });

  it('never puts two partitions (buckets) in one batch', () => {
    const batches = partitionBatches(rows(950, 1_060), bucketOf, toStatement, {
      maxRows: 100,
      maxBytes: 1 << 20,
    });
    expect(rowNumbers(batches).map((b) => [b[0], b.at(-1)])).toEqual([
      [950, 999],
      [1_000, 1_060],
    ]);
    for (const batch of batches) {
      expect(new Set(batch.map((s) => s.params[0])).size).toBe(1);
    }
  });

  it('cuts earlier when the rows are large (the byte bound)', () => {
    // Each statement is estimated at ~150 B: 1 KiB holds 6 of them.
    const batches = partitionBatches(rows(1, 30), bucketOf, toStatement, { maxRows: 100, maxBytes: 1_024 });
    expect(batches.every((b) => b.length <= 6)).toBe(true);
    expect(batches.length).toBe(5);
  });
});
