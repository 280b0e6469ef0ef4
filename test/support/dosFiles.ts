import { buildZip } from './xlsxBuilders.js';
import { SHEET_HEAD, SHEET_TAIL, deflateRepeated } from './xlsxBuilders.js';

/**
 * The two small files of issue 19 that stalled the service, built byte for byte as the review
 * sent them: the unit, fault and measurement runs all use these builders.
 */

const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/**
 * An XLSX (~12 KB) whose workbook lists ONE worksheet part `listings` times. The sheet is
 * `sheetBytes` of empty `<row/>` elements: no row has a cell, so a header search reads all of
 * it, once per listing when listings are not merged.
 */
export async function repeatedSheetXlsx(listings = 200, sheetBytes = 4 * 1024 * 1024): Promise<Buffer> {
  const row = '<row/>';
  const sheet = await deflateRepeated(SHEET_HEAD, row, Math.floor(sheetBytes / row.length), SHEET_TAIL);
  const sheets = Array.from(
    { length: listings },
    (_, i) => `<sheet name="S${i + 1}" sheetId="${i + 1}" r:id="rId1"/>`,
  ).join('');
  const workbook =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${REL_NS}">` +
    `<sheets>${sheets}</sheets></workbook>`;
  const xml = (s: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${s}`);
  return buildZip([
    {
      name: '[Content_Types].xml',
      data: xml(
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
          '<Default Extension="xml" ContentType="application/xml"/>' +
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
          '</Types>',
      ),
    },
    {
      name: '_rels/.rels',
      data: xml(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      ),
    },
    { name: 'xl/workbook.xml', data: Buffer.from(workbook) },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: xml(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          `<Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
      ),
    },
    { name: 'xl/worksheets/sheet1.xml', deflated: sheet },
  ]);
}

/**
 * A CSV of a header and `bytes` of blank lines. The header has three columns, so every blank
 * line is also a record of another width (csv-parse's slowest path).
 */
export function blankLinesCsv(bytes = 200 * 1024, header = 'Name,Email,Phone\n'): Buffer {
  return Buffer.from(header + '\n'.repeat(Math.max(0, bytes - header.length)));
}

/**
 * A legacy XLS (BIFF8) of `rows` contacts, as Excel 97-2003 saves it: 35,000 rows are ~9.8 MB,
 * just under the upload limit. SheetJS reads such a file whole and synchronously.
 */
export async function contactsXls(rows = 35_000): Promise<Buffer> {
  const XLSX = await import('@e965/xlsx');
  const aoa: string[][] = [
    ['First Name', 'Last Name', 'E-mail Address', 'Mobile Phone', 'Company', 'Job Title', 'City'],
  ];
  for (let i = 1; i <= rows; i++) {
    aoa.push([
      `Person${i}`,
      `Müller-${i % 97}`,
      `person${i}@example.com`,
      `+1 415 555 ${String(1000 + (i % 9000))}`,
      `Company ${i % 50}, Inc.`,
      'Engineer',
      'San Francisco',
    ]);
  }
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(aoa), 'Contacts');
  return XLSX.write(wb, { type: 'buffer', bookType: 'biff8' }) as Buffer;
}
