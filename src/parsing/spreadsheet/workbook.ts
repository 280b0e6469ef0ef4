import * as XLSX from '@e965/xlsx';
import * as cptable from '@e965/xlsx/dist/cpexcel.full.mjs';
import { notXls, notXlsx, passwordProtected } from './messages.js';
import { isSheetJsEncryptionError } from './sheetJsErrors.js';

// Code pages for legacy (BIFF5 and older) workbooks that are not Windows-1252.
XLSX.set_cptable(cptable);

/** Parses the workbook with SheetJS, reading at most `sheetRows` rows of each sheet. */
export function readWorkbook(buf: Buffer, format: 'xls' | 'xlsx', sheetRows: number): XLSX.WorkBook {
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
    if (isSheetJsEncryptionError(e)) {
      throw passwordProtected();
    }
    throw format === 'xlsx' ? notXlsx() : notXls();
  }
}
