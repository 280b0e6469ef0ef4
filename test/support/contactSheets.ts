import { SHEET_HEAD, SHEET_TAIL, buildXlsx } from './xlsxBuilders.js';

/** "A", "B", ... "Z", "AA": the column letters of a cell reference. */
function columnLetters(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    out = String.fromCharCode(65 + rem) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An XLSX whose one sheet holds `rows` as inline strings (what a script would write). */
export function xlsxOf(rows: readonly (readonly string[])[]): Buffer {
  const xml = rows
    .map((cells, r) => {
      const cs = cells
        .map((v, c) =>
          v === ''
            ? ''
            : `<c r="${columnLetters(c)}${r + 1}" t="inlineStr"><is><t xml:space="preserve">${xmlText(v)}</t></is></c>`,
        )
        .join('');
      return `<row r="${r + 1}">${cs}</row>`;
    })
    .join('');
  return buildXlsx({ data: Buffer.from(SHEET_HEAD + xml + SHEET_TAIL) });
}

/** German contacts as a spreadsheet: a mobile without country code, a row naming its country. */
export const GERMAN_SHEET_ROWS = [
  ['Name', 'E-Mail', 'Handy', 'Land'],
  ['Jürgen Müller', 'juergen.mueller@example.de', '0151 2345 6789', ''],
  ['John Smith', 'john.smith@example.com', '(415) 555-2671', 'United States'],
] as const;
