/**
 * Peak memory of parsing the bench's XLSX (96k rows, 10 MB) in a fresh process, streaming reader
 * against the SheetJS path the XLSX format used before (kept for .xls):
 *
 *   tsx bench/micro/xlsxMemory.ts write /tmp/bench.xlsx      # once: generate the file
 *   tsx bench/micro/xlsxMemory.ts stream /tmp/bench.xlsx     # one fresh process per measurement
 *   tsx bench/micro/xlsxMemory.ts sheetjs /tmp/bench.xlsx
 *
 * Prints VmHWM (peak RSS) before and after parsing, from /proc/self/status.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { chooseSheet, sheetRowTexts } from '../../src/parsing/spreadsheet/sheet.js';
import { readWorkbook } from '../../src/parsing/spreadsheet/workbook.js';
import { normalizeContact } from '../../src/parsing/normalizeContact.js';
import { TableContactBuilder } from '../../src/parsing/tabular.js';
import { contactsCsv, contactsXlsx } from '../lib/data.js';
import { parseInMemory } from '../lib/parse.js';

function statusMiB(field: string): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Math.round(Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) / 1024);
}

/** The XLSX path before streaming: SheetJS reads the whole workbook, then rows are built. */
async function viaSheetJs(buf: Buffer): Promise<number> {
  const wb = await readWorkbook(buf, 'xlsx', 1_000_021);
  const chosen = chooseSheet(wb);
  if (!chosen) {
    throw new Error('no contact sheet');
  }
  const { ws, range, headerRow } = chosen;
  const builder = new TableContactBuilder(sheetRowTexts(ws, range, headerRow), {
    maxRows: 1_000_000,
    mapping: null,
    encoding: null,
    details: { encoding: null, delimiter: null, headerRow: null, mapping: null, regionInference: null },
  });
  let rows = 0;
  for (let r = headerRow + 1; r <= range.e.r; r++) {
    const raw = builder.build(sheetRowTexts(ws, range, r), r - headerRow);
    if (raw) {
      normalizeContact(raw, 'US');
      rows++;
    }
  }
  return rows;
}

const [mode, file] = [process.argv[2], process.argv[3] ?? '/tmp/bench.xlsx'];
if (mode === 'write') {
  const xlsx = contactsXlsx(contactsCsv(10_000_000).contacts, 10_000_000);
  writeFileSync(file, xlsx.bytes);
  console.log(`wrote ${file}: ${xlsx.rows} rows, ${xlsx.bytes.length} bytes`);
} else {
  const buf = readFileSync(file);
  const before = statusMiB('VmHWM');
  const started = process.hrtime.bigint();
  const rows =
    mode === 'sheetjs' ? await viaSheetJs(buf) : (await parseInMemory(buf, 'xlsx', { keep: false })).rows;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(
    `${mode}: ${rows} rows in ${ms.toFixed(0)} ms; peak RSS ${statusMiB('VmHWM')} MiB (before parsing ${before} MiB)`,
  );
}
