/** In-memory parsing through the worker's parser (openContactParser), nothing else. */
import { Readable } from 'node:stream';
import { openContactParser } from '../../src/parsing/openContactParser.js';
import type { ContactRecord, FileFormat, InvalidRow } from '../../src/parsing/types.js';

export interface ParseOutcome {
  rows: number;
  records: ContactRecord[];
  invalid: InvalidRow[];
  ms: number;
}

/** `bytes` as storage hands a file to the worker: a stream of 64 KiB chunks. */
export function storageChunks(bytes: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 64 * 1024) {
    parts.push(bytes.subarray(i, i + 64 * 1024));
  }
  return Readable.from(parts);
}

/** Feeds `bytes` in 64 KiB chunks (like an S3 body) and collects every row. */
export async function parseInMemory(
  bytes: Buffer,
  format: FileFormat,
  opts: { keep?: boolean; maxRows?: number } = {},
): Promise<ParseOutcome> {
  const started = process.hrtime.bigint();
  const parser = openContactParser(storageChunks(bytes), {
    format,
    maxRows: opts.maxRows ?? 1_000_000,
    maxUncompressedBytes: 200 * 1024 * 1024,
    defaultRegion: 'US',
    totalBytes: bytes.length,
  });
  const records: ContactRecord[] = [];
  const invalid: InvalidRow[] = [];
  let rows = 0;
  for await (const row of parser.rows) {
    rows++;
    if (opts.keep === false) {
      continue;
    }
    if (row.kind === 'record') {
      records.push(row.record);
    } else {
      invalid.push(row.row);
    }
  }
  return { rows, records, invalid, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}
