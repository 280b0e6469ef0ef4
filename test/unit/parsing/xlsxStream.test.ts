import * as XLSX from '@e965/xlsx';
import { describe, expect, it } from 'vitest';
import { FileContentError } from '../../../src/errors.js';
import { readSharedStrings } from '../../../src/parsing/spreadsheet/sharedStrings.js';
import { sheetRowTexts } from '../../../src/parsing/spreadsheet/sheet.js';
import { sheetRows, type SheetRow } from '../../../src/parsing/spreadsheet/sheetRows.js';
import { readWorkbook } from '../../../src/parsing/spreadsheet/workbook.js';
import { readNumberFormats, readWorkbookInfo } from '../../../src/parsing/spreadsheet/workbookParts.js';
import { ZipParts } from '../../../src/parsing/spreadsheet/zipParts.js';
import { buildZip, type ZipEntry } from '../../support/xlsxBuilders.js';
import { fixture, parse, parseError } from './helpers.js';

/** Rows of the first sheet as the streaming reader sees them (non-empty rows only). */
async function streamed(buf: Buffer, sheet = 0): Promise<SheetRow[]> {
  const parts = await ZipParts.open(buf, 64 * 1024 * 1024);
  try {
    const info = await readWorkbookInfo(parts);
    const ctx = {
      strings: await readSharedStrings(parts, info.sharedStrings),
      formats: await readNumberFormats(parts, info.styles),
      date1904: info.date1904,
    };
    const rows: SheetRow[] = [];
    for await (const batch of sheetRows(parts, info.sheets[sheet]!.path, ctx)) {
      rows.push(...batch.filter((r) => r.cells.length > 0));
    }
    return rows;
  } finally {
    parts.close();
  }
}

/** The same rows as SheetJS (the reader the XLSX path used before streaming) sees them. */
async function sheetJs(buf: Buffer, sheet = 0): Promise<SheetRow[]> {
  const wb = await readWorkbook(buf, 'xlsx', 1_000_000);
  const ws = wb.Sheets[wb.SheetNames[sheet]!]!;
  const range = XLSX.utils.decode_range(ws['!ref']!);
  const rows: SheetRow[] = [];
  for (let r = range.s.r; r <= range.e.r; r++) {
    const cells = sheetRowTexts(ws, range, r);
    if (cells.length > 0) {
      rows.push({ index: r, cells });
    }
  }
  return rows;
}

function sheetJsWorkbook(
  rows: unknown[][],
  opts: { sst: boolean; formats?: Record<string, string> },
): Buffer {
  const ws = XLSX.utils.aoa_to_sheet(rows, { cellDates: false });
  for (const [ref, z] of Object.entries(opts.formats ?? {})) {
    ws[ref]!.z = z;
  }
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, ws, 'Contacts');
  return XLSX.write(wb, { type: 'buffer', bookType: 'xlsx', bookSST: opts.sst }) as Buffer;
}

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

const CONTENT_TYPES =
  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
  '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
  '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' +
  '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
  '</Types>';

/** A hand-written workbook: every part given explicitly, in the zip order given. */
function craftedXlsx(parts: { sheet: string; sst?: string; styles?: string; sstFirst?: boolean }): Buffer {
  const rels =
    `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
    `<Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>` +
    (parts.sst ? `<Relationship Id="rId2" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/>` : '') +
    (parts.styles ? `<Relationship Id="rId3" Type="${REL_NS}/styles" Target="/xl/styles.xml"/>` : '') +
    `</Relationships>`;
  const sheetEntry: ZipEntry = {
    name: 'xl/worksheets/sheet1.xml',
    data: Buffer.from(`<worksheet ${NS}><sheetData>${parts.sheet}</sheetData></worksheet>`),
  };
  const sstEntry: ZipEntry[] = parts.sst
    ? [{ name: 'xl/sharedStrings.xml', data: Buffer.from(`<sst ${NS}>${parts.sst}</sst>`) }]
    : [];
  return buildZip([
    { name: '[Content_Types].xml', data: Buffer.from(CONTENT_TYPES) },
    {
      name: 'xl/workbook.xml',
      data: Buffer.from(
        `<workbook ${NS} xmlns:r="${REL_NS}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      ),
    },
    { name: 'xl/_rels/workbook.xml.rels', data: Buffer.from(rels) },
    ...(parts.sstFirst ? sstEntry : []),
    sheetEntry,
    ...(parts.sstFirst ? [] : sstEntry),
    ...(parts.styles
      ? [{ name: 'xl/styles.xml', data: Buffer.from(`<styleSheet ${NS}>${parts.styles}</styleSheet>`) }]
      : []),
  ]);
}

describe('streaming XLSX reader: the same cell texts as SheetJS', () => {
  it('reads the LibreOffice fixture exactly as SheetJS does', async () => {
    const buf = fixture('libreoffice-contacts.xlsx');
    expect(await streamed(buf)).toEqual(await sheetJs(buf));
  });

  for (const sst of [true, false]) {
    it(`reads SheetJS-written workbooks with ${sst ? 'shared' : 'inline'} strings like SheetJS`, async () => {
      const rows: unknown[][] = [
        ['Name', 'Phone', 'Score', 'Joined', 'Active', 'Ratio', 'Note'],
        ['  Ada  Lovelace ', 4915112345678, 3.5, 31120, true, 0.125, 'line\none'],
        ['Zoë Ørsted', 12025550199, -2, 45000.75, false, 1 / 3, 'tab\there'],
        [],
        ['中文 名字', 819012345678, 1e21, 1, null, 12345.678, '<&>"\''],
        [null, null, 0.1 + 0.2, 2958465, true, -0.5, ''],
      ];
      const buf = sheetJsWorkbook(rows, {
        sst,
        formats: {
          D2: 'yyyy-mm-dd',
          D3: 'm/d/yy h:mm',
          D5: 'dd.mm.yyyy',
          F2: '0.00%',
          F3: '0.00',
          F5: '#,##0.0',
        },
      });
      const got = await streamed(buf);
      expect(got).toEqual(await sheetJs(buf));
      // Sanity: formats were applied (the equality above is not between two empty results).
      expect(got[1]!.cells).toEqual([
        '  Ada  Lovelace ',
        '4915112345678',
        '3.5',
        '1985-03-14',
        'TRUE',
        '12.50%',
        'line\none',
      ]);
    });
  }
});

describe('streaming XLSX reader: crafted parts', () => {
  const styles =
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>' +
    '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs>';
  const sst =
    '<si><t>Name</t></si><si><t xml:space="preserve"> Email </t></si>' +
    '<si><r><t>Ada </t></r><r><rPr><b/></rPr><t>Lovelace</t></r><rPh sb="0" eb="1"><t>ア</t></rPh></si>' +
    '<si><t>line_x000D_break</t></si>';
  const sheet =
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>Phone</t></is></c></row>' +
    '<row r="3"><c r="A3" t="s"><v>2</v></c><c r="C3"><v>4915112345678</v></c><c r="E3" t="b"><v>1</v></c></row>' +
    '<row r="4"><c r="A4" t="inlineStr"><is><r><t>Rich </t></r><r><t>inline</t></r></is></c>' +
    '<c r="B4" t="str"><f>A1&amp;"x"</f><v>Namex</v></c><c r="C4" t="e"><v>#N/A</v></c></row>' +
    '<row r="6"><c r="A6" t="s"><v>3</v></c><c r="B6" s="1"><v>31120</v></c><c r="C6" s="2"><v>31120</v></c>' +
    '<c r="D6"><v>0.30000000000000004</v></c><c r="F6" s="1"/></row>';
  const expected: SheetRow[] = [
    { index: 0, cells: ['Name', ' Email ', 'Phone'] },
    { index: 2, cells: ['Ada Lovelace', '', '4915112345678', '', 'TRUE'] },
    { index: 3, cells: ['Rich inline', 'Namex', '#N/A'] },
    { index: 5, cells: ['line\rbreak', '3/14/85', '1985-03-14', '0.3'] },
  ];

  it('reads t="s"/"str"/"b"/"e"/"n"/inlineStr, rich runs, dates via styles and sparse r= refs', async () => {
    const buf = craftedXlsx({ sheet, sst, styles });
    expect(await streamed(buf)).toEqual(expected);
    expect(await sheetJs(buf)).toEqual(expected);
  });

  it('reads the shared strings wherever they sit in the zip (after the sheet, or before)', async () => {
    expect(await streamed(craftedXlsx({ sheet, sst, styles, sstFirst: false }))).toEqual(expected);
    expect(await streamed(craftedXlsx({ sheet, sst, styles, sstFirst: true }))).toEqual(expected);
  });

  it('places cells without r= after the previous cell and rows without r= after the previous row', async () => {
    const buf = craftedXlsx({
      sheet:
        '<row><c t="inlineStr"><is><t>Name</t></is></c><c t="inlineStr"><is><t>Email</t></is></c></row>' +
        '<row r="3"><c t="inlineStr"><is><t>Ada</t></is></c><c r="C3" t="inlineStr"><is><t>x</t></is></c><c><v>7</v></c></row>' +
        '<row><c r="B4" t="inlineStr"><is><t>b@example.com</t></is></c></row>',
    });
    const want = [
      { index: 0, cells: ['Name', 'Email'] },
      { index: 2, cells: ['Ada', '', 'x', '7'] },
      { index: 3, cells: ['', 'b@example.com'] },
    ];
    // SheetJS refused this file ("not a valid XLSX"); Excel reads it, and so does the stream.
    expect(await streamed(buf)).toEqual(want);
  });

  it('reads namespace-prefixed elements (x:row, x:c) as some writers emit them', async () => {
    const buf = buildZip([
      { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
      {
        name: 'xl/workbook.xml',
        data: Buffer.from(
          `<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${REL_NS}"><x:sheets><x:sheet name="S" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>`,
        ),
      },
      {
        name: 'xl/_rels/workbook.xml.rels',
        data: Buffer.from(
          `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
        ),
      },
      {
        name: 'xl/worksheets/sheet1.xml',
        data: Buffer.from(
          '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>' +
            '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Email</x:t></x:is></x:c></x:row>' +
            '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>ok@example.com</x:t></x:is></x:c></x:row>' +
            '</x:sheetData></x:worksheet>',
        ),
      },
    ]);
    const r = await parse(buf, 'xlsx');
    expect(r.error).toBeNull();
    expect(r.records.map((c) => c.email)).toEqual(['ok@example.com']);
  });

  it('refuses malformed sheet XML as an invalid workbook', async () => {
    const buf = craftedXlsx({ sheet: '<row r="1"><c t="inlineStr"><is><t>Email</t></is></c></row><row><c>' });
    expect(await parseError(buf, 'xlsx')).toBe('file is not a valid XLSX workbook');
    await expect(streamed(buf)).rejects.toBeInstanceOf(FileContentError);
  });

  it('picks the first sheet with a header row and numbers rows from it, as before', async () => {
    const buf = sheetJsWorkbook(
      [['Title'], [], ['Email', 'Name'], [], ['a@example.com', 'A'], ['b@example.com']],
      {
        sst: true,
      },
    );
    const r = await parse(buf, 'xlsx');
    expect(r.error).toBeNull();
    expect(r.records.map((c) => [c.rowNumber, c.email])).toEqual([
      [2, 'a@example.com'],
      [3, 'b@example.com'],
    ]);
    expect(r.progress.at(-1)).toBe(1);
  });

  it('refuses a sheet with rows beyond the row limit even when most are blank', async () => {
    const buf = craftedXlsx({
      sheet:
        '<row r="1"><c t="inlineStr"><is><t>Email</t></is></c></row>' +
        '<row r="2"><c t="inlineStr"><is><t>a@example.com</t></is></c></row>' +
        '<row r="500"><c t="inlineStr"><is><t>b@example.com</t></is></c></row>',
    });
    expect(await parseError(buf, 'xlsx', { maxRows: 10 })).toBe(
      'sheet "S" has more than 31 rows; the limit is 10 contacts per file, split it into smaller files',
    );
  });
});
