import type { ContactRecord } from '../contacts/contactSchema.js';
import type { MappableField } from './headers/fields.js';
import type { MappingSource, SavedMappingCandidate } from './headers/savedMappings.js';
import type { RegionInference } from './regionInference.js';
import type { TextEncoding } from './text/encodings.js';

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

/**
 * An invalid row also carries the record read from it (all it lacks is a name, email or usable
 * phone), with the reason as its one issue: the preview shows it; the worker stores `row`.
 */
export type ParsedRow =
  { kind: 'record'; record: ContactRecord } | { kind: 'invalid'; row: InvalidRow; record: ContactRecord };

/** Header -> contact field (or null: not a contact field, the value is kept in `original`). */
export type ColumnMapping = Record<string, MappableField | null>;

export interface ParseOptions {
  format: FileFormat;
  /** Stop with FileContentError when more data rows than this are found. */
  maxRows: number;
  /** Cap on inflated bytes of XLSX/XLS content (zip bombs, XML tricks). */
  maxUncompressedBytes: number;
  /** The deployment's ISO 3166 alpha-2 region for phone numbers without a country code, e.g. "US". */
  defaultRegion: string;
  /**
   * The batch's own region (upper case), used instead of `defaultRegion`. Per row, a country
   * column naming a region wins over both.
   */
  phoneRegion?: string | null | undefined;
  /**
   * Header -> field chosen by the uploader, used instead of the synonyms (tables only; headers
   * it does not name are unmapped). Plain data: it is cloned to parser threads as is.
   */
  mapping?: ColumnMapping | null | undefined;
  /**
   * The user's remembered mappings (headers/savedMappings.ts), consulted only when no `mapping`
   * was sent: the one whose fingerprint is the header row's is used. The worker never passes
   * any: the upload took that decision and stored the mapping on the batch row.
   */
  savedMappings?: readonly SavedMappingCandidate[] | null | undefined;
  /** CSV/TXT: the text encoding chosen by the uploader, used instead of detection. */
  encoding?: TextEncoding | null | undefined;
  /** Size of the input in bytes, used to report progress. */
  totalBytes: number;
}

/** What the parser found about the file, filled in as it reads (complete once a row was read). */
export interface ParseDetails {
  /**
   * The text encoding used (CSV/TXT: detected or requested, one of TEXT_ENCODINGS; VCF: utf-8,
   * utf-16le/be); null for spreadsheets.
   */
  encoding: string | null;
  /** CSV/TXT only. */
  delimiter: string | null;
  /** The header row as column names (trimmed; empty -> column_N; repeated -> "Phone 2"); null for vCard. */
  headerRow: string[] | null;
  /** Column name -> field, in column order, as the rows are read; null for vCard. */
  mapping: ColumnMapping | null;
  /**
   * Where `mapping` came from (the sent mapping, a saved one, the synonyms); null or absent for
   * vCard and before the header row was read.
   */
  mappingSource?: MappingSource | null;
  /** The saved mapping used when mappingSource is "saved", else null or absent. */
  savedMappingId?: string | null;
  /**
   * The file's own region for phone numbers without a country code, inferred from its first rows
   * when no phoneRegion was given (regionInference.ts); null when one was, or before any row.
   */
  regionInference: RegionInference | null;
}

export interface ContactParser {
  /** Rows in file order. Throws FileContentError (from src/errors.ts) on unusable content. */
  rows: AsyncIterable<ParsedRow>;
  /**
   * The same rows in the batches the parser produced them in (one await per batch instead of
   * one per row). Iterate `rows` or `batches`, never both: they share one pass over the file.
   */
  batches?: AsyncIterable<ParsedRow[]>;
  /** Fraction 0..1 of the input consumed so far; never decreases. */
  progress(): number;
  /** A copy of what was found so far (see ParseDetails). */
  details(): ParseDetails;
}

/** A parser that always offers its batches (openContactParser, the parse pool). */
export interface BatchedContactParser extends ContactParser {
  batches: AsyncIterable<ParsedRow[]>;
}
