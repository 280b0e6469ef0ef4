import * as XLSX from '@e965/xlsx';
import * as cptable from '@e965/xlsx/dist/cpexcel.full.mjs';
import yauzl from 'yauzl';
import { FileContentError } from '../errors.js';
import {
  HEADER_SEARCH_ROWS,
  MAX_SPREADSHEET_FILE_BYTES,
  MAX_ZIP_ENTRIES,
  formatMegabytes,
} from './limits.js';
import { mapHeaders } from './headerSynonyms.js';
import { TableContactBuilder, columnNames, isBlankRow } from './tabular.js';
import type { ParsedRow } from './types.js';

// Code pages for legacy (BIFF5 and older) workbooks that are not Windows-1252.
XLSX.set_cptable(cptable);

const ZIP_LOCAL_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

export interface SpreadsheetOptions {
  format: 'xls' | 'xlsx';
  maxRows: number;
  maxUncompressedBytes: number;
  defaultRegion: string;
  /** Rows done / total rows of the chosen sheet. */
  onProgress: (fraction: number) => void;
}

const notXlsx = (detail = '') => new FileContentError(`file is not a valid XLSX workbook${detail}`);
const notXls = (detail = '') => new FileContentError(`file is not a valid XLS workbook${detail}`);
const passwordProtected = () =>
  new FileContentError(
    'the workbook is password-protected; remove the password in Excel and upload it again',
  );

/** Reads the whole input with a hard cap (spreadsheets are not streamable). */
export async function readAllCapped(input: AsyncIterable<Buffer>, cap: number): Promise<Buffer> {
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

function tooBig(cap: number): FileContentError {
  return new FileContentError(
    `file expands to more than ${formatMegabytes(cap)} when unpacked; it is not a normal contact ` +
      'workbook (split it into smaller files or save it as CSV)',
  );
}

/**
 * Structural checks of the zip before SheetJS sees it:
 * - the end-of-central-directory record is exactly at the end (no comment, no zip64, one disk),
 *   so every zip reader finds the same directory;
 * - each local header agrees with the central directory on method and sizes (SheetJS trusts
 *   the local header, yauzl the central directory, so both inflate the same bytes);
 * - no encryption, total declared uncompressed size <= cap.
 */
function checkZipStructure(buf: Buffer, cap: number): void {
  if (buf.length < 22 || !buf.subarray(0, 4).equals(ZIP_LOCAL_HEADER)) {
    throw notXlsx(' (it is not a zip archive)');
  }
  const eocd = buf.length - 22;
  if (buf.readUInt32LE(eocd) !== 0x06054b50) {
    throw notXlsx(' (the zip archive is damaged or has a trailing comment)');
  }
  const diskEntries = buf.readUInt16LE(eocd + 8);
  const totalEntries = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (
    buf.readUInt16LE(eocd + 4) !== 0 ||
    buf.readUInt16LE(eocd + 6) !== 0 ||
    diskEntries !== totalEntries ||
    totalEntries === 0xffff ||
    cdOffset === 0xffffffff ||
    cdOffset + cdSize > eocd
  ) {
    throw notXlsx(' (unsupported or damaged zip archive)');
  }
  if (totalEntries > MAX_ZIP_ENTRIES) {
    throw notXlsx(` (it contains ${totalEntries} files)`);
  }
  let p = cdOffset;
  let declared = 0;
  for (let i = 0; i < totalEntries; i++) {
    if (p + 46 > eocd || buf.readUInt32LE(p) !== 0x02014b50) {
      throw notXlsx(' (damaged zip directory)');
    }
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const csz = buf.readUInt32LE(p + 20);
    const usz = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    if (flags & 0x41) {
      throw passwordProtected();
    }
    if (csz === 0xffffffff || usz === 0xffffffff || local === 0xffffffff) {
      throw notXlsx(' (zip64 archives are not supported)');
    }
    if (method !== 0 && method !== 8) {
      throw notXlsx(' (unsupported zip compression)');
    }
    declared += usz;
    if (declared > cap) {
      throw tooBig(cap);
    }
    if (local + 30 > cdOffset || buf.readUInt32LE(local) !== 0x04034b50) {
      throw notXlsx(' (damaged zip entry)');
    }
    const lFlags = buf.readUInt16LE(local + 6);
    const lMethod = buf.readUInt16LE(local + 8);
    const lCsz = buf.readUInt32LE(local + 18);
    const lUsz = buf.readUInt32LE(local + 22);
    const sizesInDescriptor = (lFlags & 0x08) !== 0 && lCsz === 0 && lUsz === 0;
    if (lMethod !== method || (!sizesInDescriptor && (lCsz !== csz || lUsz !== usz))) {
      throw notXlsx(' (zip entry headers disagree)');
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
}

/** Matches `<!DOCTYPE` / `<!ENTITY` across chunk boundaries. */
const XML_TRICK = /<!\s*(doctype|entity)/i;

/**
 * Inflates every entry with yauzl (entry sizes validated), counting bytes against the cap and
 * scanning XML parts for DOCTYPE/ENTITY declarations (billion laughs, external entities).
 * Returns the entry names.
 */
async function inflateAndScan(buf: Buffer, cap: number): Promise<string[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.fromBuffer(
      buf,
      { lazyEntries: true, validateEntrySizes: true, decodeStrings: true, strictFileNames: false },
      (err, z) => (err ? reject(notXlsx(` (${err.message})`)) : resolve(z)),
    );
  });
  const names: string[] = [];
  let inflated = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (e: Error) => reject(notXlsx(` (${e.message})`)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        if (entry.fileName.endsWith('/')) {
          zip.readEntry();
          return;
        }
        const isXml = /\.(xml|rels|vml)$/i.test(entry.fileName);
        zip.openReadStream(entry, (err, stream) => {
          if (err) {
            reject(notXlsx(` (${err.message})`));
            return;
          }
          let tail = '';
          let first = true;
          let failed = false;
          const abort = (e: FileContentError) => {
            if (failed) {
              return;
            }
            failed = true;
            stream.unpipe();
            stream.destroy();
            reject(e);
          };
          stream.on('data', (chunk: Buffer) => {
            if (failed) {
              return;
            }
            inflated += chunk.length;
            if (inflated > cap) {
              abort(tooBig(cap));
              return;
            }
            if (!isXml) {
              return;
            }
            if (first) {
              first = false;
              if (chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || chunk[1] === 0x00)) {
                abort(notXlsx(` (unsupported text encoding in ${entry.fileName})`));
                return;
              }
            }
            const text = tail + chunk.toString('latin1');
            if (XML_TRICK.test(text)) {
              abort(
                new FileContentError(
                  'file is not a valid XLSX workbook: it contains XML DOCTYPE/ENTITY declarations, ' +
                    'which Excel never writes',
                ),
              );
              return;
            }
            tail = text.slice(-16);
          });
          stream.on('error', (e: Error) => abort(notXlsx(` (${e.message})`)));
          stream.on('end', () => {
            if (!failed) {
              zip.readEntry();
            }
          });
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return names;
}

/** Text the user sees in a cell; large General-format integers keep all their digits. */
export function cellText(cell: XLSX.CellObject | undefined): string {
  if (!cell) {
    return '';
  }
  if (cell.t === 'n' && typeof cell.v === 'number') {
    const fmt = typeof cell.z === 'string' ? cell.z : 'General';
    if (
      Number.isInteger(cell.v) &&
      Math.abs(cell.v) <= Number.MAX_SAFE_INTEGER &&
      (cell.w === undefined || /e[+-]?\d/i.test(cell.w)) &&
      fmt.toLowerCase() === 'general'
    ) {
      return String(cell.v);
    }
  }
  if (typeof cell.w === 'string') {
    return cell.w;
  }
  if (cell.v === undefined || cell.v === null) {
    return '';
  }
  if (cell.v instanceof Date) {
    return cell.v.toISOString().slice(0, 10);
  }
  return String(cell.v);
}

function sheetRowTexts(ws: XLSX.WorkSheet, range: XLSX.Range, r: number): string[] {
  const data = ws['!data'];
  const row = data?.[r];
  const out: string[] = [];
  for (let c = 0; c <= range.e.c; c++) {
    out.push(cellText(row?.[c]));
  }
  // Trailing empty cells carry nothing.
  while (out.length > 0 && out[out.length - 1] === '') {
    out.pop();
  }
  return out;
}

interface ChosenSheet {
  name: string;
  ws: XLSX.WorkSheet;
  range: XLSX.Range;
  headerRow: number;
}

/** First sheet whose first rows contain a header row; the row with most mapped columns wins. */
function chooseSheet(wb: XLSX.WorkBook): ChosenSheet | null {
  for (const name of wb.SheetNames) {
    const ws = wb.Sheets[name];
    const ref = ws?.['!ref'];
    if (!ws || !ref) {
      continue;
    }
    const range = XLSX.utils.decode_range(ref);
    let best: { row: number; mapped: number } | null = null;
    const last = Math.min(range.e.r, range.s.r + HEADER_SEARCH_ROWS - 1);
    for (let r = range.s.r; r <= last; r++) {
      const cells = sheetRowTexts(ws, range, r);
      if (isBlankRow(cells)) {
        continue;
      }
      const mapping = mapHeaders(columnNames(cells));
      if (!mapping.recognised) {
        continue;
      }
      const mapped = mapping.columns.filter((c) => c !== null).length;
      if (!best || mapped > best.mapped) {
        best = { row: r, mapped };
      }
    }
    if (best) {
      return { name, ws, range, headerRow: best.row };
    }
  }
  return null;
}

function readWorkbook(buf: Buffer, format: 'xls' | 'xlsx', sheetRows: number): XLSX.WorkBook {
  try {
    return XLSX.read(buf, {
      type: 'buffer',
      sheetRows,
      dense: true,
      cellNF: true,
      cellDates: false,
      cellHTML: false,
      cellFormula: false,
      cellStyles: false,
      bookVBA: false,
      bookDeps: false,
      WTF: false,
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/password|encrypt/i.test(msg)) {
      throw passwordProtected();
    }
    throw format === 'xlsx' ? notXlsx() : notXls();
  }
}

export async function* parseSpreadsheet(
  input: AsyncIterable<Buffer>,
  opts: SpreadsheetOptions,
): AsyncGenerator<ParsedRow> {
  let buf: Buffer | null = await readAllCapped(input, MAX_SPREADSHEET_FILE_BYTES);
  if (opts.format === 'xlsx') {
    if (buf.length >= 8 && buf.subarray(0, 8).equals(CFB_SIGNATURE)) {
      throw new FileContentError(
        'file is not a valid XLSX workbook: it is an old-format XLS workbook or a password-protected ' +
          'workbook (save it as .xlsx without a password)',
      );
    }
    checkZipStructure(buf, opts.maxUncompressedBytes);
    const names = await inflateAndScan(buf, opts.maxUncompressedBytes);
    if (names.includes('mimetype') && names.includes('content.xml')) {
      throw notXlsx(': it is an OpenDocument (.ods) spreadsheet; save it as .xlsx');
    }
    if (!names.includes('[Content_Types].xml') || !names.some((n) => /^xl\/workbook\.(xml|bin)$/.test(n))) {
      throw notXlsx(' (a zip archive without an Excel workbook inside)');
    }
  } else if (buf.length < 512 || !buf.subarray(0, 8).equals(CFB_SIGNATURE)) {
    throw notXls(
      buf.subarray(0, 4).equals(ZIP_LOCAL_HEADER) ? ': it is an XLSX workbook, rename it to .xlsx' : '',
    );
  }

  // One extra row beyond the limit (after a header within the first rows) detects "too many".
  const sheetRows = opts.maxRows + HEADER_SEARCH_ROWS + 1;
  const wb = readWorkbook(buf, opts.format, sheetRows);
  buf = null;
  const chosen = chooseSheet(wb);
  if (!chosen) {
    throw new FileContentError(
      `no contacts found: no column looks like a name, email or phone (checked the first ` +
        `${HEADER_SEARCH_ROWS} rows of every sheet)`,
    );
  }
  const { ws, range, headerRow } = chosen;
  // SheetJS stopped reading at sheetRows: rows beyond it would be lost silently, so refuse.
  const full: unknown = ws['!fullref'];
  if (typeof full === 'string' && XLSX.utils.decode_range(full).e.r > range.e.r) {
    throw new FileContentError(
      `sheet "${chosen.name}" has more than ${sheetRows.toLocaleString('en-US')} rows; the limit is ` +
        `${opts.maxRows.toLocaleString('en-US')} contacts per file, split it into smaller files`,
    );
  }
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
