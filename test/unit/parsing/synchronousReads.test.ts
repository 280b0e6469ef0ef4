import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { watchSynchronousReads } from '../../../src/parsing/spreadsheet/synchronousReads.js';
import { readWorkbook } from '../../../src/parsing/spreadsheet/workbook.js';

const xls = () =>
  fs.readFileSync(new URL('../../fixtures/contacts/libreoffice-contacts.xls', import.meta.url));

/**
 * The parse pool bounds SheetJS's synchronous read by what readWorkbook announces
 * (src/worker/parsePool.ts): the start with the bytes read, and the end, also when SheetJS throws,
 * so the deadline never outlives the read.
 */
describe('readWorkbook announces its synchronous read', () => {
  afterEach(() => watchSynchronousReads(null));

  it('says when the read starts (with the workbook bytes) and when it has returned', async () => {
    const events: (number | null)[] = [];
    watchSynchronousReads((bytes) => events.push(bytes));
    const file = xls();
    const wb = await readWorkbook(file, 'xls', 100);
    expect(wb.SheetNames.length).toBeGreaterThan(0);
    expect(events).toEqual([file.length, null]);
  });

  it('passes on the bytes SheetJS reads when the caller knows them (an XLSB inflated)', async () => {
    const events: (number | null)[] = [];
    watchSynchronousReads((bytes) => events.push(bytes));
    await readWorkbook(xls(), 'xls', 100, 123_456);
    expect(events).toEqual([123_456, null]);
  });

  it('says the read has ended when SheetJS throws, too', async () => {
    const events: (number | null)[] = [];
    watchSynchronousReads((bytes) => events.push(bytes));
    const damaged = xls().subarray(0, 600); // a CFB header and nothing it points to
    await expect(readWorkbook(damaged, 'xls', 100)).rejects.toThrow(/not a valid XLS workbook/);
    expect(events).toEqual([600, null]);
  });
});
