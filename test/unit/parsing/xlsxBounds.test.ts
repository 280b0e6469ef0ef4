import { describe, expect, it } from 'vitest';
import { FileContentError } from '../../../src/errors.js';
import { MAX_SHEETS } from '../../../src/parsing/limits.js';
import { sheetsToSearch } from '../../../src/parsing/spreadsheet/xlsxStream.js';
import { ZipParts } from '../../../src/parsing/spreadsheet/zipParts.js';
import { repeatedSheetXlsx } from '../../support/dosFiles.js';
import { buildXlsx, SHEET_HEAD, SHEET_TAIL } from '../../support/xlsxBuilders.js';
import { parseError } from './helpers.js';

async function readAll(parts: ZipParts, name: string): Promise<number> {
  let n = 0;
  for await (const chunk of parts.chunks(name)) {
    n += chunk.length;
  }
  return n;
}

const contacts = (rows: number) =>
  Buffer.from(
    SHEET_HEAD +
      '<row r="1"><c t="inlineStr"><is><t>Name</t></is></c></row>' +
      Array.from(
        { length: rows },
        (_, i) => `<row r="${i + 2}"><c t="inlineStr"><is><t>P${i}</t></is></c></row>`,
      ).join('') +
      SHEET_TAIL,
  );

describe('sheetsToSearch: each worksheet part once, and not too many', () => {
  it('keeps the first listing of a part listed many times (case-insensitive paths)', () => {
    const sheets = [
      { name: 'A', path: 'xl/worksheets/sheet1.xml' },
      { name: 'B', path: 'xl/worksheets/sheet2.xml' },
      { name: 'A again', path: 'XL/Worksheets/Sheet1.xml' },
      ...Array.from({ length: 500 }, (_, i) => ({ name: `B${i}`, path: 'xl/worksheets/sheet2.xml' })),
    ];
    expect(sheetsToSearch(sheets)).toEqual([sheets[0], sheets[1]]);
  });

  it(`refuses a workbook with more than ${MAX_SHEETS} distinct sheets`, () => {
    const sheets = Array.from({ length: MAX_SHEETS + 1 }, (_, i) => ({
      name: `S${i}`,
      path: `xl/s${i}.xml`,
    }));
    expect(() => sheetsToSearch(sheets.slice(0, MAX_SHEETS))).not.toThrow();
    expect(() => sheetsToSearch(sheets)).toThrow(
      new FileContentError(
        'the workbook has 1,001 sheets; at most 1,000 are read. Move the contacts to a workbook with ' +
          'fewer sheets, or save the contact sheet as CSV',
      ),
    );
  });
});

describe('ZipParts: each part read once, every inflated byte counted', () => {
  it('refuses to read a part a second time', async () => {
    const parts = await ZipParts.open(buildXlsx({ data: contacts(3) }), 1 << 20);
    try {
      await readAll(parts, 'xl/worksheets/sheet1.xml');
      await expect(readAll(parts, 'xl/worksheets/sheet1.xml')).rejects.toThrow(
        'file is not a valid XLSX workbook (the part xl/worksheets/sheet1.xml is used more than once)',
      );
    } finally {
      parts.close();
    }
  });

  it('stops once the bytes handed out, all parts together, pass the cap', async () => {
    const sheet = contacts(2_000);
    const buf = buildXlsx({ data: sheet });
    const roomy = await ZipParts.open(buf, 1 << 20);
    expect(await readAll(roomy, 'xl/workbook.xml')).toBeGreaterThan(0);
    expect(await readAll(roomy, 'xl/worksheets/sheet1.xml')).toBe(sheet.length);
    roomy.close();
    const tight = await ZipParts.open(buf, sheet.length);
    await readAll(tight, 'xl/worksheets/sheet1.xml');
    await expect(readAll(tight, 'xl/workbook.xml')).rejects.toThrow(/^file expands to more than/);
    tight.close();
  });
});

describe('streamXlsx: a worksheet listed 200 times is parsed once', () => {
  it('finishes within a budget of 1.5 sheets (no header found, nothing re-read)', async () => {
    const sheetBytes = 256 * 1024;
    const buf = await repeatedSheetXlsx(200, sheetBytes);
    // The sheet is 43,690 empty rows: maxRows keeps the row budget out of the way. The cap holds
    // one reading of the sheet (inflateAndScan's and the parse's, each counted on its own), not two.
    expect(await parseError(buf, 'xlsx', { maxUncompressedBytes: 1.5 * sheetBytes, maxRows: 100_000 })).toBe(
      'no contacts found: no column looks like a name, email or phone (checked the first 20 rows of every sheet)',
    );
  });
});
