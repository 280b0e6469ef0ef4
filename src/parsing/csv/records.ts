import { CsvError, parse, type Info, type Parser } from 'csv-parse';
import { FileContentError } from '../../errors.js';
import { MAX_CSV_RECORD_CHARS, formatMegabytes } from '../limits.js';
import { createLoopYielder } from '../loopYield.js';
import type { Sniffed } from './delimiter.js';

interface CsvRecord {
  record: string[];
  info: Info;
}

function isCsvRecord(v: unknown): v is CsvRecord {
  return typeof v === 'object' && v !== null && Array.isArray((v as CsvRecord).record);
}

/** csv-parse reports its errors with codes; each becomes a message for the user. */
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

function createParser(delimiter: string): Parser {
  return parse({
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
}

/**
 * Text handed to csv-parse at once. One write runs synchronously to its end and emits every
 * record it completes, so its size bounds the work done between two turns of the event loop:
 * 4 Ki blank lines below a header of another width (csv-parse builds an error object for each)
 * take ~60 ms at most, a whole 64 KiB chunk of them took a second.
 */
export const WRITE_SLICE_CHARS = 4 * 1024;

/**
 * Pushes text into csv-parse and hands out the records it has produced so far, so the caller
 * pulls records at its own pace while text is written chunk by chunk.
 */
export class RecordQueue {
  /** Records not yet handed out. Swapped out whole by drain: O(1) per record, unlike shift(). */
  private queue: CsvRecord[] = [];
  private failure: Error | null = null;
  private finished = false;
  private wake: (() => void) | null = null;
  /** Last input line of the records handed out, to name the line of a parse error. */
  private lastLine = 0;

  constructor(private readonly parser: Parser) {
    parser.on('data', (rec: unknown) => {
      if (isCsvRecord(rec)) {
        this.queue.push(rec);
      }
    });
    parser.on('error', (e: Error) => {
      this.failure = e;
      this.wake?.();
    });
    parser.on('end', () => {
      this.finished = true;
      this.wake?.();
    });
  }

  /** Writes one piece of text, yields the records it completed, then any parse error. */
  *write(chunk: string): Generator<string[]> {
    this.parser.write(chunk);
    yield* this.drain();
    this.throwIfFailed();
  }

  /** Ends the input and yields the remaining records until csv-parse has finished. */
  async *end(): AsyncGenerator<string[]> {
    this.parser.end();
    while (!this.finished && this.failure === null) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        if (this.finished || this.failure !== null) {
          resolve();
        }
      });
      this.wake = null;
      yield* this.drain();
    }
    yield* this.drain();
    this.throwIfFailed();
  }

  private *drain(): Generator<string[]> {
    while (this.queue.length > 0) {
      const taken = this.queue;
      this.queue = [];
      for (const { record, info } of taken) {
        this.lastLine = info.lines;
        yield record;
      }
    }
  }

  private throwIfFailed(): void {
    const e = this.failure;
    if (e === null) {
      return;
    }
    throw e instanceof CsvError ? csvErrorMessage(e, this.lastLine + 1) : e;
  }
}

/** Where to cut `text` at most `size` characters after `start` without splitting a surrogate pair. */
export function sliceEnd(text: string, start: number, size: number): number {
  const end = Math.min(start + size, text.length);
  const last = text.charCodeAt(end - 1);
  return end < text.length && last >= 0xd800 && last <= 0xdbff ? end + 1 : end;
}

/** Writes one piece of decoded text in slices, giving the event loop a turn between them. */
async function* writeSliced(
  records: RecordQueue,
  text: string,
  pause: () => Promise<void>,
): AsyncGenerator<string[]> {
  for (let start = 0; start < text.length;) {
    const end = sliceEnd(text, start, WRITE_SLICE_CHARS);
    yield* records.write(text.slice(start, end));
    start = end;
    await pause();
  }
}

/** Yields the CSV records of the sniffed sample followed by the rest of the text. */
export async function* csvRecords(sniffed: Sniffed, text: AsyncIterator<string>): AsyncGenerator<string[]> {
  const records = new RecordQueue(createParser(sniffed.delimiter));
  const pause = createLoopYielder();
  yield* writeSliced(records, sniffed.sample, pause);
  if (!sniffed.ended) {
    for (let r = await text.next(); r.done !== true; r = await text.next()) {
      yield* writeSliced(records, r.value, pause);
    }
  }
  yield* records.end();
}
