import { FileContentError } from '../errors.js';
import { sniffDelimiter } from './csv/delimiter.js';
import { csvRecords } from './csv/records.js';
import { RowBudget } from './rowBudget.js';
import { TableContactBuilder, isBlankRow, type RowOptions } from './tabular.js';
import { decodeText } from './text/decodeText.js';
import type { RawContact } from './normalizeContact.js';

export { detectDelimiter } from './csv/delimiter.js';

/**
 * Reads CSV/TXT bytes and yields raw contacts, one array per decoded chunk (see docs/formats.md):
 * decode (encoding sniffed) -> sniff the delimiter -> records -> header + contact rows.
 */
export async function* parseCsv(
  input: AsyncIterable<Buffer>,
  opts: RowOptions,
): AsyncGenerator<RawContact[]> {
  const text = decodeText(input, (encoding) => (opts.details.encoding = encoding), opts.encoding);
  try {
    const sniffed = await sniffDelimiter(text);
    opts.details.delimiter = sniffed.delimiter;
    yield* contactRows(csvRecords(sniffed, text), opts);
  } finally {
    await text.return(undefined);
  }
}

/**
 * The first non-blank record is the header; every later record is a data row (blank ones keep
 * their row number). Every record, blank or not, counts against the file's RowBudget. A chunk's
 * records are handled in one synchronous pass; rows built before a limit is hit still come out
 * before its error.
 */
async function* contactRows(
  chunks: AsyncIterable<string[][]>,
  opts: RowOptions,
): AsyncGenerator<RawContact[]> {
  let builder: TableContactBuilder | null = null;
  let dataRow = 0;
  const budget = new RowBudget(opts.maxRows);
  for await (const records of chunks) {
    const rows: RawContact[] = [];
    try {
      for (const record of records) {
        if (builder === null) {
          if (!isBlankRow(record)) {
            builder = new TableContactBuilder(record, opts);
          }
          budget.take();
          continue;
        }
        dataRow++;
        // Built first, so a file over both limits is told about its contacts, the plainer reason.
        const row = builder.build(record, dataRow);
        budget.take();
        if (row) {
          rows.push(row);
        }
      }
    } catch (error) {
      if (rows.length > 0) {
        yield rows; // the rows before a limit's error
      }
      throw error;
    }
    if (rows.length > 0) {
      yield rows;
    }
  }
  if (builder === null) {
    throw new FileContentError('no contacts found: the file is empty');
  }
  if (builder.rows === 0) {
    throw new FileContentError('no contacts found: the file has a header row but no data rows');
  }
}
