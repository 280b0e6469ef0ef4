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

  /**
   * Writes one piece of text and returns the records it completed (then throws any parse error).
   * An array, not a generator: the caller handles a chunk's records in one synchronous pass.
   */
  write(chunk: string): string[][] {
    this.parser.write(chunk);
    const records = this.take();
    this.throwIfFailed();
    return records;
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
    yield* this.take();
  }

  /** Every record not yet handed out, in order; the queue is swapped out whole (no shift). */
  private take(): string[][] {
    const taken = this.queue;
    if (taken.length === 0) {
      return [];
    }
    this.queue = [];
    const records = new Array<string[]>(taken.length);
    for (let i = 0; i < taken.length; i++) {
      records[i] = taken[i]!.record;
    }
    this.lastLine = taken[taken.length - 1]!.info.lines;
    return records;
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

/**
 * Records handed on at once, at most: a chunk of blank lines is tens of thousands of records,
 * and the row budget above must see them before they pile up.
 */
export const MAX_RECORDS_PER_YIELD = 1024;

/**
 * Writes one piece of decoded text in slices, giving the event loop a turn between them, and
 * yields its records in arrays (one per piece, or per MAX_RECORDS_PER_YIELD records). Records
 * completed before a parse error still come out before it.
 */
async function* writeSliced(
  records: RecordQueue,
  text: string,
  pause: () => Promise<void>,
): AsyncGenerator<string[][]> {
  let out: string[][] = [];
  try {
    for (let start = 0; start < text.length;) {
      const end = sliceEnd(text, start, WRITE_SLICE_CHARS);
      for (const record of records.write(text.slice(start, end))) {
        out.push(record);
      }
      start = end;
      if (out.length >= MAX_RECORDS_PER_YIELD) {
        const full = out;
        out = [];
        yield full;
      }
      await pause();
    }
  } catch (error) {
    if (out.length > 0) {
      yield out;
    }
    throw error;
  }
  if (out.length > 0) {
    yield out;
  }
}

/**
 * The CSV records of the sniffed sample followed by the rest of the text, in arrays of a decoded
 * chunk's records (never empty): the layers above handle them synchronously, not one await each.
 */
export async function* csvRecords(sniffed: Sniffed, text: AsyncIterator<string>): AsyncGenerator<string[][]> {
  const records = new RecordQueue(createParser(sniffed.delimiter));
  const pause = createLoopYielder();
  yield* writeSliced(records, sniffed.sample, pause);
  if (!sniffed.ended) {
    for (let r = await text.next(); r.done !== true; r = await text.next()) {
      yield* writeSliced(records, r.value, pause);
    }
  }
  const rest: string[][] = [];
  try {
    for await (const record of records.end()) {
      rest.push(record);
    }
  } catch (error) {
    if (rest.length > 0) {
      yield rest; // the records before the end's parse error
    }
    throw error;
  }
  if (rest.length > 0) {
    yield rest;
  }
}
