import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PayloadTooLargeError, ValidationError } from '../../../src/errors.js';
import { csvLine } from '../../../src/parsing/csvOutput.js';
import { readFixesCsv } from '../../../src/services/fixes/fixesCsv.js';
import { MAX_FIX_CSV_BYTES, MAX_FIX_ROWS } from '../../../src/services/fixes/fixLimits.js';

const read = (text: string) => readFixesCsv(Readable.from([Buffer.from(text)]));
const HEAD = csvLine(['row', 'reason', 'Name', 'Email', 'other columns']);

describe('reading a corrected errors.csv', () => {
  it('reads cells by heading, other columns from their JSON, a column added after them, and skips empty cells', async () => {
    const text =
      '\uFEFF' +
      csvLine(['row', 'reason', 'Name', 'Email', 'other columns', 'Phone']) +
      csvLine([
        '7',
        'whatever',
        'Ann',
        '',
        JSON.stringify({ City: 'Rome', Name: 'ignored' }),
        '+1 202 555 0143',
      ]);
    expect(await read(text)).toEqual([
      { rowNumber: 7, cells: { Name: 'Ann', City: 'Rome', Phone: '+1 202 555 0143' } },
    ]);
  });

  it('keeps a "__proto__" heading as plain data', async () => {
    const rows = await read(csvLine(['row', 'reason', '__proto__']) + csvLine(['1', '', 'x']));
    expect(Object.getPrototypeOf(rows[0]!.cells)).toBe(Object.prototype);
    expect(Object.entries(rows[0]!.cells)).toEqual([['__proto__', 'x']]);
  });

  it.each([
    ['a file that is not errors.csv', 'Name,Email\r\nAnn,a@x.io\r\n', 'first line must be the headings'],
    ['a row number that is not one', HEAD + 'four,,Ann,,\r\n', 'is not a row number'],
    ['other columns that are not a JSON object', HEAD + '4,,Ann,,[1]\r\n', 'not the JSON object'],
    ['no rows', HEAD, 'no rows to fix'],
    ['an unterminated quote', HEAD + '4,"Ann\r\n', 'not readable as CSV'],
  ])('refuses %s with a 400 naming the problem', async (_what, text, message) => {
    const error = await read(text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(message);
  });

  it(`refuses more than ${MAX_FIX_ROWS} rows (400) and more than the byte limit (413)`, async () => {
    const rows = Array.from({ length: MAX_FIX_ROWS + 1 }, (_, i) =>
      csvLine([String(i), '', 'Ann', '', '']),
    ).join('');
    await expect(read(HEAD + rows)).rejects.toThrow(`more than ${MAX_FIX_ROWS} rows`);
    const big = Readable.from(
      (function* () {
        yield Buffer.from(HEAD);
        for (let sent = 0; sent <= MAX_FIX_CSV_BYTES; sent += 64 * 1024) {
          yield Buffer.from(`1,,${'a'.repeat(64 * 1024 - 10)},,\r\n`);
        }
      })(),
    );
    await expect(readFixesCsv(big)).rejects.toBeInstanceOf(PayloadTooLargeError);
  });
});
