import type * as XLSX from '@e965/xlsx';
import { describe, expect, it } from 'vitest';
import { FileContentError } from '../../../src/errors.js';
import { sheetRowTexts } from '../../../src/parsing/spreadsheet/sheet.js';
import { inSmallHeap } from '../../support/inSmallHeap.js';

/**
 * A SheetJS sheet's declared size is not its content: a damaged dimension record can claim
 * billions of columns for a sheet of two. Found by fuzzing XLSB files: one changed byte of the
 * sheet's BrtWsDim record, and reading every declared column of every row grew one array until V8
 * killed the process (a parse thread's heap limit does not stop that; spreadsheet/boundedReads.ts).
 */
const PARSER = new URL('../../../src/parsing/openContactParser.ts', import.meta.url).href;

/** Script lines that parse `data` (an XLSX/XLSB buffer) and print the records' e-mails or the error. */
const PRINT_PARSE = `
  const parser = openContactParser(Readable.from([data]), {
    format: 'xlsx', maxRows: 100, maxUncompressedBytes: 5 * 1024 * 1024, defaultRegion: 'US', totalBytes: data.length,
  });
  const rows = [];
  try {
    for await (const row of parser.rows) rows.push(row.kind === 'record' ? row.record.email : row.kind);
    console.log(JSON.stringify(rows));
  } catch (e) {
    console.log(e.message);
  }`;

describe('sheet rows are bounded by their cells, not by the declared range', () => {
  it('reads an XLSB whose dimension record claims 3.4 billion columns, in a process with a 64 MB heap', () => {
    const script = `
      import { Readable } from 'node:stream';
      import * as XLSX from '@e965/xlsx';
      import { openContactParser } from ${JSON.stringify(PARSER)};
      const wb = XLSX.utils.book_new();
      XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([['Name', 'Email'], ['Ada Lovelace', 'ada@example.com']]), 'Contacts');
      const zip = XLSX.CFB.read(XLSX.write(wb, { type: 'buffer', bookType: 'xlsb' }), { type: 'buffer' });
      const sheet = zip.FileIndex.find((f) => f.name === 'sheet1.bin');
      const bin = Buffer.from(sheet.content);
      // BrtWsDim (record 148, 16 bytes: first row, last row, first column, last column): the last
      // column's top byte, so the sheet claims columns up to 0xCE000001.
      const dim = bin.indexOf(Buffer.from([0x94, 0x01, 0x10]));
      bin[dim + 3 + 15] = 0xce;
      sheet.content = bin;
      const data = XLSX.CFB.write(zip, { fileType: 'zip', type: 'buffer', compression: true });
      console.log(XLSX.read(data, { type: 'buffer', dense: true }).Sheets.Contacts['!ref']);
      ${PRINT_PARSE}`;
    expect(inSmallHeap(script)).toEqual({ status: 0, out: ['A1:KDVYUNZ2', '["ada@example.com"]'] });
  });

  it.each([
    // The last column Excel has: read (its e-mail lies past the 200 columns kept, so it is null).
    ['XFD2', '[null]'],
    [
      'ZZZZZZ2',
      "cell ZZZZZZ2 is beyond Excel's last column (XFD): the workbook is damaged; open it in Excel and save it again",
    ],
  ])('an XLSX whose second cell is %s: read, or refused, in a process with a 64 MB heap', (ref, printed) => {
    // A crafted (not even damaged) XLSX: the streamed reader kept a row's cells in an array indexed
    // by column, so r="ZZZZZZ2" in a 1 KB file made it 300 million long.
    const script = `
      import { Readable } from 'node:stream';
      import * as XLSX from '@e965/xlsx';
      import { openContactParser } from ${JSON.stringify(PARSER)};
      const wb = XLSX.utils.book_new();
      XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([['Name', 'Email'], ['Ada Lovelace', 'ada@example.com']]), 'Contacts');
      const zip = XLSX.CFB.read(XLSX.write(wb, { type: 'buffer', bookType: 'xlsx' }), { type: 'buffer' });
      const sheet = zip.FileIndex.find((f) => f.name === 'sheet1.xml');
      sheet.content = Buffer.from(Buffer.from(sheet.content).toString('utf8').replace('r="B2"', 'r="${ref}"'));
      const data = XLSX.CFB.write(zip, { fileType: 'zip', type: 'buffer', compression: true });
      ${PRINT_PARSE}`;
    expect(inSmallHeap(script)).toEqual({ status: 0, out: [printed] });
  });

  it("refuses a row that really has a cell beyond Excel's last column", () => {
    const row: XLSX.CellObject[] = [{ t: 's', v: 'Ada' }];
    row[20_000] = { t: 's', v: 'far away' };
    const ws = { '!data': [row], '!ref': 'A1:ADDB1' } as unknown as XLSX.WorkSheet;
    const range = { s: { r: 0, c: 0 }, e: { r: 0, c: 20_000 } };
    expect(() => sheetRowTexts(ws, range, 0)).toThrow(FileContentError);
    expect(() => sheetRowTexts(ws, range, 0)).toThrow(/row 1 has a cell beyond Excel's last column/);
  });

  it('reads a row of the declared range only as far as its last cell', () => {
    const ws = {
      '!data': [
        [
          { t: 's', v: 'Name' },
          { t: 's', v: 'Email' },
        ],
        [],
        [{ t: 's', v: 'Ada' }],
      ],
    } as unknown as XLSX.WorkSheet;
    const range = { s: { r: 0, c: 0 }, e: { r: 2, c: 3_000_000_000 } };
    expect([0, 1, 2].map((r) => sheetRowTexts(ws, range, r))).toEqual([['Name', 'Email'], [], ['Ada']]);
  });
});
