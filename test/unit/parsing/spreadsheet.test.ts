import * as XLSX from '@e965/xlsx';
import { describe, expect, it } from 'vitest';
import { SHEET_HEAD, SHEET_TAIL, buildXlsx, deflateRepeated, fixture, parse, parseError } from './helpers.js';
import { biff5Workbook } from '../../support/biff5Workbook.js';

const MB = 1024 * 1024;

function workbook(sheets: Record<string, unknown[][]>, bookType: 'xlsx' | 'xls' = 'xlsx'): Buffer {
  const wb = XLSX.utils.book_new();
  for (const [name, rows] of Object.entries(sheets)) {
    XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(rows), name);
  }
  return XLSX.write(wb, { type: 'buffer', bookType: bookType === 'xls' ? 'biff8' : 'xlsx' }) as Buffer;
}

describe('spreadsheets written by LibreOffice', () => {
  for (const format of ['xlsx', 'xls'] as const) {
    it(`reads the ${format.toUpperCase()} fixture (numeric phones, dates as displayed)`, async () => {
      const r = await parse(fixture(`libreoffice-contacts.${format}`), format);
      expect(r.error).toBeNull();
      expect(r.records).toHaveLength(4);
      expect(r.records.map((c) => [c.rowNumber, c.fullName, c.email, c.phone])).toEqual([
        [1, 'Ingrid Bergström', 'ingrid@example.se', '+46701234567'],
        [2, 'Émile Zola', 'emile.zola@example.fr', '+33612345678'],
        [3, 'Kenji Watanabe', 'kenji@example.jp', '+819012345678'],
        [4, 'No Contact Info', null, null],
      ]);
      // 12-digit General-format number keeps all digits (not 8.19012E+11).
      expect(r.records[2]!.original.Phone).toBe('819012345678');
      expect(r.records[0]!.original.Birthday).toBe('1985-03-14');
      expect(r.records[0]).toMatchObject({ company: 'Volvo Cars', city: 'Göteborg' });
      expect(r.records[2]!.city).toBe('Tōkyō');
      expect(r.progress.at(-1)).toBe(1);
    });
  }
});

describe('legacy XLS in a Windows code page', () => {
  // The code pages are loaded by the first workbook SheetJS reads (workbook.ts); without them
  // SheetJS reads every byte as Windows-1252 and this name comes out as "Èâàí Ïåòðîâ".
  it.each([
    [1251, 'Иван Петров', 'Москва'],
    [1253, 'Γιάννης Παπαδόπουλος', 'Αθήνα'],
  ])('decodes the text cells of an Excel 5.0 workbook in code page %i', async (codePage, fullName, city) => {
    const buf = biff5Workbook(
      [
        ['Full Name', 'Email', 'City'],
        [fullName, 'someone@example.com', city],
      ],
      codePage,
    );
    const r = await parse(buf, 'xls');
    expect(r.error).toBeNull();
    expect(r.records.map((c) => [c.fullName, c.email, c.city])).toEqual([
      [fullName, 'someone@example.com', city],
    ]);
  });
});

describe('sheet and header selection', () => {
  it('finds the header below a title row on the second sheet', async () => {
    const buf = workbook({
      Notes: [['This workbook was exported on Monday'], ['nothing here']],
      Kontakte: [
        ['Kundenliste 2024'],
        [],
        ['Vorname', 'Nachname', 'E-Mail', 'Mobil'],
        ['Jörg', 'Weiß', 'joerg@example.de', 4915112345678],
        [],
        ['Ute', 'Groß', 'ute@example.de', '+49 151 98765432'],
      ],
    });
    const r = await parse(buf, 'xlsx');
    expect(r.error).toBeNull();
    expect(r.records.map((c) => [c.rowNumber, c.fullName, c.phone])).toEqual([
      [1, 'Jörg Weiß', '+4915112345678'],
      [3, 'Ute Groß', '+4915198765432'],
    ]);
    expect(r.records[0]!.original.Mobil).toBe('4915112345678');
  });

  it('rejects workbooks without a recognisable header', async () => {
    expect(
      await parseError(
        workbook({
          S: [
            ['a', 'b'],
            [1, 2],
          ],
        }),
        'xlsx',
      ),
    ).toBe(
      'no contacts found: no column looks like a name, email or phone (checked the first 20 rows of every sheet)',
    );
    expect(await parseError(workbook({ S: [['Name', 'Email']] }), 'xlsx')).toBe(
      'no contacts found: the sheet has a header row but no data rows',
    );
  });

  it('enforces maxRows (XLSX and XLS)', async () => {
    const rows = [['Name', 'Email'], ...Array.from({ length: 30 }, (_, i) => [`P${i}`, `p${i}@example.com`])];
    for (const format of ['xlsx', 'xls'] as const) {
      const ok = await parse(workbook({ S: rows }, format), format, { maxRows: 30 });
      expect(ok.records).toHaveLength(30);
      expect(await parseError(workbook({ S: rows }, format), format, { maxRows: 29 })).toBe(
        'file has more than 29 contact rows, the limit per file; split it into smaller files',
      );
    }
  });
});

describe('hostile and wrong spreadsheets', () => {
  it('rejects content that is not an XLSX/XLS workbook', async () => {
    expect(await parseError('Name,Email\nA,a@b.de\n', 'xlsx')).toBe(
      'file is not a valid XLSX workbook (it is not a zip archive)',
    );
    expect(await parseError(fixture('libreoffice-contacts.xls'), 'xlsx')).toMatch(
      /^file is not a valid XLSX workbook: it is an old-format XLS workbook/,
    );
    expect(await parseError(fixture('libreoffice-contacts.xlsx'), 'xls')).toBe(
      'file is not a valid XLS workbook: it is an XLSX workbook, rename it to .xlsx',
    );
    expect(await parseError('<html><table><tr><td>x</td></tr></table></html>', 'xls')).toBe(
      'file is not a valid XLS workbook',
    );
    const truncated = fixture('libreoffice-contacts.xlsx').subarray(0, 3000);
    expect(await parseError(truncated, 'xlsx')).toMatch(/^file is not a valid XLSX workbook/);
  });

  it('rejects a zip bomb by its declared size', async () => {
    const deflated = await deflateRepeated(
      SHEET_HEAD,
      '<row><c t="inlineStr"><is><t>lol</t></is></c></row>',
      4_000_000,
      SHEET_TAIL,
    );
    expect(deflated.bytes.length).toBeLessThan(2 * MB);
    const bomb = buildXlsx({ deflated });
    // How fast and in how little memory: test/faults/zipBombBounds.test.ts (timings are not for
    // the fast suite).
    expect(await parseError(bomb, 'xlsx', { maxUncompressedBytes: 50 * MB })).toBe(
      'file expands to more than 50 MB when unpacked; it is not a normal contact workbook (split it into smaller files or save it as CSV)',
    );
  });

  it('stops inflating a zip bomb that lies about its size', async () => {
    const deflated = await deflateRepeated(
      SHEET_HEAD,
      '<row><c t="inlineStr"><is><t>lol</t></is></c></row>',
      4_000_000,
      SHEET_TAIL,
    );
    expect(deflated.size).toBeGreaterThan(200_000_000);
    const bomb = buildXlsx({ deflated, declaredSize: 1000 });
    const msg = await parseError(bomb, 'xlsx', { maxUncompressedBytes: 50 * MB });
    expect(msg).toMatch(/^file is not a valid XLSX workbook \(too many bytes in the stream/);
  });

  it('counts inflated bytes across entries against the cap', async () => {
    const deflated = await deflateRepeated(SHEET_HEAD, '<row/>', 2_000_000, SHEET_TAIL);
    expect(await parseError(buildXlsx({ deflated }), 'xlsx', { maxUncompressedBytes: 5 * MB })).toMatch(
      /^file expands to more than 5 MB when unpacked/,
    );
  });

  it('rejects a billion-laughs XLSX before SheetJS parses it', async () => {
    const laughs =
      '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n' +
      Array.from(
        { length: 9 },
        (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
      ).join('\n') +
      '\n]>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
      '<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row>' +
      '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>';
    expect(await parseError(buildXlsx({ data: Buffer.from(laughs) }), 'xlsx')).toBe(
      'file is not a valid XLSX workbook: it contains XML DOCTYPE/ENTITY declarations, which Excel never writes',
    );
  });

  it('reads a crafted but honest minimal XLSX', async () => {
    const sheet =
      SHEET_HEAD +
      '<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c></row>' +
      '<row r="2"><c r="A2" t="inlineStr"><is><t>ok@example.com</t></is></c></row>' +
      SHEET_TAIL;
    const r = await parse(buildXlsx({ data: Buffer.from(sheet) }), 'xlsx');
    expect(r.error).toBeNull();
    expect(r.records.map((c) => c.email)).toEqual(['ok@example.com']);
  });
});
