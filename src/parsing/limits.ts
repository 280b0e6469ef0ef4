/**
 * Hard limits of the parsers. They keep memory bounded whatever the input; the per-batch limits
 * (rows, inflated bytes) come from ParseOptions.
 */

/** Upper bound on the bytes buffered for one spreadsheet (the upload limit is 10 MB). */
export const MAX_SPREADSHEET_FILE_BYTES = 10 * 1024 * 1024;

/** Bytes inspected to detect the text encoding (and again at the first non-ASCII byte). */
export const ENCODING_SAMPLE_BYTES = 64 * 1024;

/** Longest CSV record (in characters) accepted by csv-parse; protects against one-line files. */
export const MAX_CSV_RECORD_CHARS = 1024 * 1024;

/** Cells longer than this are truncated (with an issue on the row). */
export const MAX_CELL_CHARS = 1000;

/** Columns beyond this are dropped (with an issue on the row). */
export const MAX_COLUMNS = 200;

/**
 * Columns of an Excel sheet (A to XFD; XLS has 256). A workbook with a cell beyond it is damaged
 * or crafted, and is refused: a row stored as an array up to that cell would be billions long.
 */
export const EXCEL_MAX_COLUMNS = 16_384;

/** A vCard logical line is kept up to this many bytes; the rest (e.g. a PHOTO) is discarded. */
export const MAX_VCARD_LINE_BYTES = 64 * 1024;

/** Rows searched for a header row in each sheet of a workbook. */
export const HEADER_SEARCH_ROWS = 20;

/**
 * Distinct worksheets an XLSX workbook may list (each is searched for a header row). Excel sets
 * no limit; a contact workbook has a few, and every sheet searched costs a part to inflate.
 */
export const MAX_SHEETS = 1_000;

/** Zip entries accepted in an XLSX file. */
export const MAX_ZIP_ENTRIES = 10_000;

export function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}
