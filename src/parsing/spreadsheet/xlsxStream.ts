import { FileContentError } from '../../errors.js';
import { headerMapping } from '../headers/columnMapping.js';
import { chooseMapping } from '../headers/savedMappings.js';
import { HEADER_SEARCH_ROWS, MAX_SHEETS } from '../limits.js';
import { RowBudget } from '../rowBudget.js';
import { TableContactBuilder, columnNames, isBlankRow, type RowOptions } from '../tabular.js';
import type { RawContact } from '../normalizeContact.js';
import { readSharedStrings } from './sharedStrings.js';
import { sheetRows, type CellContext, type SheetRow } from './sheetRows.js';
import { readNumberFormats, readWorkbookInfo, type SheetRef } from './workbookParts.js';
import { ZipParts } from './zipParts.js';

export interface XlsxStreamOptions extends RowOptions {
  /** Inflated bytes parsed at most, all parts and passes together (MAX_UNCOMPRESSED_BYTES). */
  maxUncompressedBytes: number;
  /** Rows of a sheet read at most (header search + maxRows + 1); a longer sheet is refused. */
  sheetRowLimit: number;
  /** Fraction of the contact sheet's XML read. */
  onProgress: (fraction: number) => void;
}

interface Header {
  sheet: SheetRef;
  row: SheetRow;
}

/** What the header search of one sheet found, and the rows it read past the header. */
interface HeaderSearch {
  header: Header | null;
  /** Non-empty rows read after the header row during the search, to be read as data rows. */
  after: SheetRow[];
}

/**
 * The header row of a sheet: among its first HEADER_SEARCH_ROWS rows (from its first row with a
 * value), the row with the most recognised columns; the earliest wins a tie. Reads the sheet's
 * rows from `rows` up to the end of that window (at most HEADER_SEARCH_ROWS rows with cells, even
 * when a crafted sheet repeats one row number) and leaves the rest to the caller.
 */
async function findHeader(
  rows: AsyncIterator<SheetRow>,
  sheet: SheetRef,
  override: RowOptions['mapping'],
  saved: RowOptions['savedMappings'],
): Promise<HeaderSearch> {
  let first = -1;
  let best: { row: SheetRow; mapped: number } | null = null;
  const seen: SheetRow[] = [];
  for (let r = await rows.next(); r.done !== true; r = await rows.next()) {
    const row = r.value;
    if (row.cells.length === 0) {
      continue;
    }
    first = first < 0 ? row.index : first;
    seen.push(row);
    if (row.index > first + HEADER_SEARCH_ROWS - 1 || seen.length > HEADER_SEARCH_ROWS) {
      break;
    }
    if (isBlankRow(row.cells)) {
      continue;
    }
    // The uploader's mapping, when given, also decides which row is the header (as for SheetJS).
    const names = columnNames(row.cells);
    const mapping = headerMapping(names, chooseMapping(names, override, saved ?? []).override);
    const mapped = mapping.columns.filter((c) => c !== null).length;
    if (mapping.recognised && (!best || mapped > best.mapped)) {
      best = { row, mapped };
    }
  }
  if (!best) {
    return { header: null, after: [] };
  }
  const header = best.row;
  return { header: { sheet, row: header }, after: seen.slice(seen.indexOf(header) + 1) };
}

function sheetTooLong(sheet: SheetRef, opts: XlsxStreamOptions): FileContentError {
  return new FileContentError(
    `sheet "${sheet.name}" has more than ${opts.sheetRowLimit.toLocaleString('en-US')} rows; the limit ` +
      `is ${opts.maxRows.toLocaleString('en-US')} contacts per file, split it into smaller files`,
  );
}

/**
 * The contact rows below the header: the rows the search read past it, then the rest of the
 * same row stream (the sheet is read once); `rowNumber` counts rows after the header.
 */
async function* contactRows(
  header: Header,
  after: SheetRow[],
  rest: AsyncIterator<SheetRow>,
  opts: XlsxStreamOptions,
): AsyncGenerator<RawContact> {
  const builder = new TableContactBuilder(header.row.cells, opts);
  const build = (row: SheetRow): RawContact | null => {
    if (row.index <= header.row.index) {
      return null;
    }
    if (row.index >= opts.sheetRowLimit && row.cells.length > 0) {
      throw sheetTooLong(header.sheet, opts);
    }
    return builder.build(row.cells, row.index - header.row.index);
  };
  for (const row of after) {
    const parsed = build(row);
    if (parsed) {
      yield parsed;
    }
  }
  for (let r = await rest.next(); r.done !== true; r = await rest.next()) {
    const parsed = build(r.value);
    if (parsed) {
      yield parsed;
    }
  }
  if (builder.rows === 0) {
    throw new FileContentError('no contacts found: the sheet has a header row but no data rows');
  }
}

/** The rows of one worksheet one by one, each counted against the file's RowBudget. */
async function* rowsOf(
  parts: ZipParts,
  sheet: SheetRef,
  ctx: CellContext,
  budget: RowBudget,
  onProgress: (fraction: number) => void,
): AsyncGenerator<SheetRow> {
  for await (const batch of sheetRows(parts, sheet.path, ctx, onProgress)) {
    for (const row of batch) {
      budget.take();
      yield row;
    }
  }
}

/**
 * The sheets to search, in workbook order: a worksheet part listed more than once is searched
 * once (its first listing), and a workbook listing more than MAX_SHEETS is refused.
 */
export function sheetsToSearch(sheets: readonly SheetRef[]): SheetRef[] {
  const byPath = new Map<string, SheetRef>();
  for (const sheet of sheets) {
    const key = sheet.path.toLowerCase();
    if (!byPath.has(key)) {
      byPath.set(key, sheet);
    }
  }
  if (byPath.size > MAX_SHEETS) {
    throw new FileContentError(
      `the workbook has ${byPath.size.toLocaleString('en-US')} sheets; at most ` +
        `${MAX_SHEETS.toLocaleString('en-US')} are read. Move the contacts to a workbook with fewer ` +
        'sheets, or save the contact sheet as CSV',
    );
  }
  return [...byPath.values()];
}

/**
 * Reads an XLSX workbook as streams: the small parts (workbook, relationships, styles) and the
 * shared-strings table first, then the first sheet with a header row, one inflated chunk at a
 * time. Memory holds the compressed file, the shared strings and one chunk of rows. Every part
 * is read at most once (the header search and the contact rows share one pass over the sheet).
 */
export async function* streamXlsx(buf: Buffer, opts: XlsxStreamOptions): AsyncGenerator<RawContact> {
  const parts = await ZipParts.open(buf, opts.maxUncompressedBytes);
  try {
    const info = await readWorkbookInfo(parts);
    const sheets = sheetsToSearch(info.sheets);
    const ctx: CellContext = {
      strings: await readSharedStrings(parts, info.sharedStrings),
      formats: await readNumberFormats(parts, info.styles),
      date1904: info.date1904,
    };
    const budget = new RowBudget(opts.maxRows);
    for (const sheet of sheets) {
      // Progress is the contact sheet's, reported once its header is found.
      let contactSheet = false;
      const onProgress = (f: number) => contactSheet && opts.onProgress(Math.min(f, 0.99));
      const rows = rowsOf(parts, sheet, ctx, budget, onProgress);
      try {
        const { header, after } = await findHeader(rows, sheet, opts.mapping, opts.savedMappings);
        if (header) {
          contactSheet = true;
          yield* contactRows(header, after, rows, opts);
          return;
        }
      } finally {
        await rows.return(undefined);
      }
    }
    throw new FileContentError(
      `no contacts found: no column looks like a name, email or phone (checked the first ` +
        `${HEADER_SEARCH_ROWS} rows of every sheet)`,
    );
  } finally {
    parts.close();
  }
}
