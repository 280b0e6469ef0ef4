import * as XLSX from '@e965/xlsx';
import { FileContentError } from '../errors.js';
import { HEADER_SEARCH_ROWS, MAX_SPREADSHEET_FILE_BYTES, formatMegabytes } from './limits.js';
import { inflateAndScan } from './spreadsheet/inflate.js';
import { CFB_SIGNATURE, ZIP_LOCAL_HEADER, notXls, notXlsx } from './spreadsheet/messages.js';
import { chooseSheet, sheetRowTexts, type ChosenSheet } from './spreadsheet/sheet.js';
import { readWorkbook } from './spreadsheet/workbook.js';
import { streamXlsx } from './spreadsheet/xlsxStream.js';
import { checkZipStructure } from './spreadsheet/zipStructure.js';
import { TableContactBuilder, type RowOptions } from './tabular.js';
import type { RawContact } from './normalizeContact.js';

export interface SpreadsheetOptions extends RowOptions {
  format: 'xls' | 'xlsx';
  maxUncompressedBytes: number;
  /** Rows done / total rows of the chosen sheet. */
  onProgress: (fraction: number) => void;
}

/** Reads the whole input with a hard cap (a zip's directory is at its end). */
async function readAllCapped(input: AsyncIterable<Buffer>, cap: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    size += chunk.length;
    if (size > cap) {
      throw new FileContentError(`file is larger than ${formatMegabytes(cap)}, the upload limit`);
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}

/**
 * An XLSX file is checked as a zip (structure, inflated size, XML tricks) before any part is
 * parsed. Returns the entry names.
 */
async function checkXlsxContainer(
  buf: Buffer,
  maxUncompressedBytes: number,
): Promise<{ names: string[]; inflated: number }> {
  if (buf.length >= 8 && buf.subarray(0, 8).equals(CFB_SIGNATURE)) {
    throw new FileContentError(
      'file is not a valid XLSX workbook: it is an old-format XLS workbook or a password-protected ' +
        'workbook (save it as .xlsx without a password)',
    );
  }
  checkZipStructure(buf, maxUncompressedBytes);
  const { names, inflated } = await inflateAndScan(buf, maxUncompressedBytes);
  if (names.includes('mimetype') && names.includes('content.xml')) {
    throw notXlsx(': it is an OpenDocument (.ods) spreadsheet; save it as .xlsx');
  }
  const hasWorkbook = names.some((n) => /^xl\/workbook\.(xml|bin)$/.test(n));
  if (!names.includes('[Content_Types].xml') || !hasWorkbook) {
    throw notXlsx(' (a zip archive without an Excel workbook inside)');
  }
  return { names, inflated };
}

/** An XLS file must be an OLE2/CFB container. */
function checkXlsContainer(buf: Buffer): void {
  if (buf.length < 512 || !buf.subarray(0, 8).equals(CFB_SIGNATURE)) {
    const zip = buf.subarray(0, 4).equals(ZIP_LOCAL_HEADER);
    throw notXls(zip ? ': it is an XLSX workbook, rename it to .xlsx' : '');
  }
}

/** The sheet with the contacts; refuses a sheet longer than SheetJS was allowed to read. */
function contactSheet(wb: XLSX.WorkBook, opts: SpreadsheetOptions, sheetRows: number): ChosenSheet {
  const { maxRows } = opts;
  const chosen = chooseSheet(wb, opts.mapping, opts.savedMappings);
  if (!chosen) {
    throw new FileContentError(
      `no contacts found: no column looks like a name, email or phone (checked the first ` +
        `${HEADER_SEARCH_ROWS} rows of every sheet)`,
    );
  }
  // SheetJS stopped reading at sheetRows: rows beyond it would be lost silently, so refuse.
  const full: unknown = chosen.ws['!fullref'];
  if (typeof full === 'string' && XLSX.utils.decode_range(full).e.r > chosen.range.e.r) {
    throw new FileContentError(
      `sheet "${chosen.name}" has more than ${sheetRows.toLocaleString('en-US')} rows; the limit is ` +
        `${maxRows.toLocaleString('en-US')} contacts per file, split it into smaller files`,
    );
  }
  return chosen;
}

/**
 * Reads an XLS/XLSX upload: container checks, then an XLSX workbook is streamed
 * (spreadsheet/xlsxStream.ts); legacy XLS and binary XLSB go through SheetJS, which holds the
 * workbook in memory (bounded by the 10 MB input).
 */
export async function* parseSpreadsheet(
  input: AsyncIterable<Buffer>,
  opts: SpreadsheetOptions,
): AsyncGenerator<RawContact> {
  // One extra row beyond the limit (after a header within the first rows) detects "too many".
  const sheetRows = opts.maxRows + HEADER_SEARCH_ROWS + 1;
  const buf = await readAllCapped(input, MAX_SPREADSHEET_FILE_BYTES);
  let dataBytes = buf.length;
  if (opts.format === 'xlsx') {
    const { names, inflated } = await checkXlsxContainer(buf, opts.maxUncompressedBytes);
    if (names.some((n) => n.toLowerCase() === 'xl/workbook.xml')) {
      yield* streamXlsx(buf, { ...opts, sheetRowLimit: sheetRows });
      return;
    }
    dataBytes = Math.max(dataBytes, inflated); // an XLSB: SheetJS reads its parts inflated
  } else {
    checkXlsContainer(buf);
  }
  yield* sheetJsRows(await readWorkbook(buf, opts.format, sheetRows, dataBytes), opts, sheetRows);
}

/** The contact rows of a workbook SheetJS has read. */
function* sheetJsRows(wb: XLSX.WorkBook, opts: SpreadsheetOptions, sheetRows: number): Generator<RawContact> {
  const { ws, range, headerRow } = contactSheet(wb, opts, sheetRows);
  const builder = new TableContactBuilder(sheetRowTexts(ws, range, headerRow), opts);
  const total = Math.max(range.e.r - headerRow, 1);
  for (let r = headerRow + 1; r <= range.e.r; r++) {
    const row = builder.build(sheetRowTexts(ws, range, r), r - headerRow);
    opts.onProgress(Math.min((r - headerRow) / total, 0.99));
    if (row) {
      yield row;
    }
  }
  if (builder.rows === 0) {
    throw new FileContentError('no contacts found: the sheet has a header row but no data rows');
  }
}
