import { FileContentError } from '../errors.js';
import { sniffDelimiter } from './csv/delimiter.js';
import { csvRecords } from './csv/records.js';
import { RowBudget } from './rowBudget.js';
import { TableContactBuilder, isBlankRow, type RowOptions } from './tabular.js';
import { decodeText } from './text/decodeText.js';
import type { RawContact } from './normalizeContact.js';

export { detectDelimiter } from './csv/delimiter.js';

/**
 * Reads CSV/TXT bytes and yields raw contacts (see docs/formats.md):
 * decode (encoding sniffed) -> sniff the delimiter -> records -> header + contact rows.
 */
export async function* parseCsv(input: AsyncIterable<Buffer>, opts: RowOptions): AsyncGenerator<RawContact> {
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
 * their row number). Every record, blank or not, counts against the file's RowBudget.
 */
async function* contactRows(records: AsyncIterable<string[]>, opts: RowOptions): AsyncGenerator<RawContact> {
  let builder: TableContactBuilder | null = null;
  let dataRow = 0;
  const budget = new RowBudget(opts.maxRows);
  for await (const record of records) {
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
      yield row;
    }
  }
  if (builder === null) {
    throw new FileContentError('no contacts found: the file is empty');
  }
  if (builder.rows === 0) {
    throw new FileContentError('no contacts found: the file has a header row but no data rows');
  }
}
