import { FileContentError } from '../../errors.js';
import { headerMapping } from '../headers/columnMapping.js';
import { HEADER_SEARCH_ROWS } from '../limits.js';
import { TableContactBuilder, columnNames, isBlankRow, type RowOptions } from '../tabular.js';
import type { RawContact } from '../normalizeContact.js';
import { readSharedStrings } from './sharedStrings.js';
import { sheetRows, type CellContext, type SheetRow } from './sheetRows.js';
import { readNumberFormats, readWorkbookInfo, type SheetRef } from './workbookParts.js';
import { ZipParts } from './zipParts.js';

export interface XlsxStreamOptions extends RowOptions {
  /** Rows of a sheet read at most (header search + maxRows + 1); a longer sheet is refused. */
  sheetRowLimit: number;
  /** Fraction of the contact sheet's XML read. */
  onProgress: (fraction: number) => void;
}

interface Header {
  sheet: SheetRef;
  row: SheetRow;
}

/**
 * The header row of a sheet: among its first HEADER_SEARCH_ROWS rows (from its first row with a
 * value), the row with the most recognised columns; the earliest wins a tie. Stops reading the
 * sheet after those rows.
 */
async function findHeader(
  parts: ZipParts,
  sheet: SheetRef,
  ctx: CellContext,
  override: RowOptions['mapping'],
): Promise<Header | null> {
  let first = -1;
  let best: { row: SheetRow; mapped: number } | null = null;
  for await (const batch of sheetRows(parts, sheet.path, ctx)) {
    for (const row of batch) {
      if (row.cells.length === 0) {
        continue;
      }
      first = first < 0 ? row.index : first;
      if (row.index > first + HEADER_SEARCH_ROWS - 1) {
        return best && { sheet, row: best.row };
      }
      if (isBlankRow(row.cells)) {
        continue;
      }
      // The uploader's mapping, when given, also decides which row is the header (as for SheetJS).
      const mapping = headerMapping(columnNames(row.cells), override);
      const mapped = mapping.columns.filter((c) => c !== null).length;
      if (mapping.recognised && (!best || mapped > best.mapped)) {
        best = { row, mapped };
      }
    }
  }
  return best && { sheet, row: best.row };
}

function sheetTooLong(sheet: SheetRef, opts: XlsxStreamOptions): FileContentError {
  return new FileContentError(
    `sheet "${sheet.name}" has more than ${opts.sheetRowLimit.toLocaleString('en-US')} rows; the limit ` +
      `is ${opts.maxRows.toLocaleString('en-US')} contacts per file, split it into smaller files`,
  );
}

/** The contact rows below the header, streamed; `rowNumber` counts rows after the header. */
async function* contactRows(
  parts: ZipParts,
  header: Header,
  ctx: CellContext,
  opts: XlsxStreamOptions,
): AsyncGenerator<RawContact> {
  const builder = new TableContactBuilder(header.row.cells, opts);
  const onProgress = (f: number) => opts.onProgress(Math.min(f, 0.99));
  for await (const batch of sheetRows(parts, header.sheet.path, ctx, onProgress)) {
    for (const row of batch) {
      if (row.index <= header.row.index) {
        continue;
      }
      if (row.index >= opts.sheetRowLimit && row.cells.length > 0) {
        throw sheetTooLong(header.sheet, opts);
      }
      const parsed = builder.build(row.cells, row.index - header.row.index);
      if (parsed) {
        yield parsed;
      }
    }
  }
  if (builder.rows === 0) {
    throw new FileContentError('no contacts found: the sheet has a header row but no data rows');
  }
}

/**
 * Reads an XLSX workbook as streams: the small parts (workbook, relationships, styles) and the
 * shared-strings table first, then the first sheet with a header row, one inflated chunk at a
 * time. Memory holds the compressed file, the shared strings and one chunk of rows.
 */
export async function* streamXlsx(buf: Buffer, opts: XlsxStreamOptions): AsyncGenerator<RawContact> {
  const parts = await ZipParts.open(buf);
  try {
    const info = await readWorkbookInfo(parts);
    const ctx: CellContext = {
      strings: await readSharedStrings(parts, info.sharedStrings),
      formats: await readNumberFormats(parts, info.styles),
      date1904: info.date1904,
    };
    for (const sheet of info.sheets) {
      const header = await findHeader(parts, sheet, ctx, opts.mapping);
      if (header) {
        yield* contactRows(parts, header, ctx, opts);
        return;
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
