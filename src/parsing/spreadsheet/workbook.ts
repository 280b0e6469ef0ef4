import * as XLSX from '@e965/xlsx';
import { withBoundedReads } from './boundedReads.js';
import { notXls, notXlsx, passwordProtected } from './messages.js';
import { isSheetJsEncryptionError } from './sheetJsErrors.js';
import { synchronousReadEnds, synchronousReadStarts } from './synchronousReads.js';

let codePages: Promise<void> | null = null;

/**
 * Code pages for legacy (BIFF5 and older) workbooks that are not Windows-1252, loaded by the first
 * workbook SheetJS reads. Only SheetJS's own reader (XLS, XLSB) uses them; the streamed XLSX path
 * never does, and their tables cost a parse thread ~16–20 MiB of heap (docs/performance.md).
 */
function loadCodePages(): Promise<void> {
  codePages ??= import('@e965/xlsx/dist/cpexcel.full.mjs').then((cptable) => XLSX.set_cptable(cptable));
  return codePages;
}

/**
 * Parses the workbook with SheetJS, reading at most `sheetRows` rows of each sheet. `dataBytes`:
 * how much SheetJS reads (the file for an XLS, its inflated parts for an XLSB), which the parse
 * pool scales the call's deadline by (synchronousReads.ts).
 */
export async function readWorkbook(
  buf: Buffer,
  format: 'xls' | 'xlsx',
  sheetRows: number,
  dataBytes: number = buf.length,
): Promise<XLSX.WorkBook> {
  await loadCodePages();
  synchronousReadStarts(dataBytes);
  try {
    // A damaged record must end in an error, not in a read that never ends (boundedReads.ts).
    return withBoundedReads(() =>
      XLSX.read(buf, {
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
      }),
    );
  } catch (e) {
    if (isSheetJsEncryptionError(e)) {
      throw passwordProtected();
    }
    throw format === 'xlsx' ? notXlsx() : notXls();
  } finally {
    synchronousReadEnds();
  }
}
