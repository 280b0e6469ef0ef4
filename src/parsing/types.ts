import type { ContactRecord } from '../contacts/contactSchema.js';

/** Formats accepted on upload; the stored batch remembers which one it is. */
export type FileFormat = 'csv' | 'txt' | 'vcf' | 'xls' | 'xlsx';

/** One normalised contact, ready for the records store: derived from the contact schema. */
export type { ContactRecord };

/** A row that could not become a contact. Counted, reported in errors.csv, never fatal alone. */
export interface InvalidRow {
  rowNumber: number;
  reason: string;
  original: Record<string, string>;
}

export type ParsedRow = { kind: 'record'; record: ContactRecord } | { kind: 'invalid'; row: InvalidRow };

export interface ParseOptions {
  format: FileFormat;
  /** Stop with FileContentError when more data rows than this are found. */
  maxRows: number;
  /** Cap on inflated bytes of XLSX/XLS content (zip bombs, XML tricks). */
  maxUncompressedBytes: number;
  /** ISO 3166 alpha-2 region for phone numbers without a country code, e.g. "US". */
  defaultRegion: string;
  /** Size of the input in bytes, used to report progress. */
  totalBytes: number;
}

export interface ContactParser {
  /** Rows in file order. Throws FileContentError (from src/errors.ts) on unusable content. */
  rows: AsyncIterable<ParsedRow>;
  /** Fraction 0..1 of the input consumed so far; never decreases. */
  progress(): number;
}
