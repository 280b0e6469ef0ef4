import { FileContentError } from '../errors.js';
import { describeMapping, headerMapping } from './headers/columnMapping.js';
import { chooseMapping, type SavedMappingCandidate } from './headers/savedMappings.js';
import { pickFields, type HeaderMapping } from './headerSynonyms.js';
import { MAX_CELL_CHARS, MAX_COLUMNS } from './limits.js';
import type { RawContact } from './normalizeContact.js';
import type { ColumnMapping, ParseDetails } from './types.js';
import type { TextEncoding } from './text/encodings.js';

const NO_HEADER_MESSAGE =
  'no contacts found: no column looks like a name, email or phone. The first row must be a ' +
  'header row such as "Name, Email, Phone"';

const NO_MAPPED_HEADER_MESSAGE =
  'no contacts found: the mapping sent with the upload maps no column of this file to a name, ' +
  'email or phone (its headers are matched exactly, as the preview lists them)';

/** What every format parser is given (openContactParser derives it from ParseOptions). */
export interface RowOptions {
  maxRows: number;
  /** The uploader's header -> field mapping (tables only), else null: synonyms. */
  mapping: ColumnMapping | null;
  /** Remembered mappings, used when `mapping` is null and one matches the header row. */
  savedMappings?: readonly SavedMappingCandidate[];
  /** CSV/TXT: the text encoding the uploader chose (no detection), else null. */
  encoding: TextEncoding | null;
  /** Filled in as the file is read. */
  details: ParseDetails;
}

export function isBlankRow(cells: readonly string[]): boolean {
  return cells.every((c) => c.trim() === '');
}

export function tooManyRows(maxRows: number): FileContentError {
  return new FileContentError(
    `file has more than ${maxRows.toLocaleString('en-US')} contact rows, the limit per file; ` +
      'split it into smaller files',
  );
}

/** Header cells -> unique, non-empty column names (empty -> column_N, repeated -> "Phone 2"). */
export function columnNames(header: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return header.slice(0, MAX_COLUMNS).map((h, i) => {
    let name = h
      .replace(/^\uFEFF/, '')
      .trim()
      .slice(0, MAX_CELL_CHARS);
    if (name === '') {
      name = `column_${i + 1}`;
    }
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name} ${n}`;
  });
}

/**
 * Turns the data rows of a table (CSV or sheet) into raw contacts: caps columns and cell length,
 * keeps every non-empty cell in `original`, skips blank rows and enforces maxRows.
 */
export class TableContactBuilder {
  readonly mapping: HeaderMapping;
  private readonly names: string[];
  private count = 0;

  constructor(
    header: readonly string[],
    private readonly opts: RowOptions,
  ) {
    this.names = columnNames(header);
    const choice = chooseMapping(this.names, opts.mapping, opts.savedMappings ?? []);
    this.mapping = headerMapping(this.names, choice.override);
    opts.details.headerRow = this.names;
    opts.details.mapping = describeMapping(this.names, this.mapping);
    opts.details.mappingSource = choice.source;
    opts.details.savedMappingId = choice.savedMappingId;
    if (!this.mapping.recognised) {
      throw new FileContentError(choice.override ? NO_MAPPED_HEADER_MESSAGE : NO_HEADER_MESSAGE);
    }
  }

  /** Number of non-blank data rows seen. */
  get rows(): number {
    return this.count;
  }

  /**
   * The row's mapped fields and cells, not normalised yet (normalizeRows does that, once the
   * file's region is known); null for a blank row. `rowNumber` is the position after the header.
   */
  build(cells: readonly string[], rowNumber: number): RawContact | null {
    if (isBlankRow(cells)) {
      return null;
    }
    this.count++;
    if (this.count > this.opts.maxRows) {
      throw tooManyRows(this.opts.maxRows);
    }
    const issues: string[] = [];
    let kept = cells;
    if (cells.length > MAX_COLUMNS) {
      issues.push(`row has ${cells.length} columns; only the first ${MAX_COLUMNS} were kept`);
      kept = cells.slice(0, MAX_COLUMNS);
    }
    const capped: string[] = [];
    const original: Record<string, string> = {};
    kept.forEach((cell, i) => {
      const name = this.names[i] ?? `column_${i + 1}`;
      let v = cell;
      if (v.length > MAX_CELL_CHARS) {
        v = v.slice(0, MAX_CELL_CHARS);
        issues.push(`column "${name}" was longer than ${MAX_CELL_CHARS} characters and was truncated`);
      }
      capped.push(v);
      if (v.trim() !== '') {
        original[name] = v;
      }
    });
    return { rowNumber, fields: pickFields(this.mapping, capped), original, issues };
  }
}
