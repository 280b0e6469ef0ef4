/**
 * CSV writing for files the service produces (errors.csv, records): RFC 4180 quoting plus spreadsheet
 * formula-injection neutralisation (OWASP "CSV injection"): a value starting with `=`, `+`, `-`,
 * `@`, tab or carriage return gets a leading `'` so Excel/LibreOffice show it as text.
 */
import { CONTACT_FIELDS, FIELD_LIST, type ContactRecord } from '../contacts/contactSchema.js';
import type { InvalidRow } from './types.js';

const BOM = '\uFEFF';
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string): string {
  const v = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
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
