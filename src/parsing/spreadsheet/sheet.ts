import * as XLSX from '@e965/xlsx';
import { headerMapping } from '../headers/columnMapping.js';
import { chooseMapping, type SavedMappingCandidate } from '../headers/savedMappings.js';
import { FileContentError } from '../../errors.js';
import { EXCEL_MAX_COLUMNS, HEADER_SEARCH_ROWS } from '../limits.js';
import { columnNames, isBlankRow } from '../tabular.js';
import type { ColumnMapping } from '../types.js';

/** Reading cells and rows of a SheetJS worksheet, and finding the sheet with the contacts. */

/**
 * Text the user sees in a cell; integers that General format or a scientific format would show
 * as 4.91511E+12 keep all their digits (the cell has them; a phone stored as a number needs them).
 */
function cellText(cell: XLSX.CellObject | undefined): string {
  if (!cell) {
    return '';
  }
  if (cell.t === 'n' && typeof cell.v === 'number') {
    const fmt = typeof cell.z === 'string' ? cell.z : 'General';
    const scientific = cell.w === undefined ? fmt.toLowerCase() === 'general' : /\de[+-]?\d/i.test(cell.w);
    if (Number.isInteger(cell.v) && Math.abs(cell.v) <= Number.MAX_SAFE_INTEGER && scientific) {
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

/**
 * The texts of row `r`, up to its last cell within `range`. Only the row's own cells are visited:
 * a damaged dimension record (one flipped byte of an XLSB) can declare billions of columns for a
 * sheet of four, and visiting the declared range made a 10 KB file allocate until V8 killed the
 * process. A row that really holds a cell beyond Excel's last column is refused.
 */
export function sheetRowTexts(ws: XLSX.WorkSheet, range: XLSX.Range, r: number): string[] {
  const row = ws['!data']?.[r];
  const out: string[] = [];
  if (!row) {
    return out;
  }
  if (row.length > EXCEL_MAX_COLUMNS) {
    throw new FileContentError(
      `row ${r + 1} has a cell beyond Excel's last column (XFD): the workbook is damaged; ` +
        'open it in Excel and save it again',
    );
  }
  const last = Math.min(range.e.c, row.length - 1);
  for (let c = 0; c <= last; c++) {
    out.push(cellText(row[c]));
  }
  // Trailing empty cells carry nothing.
  while (out.length > 0 && out[out.length - 1] === '') {
    out.pop();
  }
  return out;
}

export interface ChosenSheet {
  name: string;
  ws: XLSX.WorkSheet;
  range: XLSX.Range;
  headerRow: number;
}

/**
 * First sheet whose first rows contain a header row; the row with most mapped columns wins,
 * mapped by the uploader's mapping when there is one (its headers may mean nothing to the
 * synonyms), else by the synonyms.
 */
export function chooseSheet(
  wb: XLSX.WorkBook,
  override: ColumnMapping | null = null,
  saved: readonly SavedMappingCandidate[] = [],
): ChosenSheet | null {
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
      const names = columnNames(cells);
      const mapping = headerMapping(names, chooseMapping(names, override, saved).override);
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
