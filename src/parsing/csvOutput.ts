/**
 * CSV writing for every file the service produces (errors.csv, records.csv): RFC 4180 quoting plus
 * spreadsheet formula-injection neutralisation (OWASP "CSV injection", issue #14).
 *
 * A spreadsheet evaluates a cell that starts with `=`, `+`, `-`, `@`, tab or CR. Which characters
 * start a cell depends on the reader: Excel set to `;` separators splits `a;=1+1` into `a` and the
 * formula `=1+1`, and a tab or newline splits cells in other imports. So a value is dangerous when a
 * formula start comes first OR right after any of `,` `;` tab CR LF. Such a value is always quoted
 * (so a `,` reader keeps it in one cell) and gets a `'` in front of every formula start that could
 * begin a cell (so a reader that splits it anyway sees text, never a formula).
 *
 * Phone numbers: E.164 values such as `+4915123456789` start with `+` and are neutralised like any
 * other value (`'+4915123456789`). Left bare, Excel would evaluate them as a number and show
 * 4.91512E+12, losing the `+` and digits; with the `'` they stay readable text, and the importer
 * reads `'+4915123456789` back as the same E.164 number (test/unit/parsing/csvOutput.test.ts).
 */
import { CONTACT_FIELDS, FIELD_LIST, type ContactRecord } from '../contacts/contactSchema.js';
import type { InvalidRow } from './types.js';

const BOM = '\uFEFF';
/**
 * The place before a formula start at the beginning of the value or right after a separator. Both
 * sides are lookarounds so the match is empty: a separator that is itself a formula start (tab, CR)
 * stays available to guard the character after it (`\t=` becomes `'\t'=`).
 */
const FORMULA_START = /(?<=^|[,;\t\r\n])(?=[=+\-@\t\r])/g;
/** Quoted: RFC 4180 specials, plus `;` and tab so a `;`/tab reader does not split the cell. */
const NEEDS_QUOTES = /[",;\t\r\n]/;

/**
 * A value made safe to open in a spreadsheet: a `'` before every formula start that could begin a
 * cell (see the module comment). Returns the value unchanged when there is none.
 */
export function neutraliseFormulas(value: string): string {
  return value.replace(FORMULA_START, "'");
}

/** One CSV cell: formula-neutralised, then quoted when it holds anything a reader could split on. */
export function csvField(value: string): string {
  const v = neutraliseFormulas(value);
  return v !== value || NEEDS_QUOTES.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

/** One CSV record terminated by CRLF. */
export function csvLine(values: readonly string[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** The errors.csv headings around the input row's own columns. */
export const ERRORS_CSV_HEADINGS = {
  row: CONTACT_FIELDS.rowNumber.csvHeading,
  reason: 'reason',
  otherColumns: 'other columns',
} as const;

/**
 * errors.csv, streamed: a UTF-8 BOM (so Excel reads UTF-8), then `row, reason`, the columns of the
 * first invalid row as they were in the file, and one JSON cell for columns later rows have but
 * the first did not. With no invalid row, only the headings.
 */
export async function* errorsCsvLines(rows: AsyncIterable<InvalidRow>): AsyncGenerator<string> {
  const { row: rowHeading, reason, otherColumns } = ERRORS_CSV_HEADINGS;
  let columns: string[] | null = null;
  for await (const row of rows) {
    if (!columns) {
      columns = Object.keys(row.original);
      yield BOM + csvLine([rowHeading, reason, ...columns, otherColumns]);
    }
    const known = new Set(columns);
    const extra = Object.fromEntries(Object.entries(row.original).filter(([k]) => !known.has(k)));
    yield csvLine([
      String(row.rowNumber),
      row.reason,
      ...columns.map((c) => row.original[c] ?? ''),
      Object.keys(extra).length > 0 ? JSON.stringify(extra) : '',
    ]);
  }
  if (!columns) {
    yield BOM + csvLine([rowHeading, reason]);
  }
}

/** Records CSV headings: one per contact field, in schema order. */
export function recordsCsvHeadings(): string[] {
  return FIELD_LIST.map((f) => f.spec.csvHeading);
}

/** One contact as a records CSV line (original columns as one JSON cell, issues joined by "; "). */
export function recordCsvLine(record: ContactRecord): string {
  return csvLine(
    FIELD_LIST.map(({ name, spec }) => {
      const value = record[name];
      switch (spec.kind) {
        case 'columns':
          return JSON.stringify(value);
        case 'issues':
          return (value as string[]).join('; ');
        case 'rowNumber':
          return String(record.rowNumber);
        default:
          return (value as string | null) ?? '';
      }
    }),
  );
}

/** The first line of records.csv: the BOM (so Excel reads UTF-8), then the headings. */
export function recordsCsvHeaderLine(): string {
  return BOM + csvLine(recordsCsvHeadings());
}
