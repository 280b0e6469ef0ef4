import { csvLine } from '../parsing/csvOutput.js';
import type { InvalidRow } from '../parsing/types.js';

const BOM = '\uFEFF';

/**
 * The errors.csv download of a batch, streamed line by line: `row, reason`, then the original
 * columns of the file (as the first invalid row names them), then `other columns` as JSON for
 * any column a later row has beyond those. The BOM makes Excel read the file as UTF-8.
 */
export async function* errorsCsv(rows: AsyncIterable<InvalidRow>): AsyncGenerator<string> {
  let columns: string[] | null = null;
  for await (const row of rows) {
    if (!columns) {
      columns = Object.keys(row.original);
      yield BOM + csvLine(['row', 'reason', ...columns, 'other columns']);
    }
    yield errorLine(row, columns);
  }
  if (!columns) {
    yield BOM + csvLine(['row', 'reason']);
  }
}

function errorLine(row: InvalidRow, columns: readonly string[]): string {
  const extra = Object.fromEntries(Object.entries(row.original).filter(([k]) => !columns.includes(k)));
  return csvLine([
    String(row.rowNumber),
    row.reason,
    ...columns.map((c) => row.original[c] ?? ''),
    Object.keys(extra).length > 0 ? JSON.stringify(extra) : '',
  ]);
}
