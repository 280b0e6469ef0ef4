import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { FileContentError } from '../../../src/errors.js';
import { openContactParser } from '../../../src/parsing/openContactParser.js';
import type {
  ContactParser,
  ContactRecord,
  FileFormat,
  InvalidRow,
  ParseDetails,
  ParseOptions,
  ParsedRow,
} from '../../../src/parsing/types.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/contacts/', import.meta.url));

export function fixture(name: string): Buffer {
  return readFileSync(FIXTURES + name);
}

export interface ParseResult {
  rows: ParsedRow[];
  records: ContactRecord[];
  invalid: InvalidRow[];
  error: unknown;
  progress: number[];
  /** What the parser reported about the file once the rows were read. */
  details: ParseDetails;
}

/**
 * Streams `data` in chunks of `chunkSize` through openContactParser (or `open`, e.g. a parse
 * pool's, which reads in a thread with a capped heap as the service does) and collects everything.
 */
export async function parse(
  data: Buffer | string,
  format: FileFormat,
  opts: Partial<ParseOptions> & { chunkSize?: number } = {},
  open: (input: Readable, options: ParseOptions) => ContactParser = openContactParser,
): Promise<ParseResult> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const chunkSize = opts.chunkSize ?? 64 * 1024;
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunkSize) {
    chunks.push(buf.subarray(i, i + chunkSize));
  }
  const parser = open(Readable.from(chunks), {
    format,
    maxRows: 10_000,
    maxUncompressedBytes: 50 * 1024 * 1024,
    defaultRegion: 'US',
    totalBytes: buf.length,
    ...opts,
  });
  const rows: ParsedRow[] = [];
  const progress: number[] = [parser.progress()];
  let error: unknown = null;
  try {
    for await (const row of parser.rows) {
      rows.push(row);
      progress.push(parser.progress());
    }
  } catch (e) {
    error = e;
  }
  progress.push(parser.progress());
  return {
    rows,
    records: rows.flatMap((r) => (r.kind === 'record' ? [r.record] : [])),
    invalid: rows.flatMap((r) => (r.kind === 'invalid' ? [r.row] : [])),
    error,
    progress,
    details: parser.details(),
  };
}

/** Parses and expects a FileContentError; returns its message. */
export async function parseError(
  data: Buffer | string,
  format: FileFormat,
  opts: Partial<ParseOptions> & { chunkSize?: number } = {},
): Promise<string> {
  const r = await parse(data, format, opts);
  if (!(r.error instanceof FileContentError)) {
    throw new Error(`expected FileContentError, got ${String(r.error)} after ${r.rows.length} rows`);
  }
  return r.error.message;
}

// ---------------------------------------------------------------------------------------------
// Minimal zip writer for crafted XLSX files.

export {
  buildXlsx,
  buildZip,
  deflateRepeated,
  SHEET_HEAD,
  SHEET_TAIL,
  zipBombXlsx,
  type ZipEntry,
} from '../../support/xlsxBuilders.js';
