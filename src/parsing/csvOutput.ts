/**
 * CSV writing for files the service produces (errors.csv): RFC 4180 quoting plus spreadsheet
 * formula-injection neutralisation (OWASP "CSV injection"): a value starting with `=`, `+`, `-`,
 * `@`, tab or carriage return gets a leading `'` so Excel/LibreOffice show it as text.
 */

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
