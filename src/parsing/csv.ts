import { CsvError, parse, type Info } from 'csv-parse';
import { FileContentError } from '../errors.js';
import { decodeText } from './decode.js';
import { MAX_CSV_RECORD_CHARS, formatMegabytes } from './limits.js';
import { TableContactBuilder, isBlankRow } from './tabular.js';
import type { ParsedRow } from './types.js';

export type Delimiter = ',' | ';' | '\t' | '|';
const CANDIDATES: readonly Delimiter[] = [',', ';', '\t', '|'];

/** Lines of the sample used for delimiter detection. */
const SNIFF_LINES = 20;
/** Characters of text collected before detecting the delimiter. */
const SNIFF_CHARS = 64 * 1024;

/**
 * Picks the delimiter from the first lines (quote-aware): the candidate that appears in the
 * header line and with the same count in the most following lines; ties go to the larger count,
 * then to the order , ; tab |. Without any candidate the file is one column: ",".
 */
export function detectDelimiter(sample: string, complete = true): Delimiter {
  const counts: Record<Delimiter, number>[] = [];
  let current: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  let inQuotes = false;
  let nonEmpty = false;
  for (let i = 0; i < sample.length && counts.length < SNIFF_LINES; i++) {
    const ch = sample[i]!;
    if (ch === '"') {
      inQuotes = !inQuotes;
      nonEmpty = true;
    } else if (!inQuotes && (ch === '\n' || ch === '\r')) {
      if (nonEmpty) {
        counts.push(current);
      }
      current = { ',': 0, ';': 0, '\t': 0, '|': 0 };
      nonEmpty = false;
    } else {
      if (!inQuotes && (CANDIDATES as readonly string[]).includes(ch)) {
        current[ch as Delimiter]++;
      }
      if (ch.trim() !== '') {
        nonEmpty = true;
      }
    }
  }
  // The last line counts only if it is complete (end of file reached).
  if (nonEmpty && complete && counts.length < SNIFF_LINES) {
    counts.push(current);
  }
  const header = counts[0];
  if (!header) {
    return ',';
  }
  let best: Delimiter = ',';
  let bestScore = -1;
  let bestCount = 0;
  for (const d of CANDIDATES) {
    const h = header[d];
    if (h === 0) {
      continue;
    }
    const score = counts.filter((c) => c[d] === h).length;
    if (score > bestScore || (score === bestScore && h > bestCount)) {
      best = d;
      bestScore = score;
      bestCount = h;
    }
  }
  return best;
}

interface CsvRecord {
  record: string[];
  info: Info;
}

function isCsvRecord(v: unknown): v is CsvRecord {
  return typeof v === 'object' && v !== null && Array.isArray((v as CsvRecord).record);
}

function csvErrorMessage(err: CsvError, line: number): FileContentError {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new FileContentError(
        `line ${line}: unterminated quote — a field starting with " is never closed`,
      );
    case 'CSV_MAX_RECORD_SIZE':
      return new FileContentError(
        `line ${line}: a single row is longer than ${formatMegabytes(MAX_CSV_RECORD_CHARS)}; ` +
          'a quote (") is probably never closed, or the file is not a contact list',
      );
    default:
      return new FileContentError(`line ${line}: the CSV could not be read (${err.message})`);
  }
}

/** Reads CSV/TXT bytes and yields ParsedRows (see docs/formats.md). */
export async function* parseCsv(
  input: AsyncIterable<Buffer>,
  opts: { maxRows: number; defaultRegion: string },
): AsyncGenerator<ParsedRow> {
  const { text } = decodeText(input);
  try {
    // Collect a sample for delimiter detection.
    let sample = '';
    let ended = false;
    while (sample.length < SNIFF_CHARS && (sample.match(/\n|\r/g)?.length ?? 0) <= SNIFF_LINES) {
      const r = await text.next();
      if (r.done) {
        ended = true;
        break;
      }
      sample += r.value;
    }
    // Excel's "sep=;" hint line.
    let delimiter: Delimiter;
    const sep = /^sep=(.)\r?\n?/i.exec(sample);
    if (sep && (CANDIDATES as readonly string[]).includes(sep[1]!) && /^sep=.(\r\n|\n|\r)/i.test(sample)) {
      delimiter = sep[1] as Delimiter;
      sample = sample.replace(/^sep=.(\r\n|\n|\r)/i, '');
    } else {
      delimiter = detectDelimiter(sample, ended);
    }

    const parser = parse({
      delimiter,
      quote: '"',
      escape: '"',
      relax_column_count: true,
      relax_quotes: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      max_record_size: MAX_CSV_RECORD_CHARS,
      skip_empty_lines: false,
      bom: false,
      info: true,
    });
    const queue: CsvRecord[] = [];
    let failure: unknown = null;
    let finished = false;
    let wake: (() => void) | null = null;
    parser.on('data', (rec: unknown) => {
      if (isCsvRecord(rec)) {
        queue.push(rec);
      }
    });
    parser.on('error', (e: unknown) => {
      failure = e;
      wake?.();
    });
    parser.on('end', () => {
      finished = true;
      wake?.();
    });

    let lastLine = 0;
    let builder: TableContactBuilder | null = null;
    let dataRow = 0;
    const fail = (e: unknown): never => {
      if (e instanceof CsvError) {
        throw csvErrorMessage(e, lastLine + 1);
      }
      throw e;
    };
    function* drain(): Generator<ParsedRow> {
      while (queue.length > 0) {
        const { record, info } = queue.shift()!;
        lastLine = info.lines;
        if (builder === null) {
          if (isBlankRow(record)) {
            continue;
          }
          builder = new TableContactBuilder(record, opts);
          continue;
        }
        dataRow++;
        const row = builder.build(record, dataRow);
        if (row) {
          yield row;
        }
      }
    }

    const write = (chunk: string) => {
      parser.write(chunk);
    };
    if (sample.length > 0) {
      write(sample);
    }
    yield* drain();
    if (failure) {
      fail(failure);
    }
    if (!ended) {
      for (;;) {
        const r = await text.next();
        if (r.done) {
          break;
        }
        write(r.value);
        yield* drain();
        if (failure) {
          fail(failure);
        }
      }
    }
    parser.end();
    while (!finished && failure === null) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (finished || failure !== null) {
          resolve();
        }
      });
      wake = null;
      yield* drain();
    }
    yield* drain();
    if (failure) {
      fail(failure);
    }
    if (builder === null) {
      throw new FileContentError('no contacts found: the file is empty');
    }
    if ((builder as TableContactBuilder).rows === 0) {
      throw new FileContentError('no contacts found: the file has a header row but no data rows');
    }
  } finally {
    await text.return(undefined);
  }
}
