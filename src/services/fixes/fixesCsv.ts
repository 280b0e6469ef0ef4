import { CsvError, parse } from 'csv-parse';
import type { Readable } from 'node:stream';
import { PayloadTooLargeError, ValidationError } from '../../errors.js';
import { ERRORS_CSV_HEADINGS } from '../../parsing/csvOutput.js';
import { MAX_CELL_CHARS } from '../../parsing/limits.js';
import { MAX_FIX_CSV_BYTES, MAX_FIX_ROWS } from './fixLimits.js';

/** One line of a corrected errors.csv: the row number and its cells (header -> text, non-empty). */
export interface CsvFixRow {
  rowNumber: number;
  cells: Record<string, string>;
}

/**
 * errors.csv guards formula starts with a `'` (csvOutput.ts, neutraliseFormulas); reading the file
 * back removes exactly those guards, so `'+4915112345678` is the number it was written from.
 */
const FORMULA_GUARD = /(?<=^|[,;\t\r\n])'(?=[=+\-@\t\r])/g;

const bad = (message: string) => new ValidationError(`corrected errors.csv: ${message}`);

/** Counts bytes as they pass, stopping the read past the limit (the file is never buffered whole). */
async function* capped(file: Readable): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of file) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    if (bytes > MAX_FIX_CSV_BYTES) {
      file.destroy();
      throw new PayloadTooLargeError(
        `corrected errors.csv is over ${MAX_FIX_CSV_BYTES / 1024 / 1024} MiB; send it in parts of at most ${MAX_FIX_ROWS} rows`,
      );
    }
    yield buffer;
  }
}

/** Where each part of a line is: the file's columns by position, and the `other columns` JSON cell. */
interface Layout {
  columns: Array<{ name: string; index: number }>;
  otherColumns: number | null;
}

/**
 * The header line: `row`, `reason`, the file's columns and `other columns`; a person may add
 * columns after it (a header the first invalid row had no cell for), so it need not be last.
 */
function layoutOf(header: string[]): Layout {
  const { row, reason, otherColumns } = ERRORS_CSV_HEADINGS;
  if (header[0] !== row || header[1] !== reason) {
    throw bad(`the first line must be the headings of errors.csv ("${row}", "${reason}", then the columns)`);
  }
  const columns: Layout['columns'] = [];
  let other: number | null = null;
  header.forEach((name, index) => {
    if (index < 2) {
      return;
    }
    if (name === otherColumns && other === null) {
      other = index;
    } else if (name.trim() !== '') {
      columns.push({ name: name.trim(), index });
    }
  });
  return { columns, otherColumns: other };
}

function otherCells(text: string, rowNumber: number): Record<string, string> {
  if (text.trim() === '') {
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad(`row ${rowNumber}: "${ERRORS_CSV_HEADINGS.otherColumns}" is not the JSON object it was`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw bad(`row ${rowNumber}: "${ERRORS_CSV_HEADINGS.otherColumns}" is not the JSON object it was`);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function toFixRow(line: string[], layout: Layout): CsvFixRow {
  const rowText = (line[0] ?? '').trim();
  if (!/^(0|[1-9][0-9]{0,9})$/.test(rowText) || Number(rowText) > 2_147_483_647) {
    throw bad(`"${rowText.slice(0, 20)}" in the "${ERRORS_CSV_HEADINGS.row}" column is not a row number`);
  }
  const rowNumber = Number(rowText);
  // A Map, then fromEntries: a "__proto__" column header stays plain data.
  const cells = new Map<string, string>();
  const put = (name: string, text: string) => {
    if (text.trim() !== '' && !cells.has(name)) {
      cells.set(name, text.slice(0, MAX_CELL_CHARS));
    }
  };
  for (const { name, index } of layout.columns) {
    put(name, (line[index] ?? '').replace(FORMULA_GUARD, ''));
  }
  if (layout.otherColumns !== null) {
    // Written as one JSON cell: its values were never guarded one by one.
    for (const [name, text] of Object.entries(otherCells(line[layout.otherColumns] ?? '', rowNumber))) {
      put(name, text);
    }
  }
  return { rowNumber, cells: Object.fromEntries(cells) };
}

/**
 * The rows of a corrected errors.csv, streamed through csv-parse (bounded: at most
 * MAX_FIX_CSV_BYTES and MAX_FIX_ROWS rows; the `reason` column is ignored).
 */
export async function readFixesCsv(file: Readable): Promise<CsvFixRow[]> {
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: 1 << 20,
  });
  const source = capped(file);
  const feed = (async () => {
    for await (const chunk of source) {
      if (!parser.write(chunk)) {
        await new Promise((resolve) => parser.once('drain', resolve));
      }
    }
    parser.end();
  })();
  feed.catch((error: unknown) => parser.destroy(error instanceof Error ? error : new Error(String(error))));
  let layout: Layout | null = null;
  const rows: CsvFixRow[] = [];
  try {
    for await (const line of parser as AsyncIterable<string[]>) {
      if (!layout) {
        layout = layoutOf(line);
        continue;
      }
      if (rows.length === MAX_FIX_ROWS) {
        throw bad(`more than ${MAX_FIX_ROWS} rows; send the file in parts`);
      }
      rows.push(toFixRow(line, layout));
    }
    await feed;
  } catch (error) {
    file.destroy();
    if (error instanceof CsvError) {
      throw bad(`not readable as CSV (${error.code}, line ${String(error.lines)})`);
    }
    throw error;
  }
  if (rows.length === 0) {
    throw bad('no rows to fix');
  }
  return rows;
}
