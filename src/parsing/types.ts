/** Formats accepted on upload; the stored batch remembers which one it is. */
export type FileFormat = 'csv' | 'txt' | 'vcf' | 'xls' | 'xlsx';

/** One normalised contact, ready for the records store. */
export interface ContactRecord {
  /** 1-based data row (CSV/XLS: row after the header; VCF: card number). */
  rowNumber: number;
  fullName: string | null;
  firstName: string | null;
  lastName: string | null;
  /** Trimmed, domain lower-cased, validated. */
  email: string | null;
  /** E.164 when parseable, else the raw text (with an issue noted). */
  phone: string | null;
  company: string | null;
  title: string | null;
  street: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
  country: string | null;
  /** Every original column (header -> cell text), so nothing is lost. */
  original: Record<string, string>;
  /** Non-fatal problems found in the row (e.g. "phone could not be parsed: 12ab"). */
  issues: string[];
}

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
