import { parse as csvParse } from 'csv-parse';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecordQueue } from '../../../src/parsing/csv/records.js';

function queue(): RecordQueue {
  return new RecordQueue(csvParse({ relax_column_count: true, skip_empty_lines: false, info: true }));
}

describe('RecordQueue: csv-parse records handed out in order, O(1) each', () => {
  afterEach(() => vi.restoreAllMocks());

  it('hands out the records of each write in file order, then those of the end', async () => {
    const q = queue();
    const out: string[][] = [];
    out.push(...q.write('a,b\n1,2\n\n3'));
    out.push(...q.write(',4\n'));
    for await (const r of q.end()) {
      out.push(r);
    }
    expect(out).toEqual([['a', 'b'], ['1', '2'], [''], ['3', '4']]);
  });

  it('never shifts its array: 50,000 blank records in one write come out without Array#shift', async () => {
    // shift() moves every remaining element: draining n queued records that way is O(n^2), and
    // 200 KB of newlines held the API's event loop for 16.7 s (issue 19).
    const shift = vi.spyOn(Array.prototype, 'shift');
    const q = queue();
    let n = 0;
    for (const record of q.write(`a,b\n${'\n'.repeat(50_000)}`)) {
      n += record.length;
    }
    for await (const record of q.end()) {
      n += record.length;
    }
    expect(n).toBe(2 + 50_000);
    expect(shift).not.toHaveBeenCalled();
  });
});
