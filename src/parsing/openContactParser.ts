import type { Readable } from 'node:stream';
import { parseCsv } from './csv.js';
import { createDuplicateDetector } from './duplicateDetector.js';
import type { RawContact } from './normalizeContact.js';
import { flatten } from './flatten.js';
import { normalizeRows } from './normalizeRows.js';
import type { SpreadsheetOptions } from './spreadsheet.js';
import type { RowOptions } from './tabular.js';
import type { BatchedContactParser, ParseDetails, ParseOptions, ParsedRow } from './types.js';
import { parseVcard } from './vcard.js';

/** Progress reporting shared by the format parsers; never decreases, 1 only when done. */
class ProgressTracker {
  private value = 0;
  set(fraction: number): void {
    if (!Number.isFinite(fraction)) {
      return;
    }
    const v = Math.min(Math.max(fraction, 0), 1);
    if (v > this.value) {
      this.value = v;
    }
  }
  get(): number {
    return this.value;
  }
}

/** Yields the input's chunks as Buffers and reports bytes read / totalBytes. */
async function* countingChunks(
  input: Readable,
  totalBytes: number,
  progress: ProgressTracker,
): AsyncGenerator<Buffer> {
  let read = 0;
  try {
    for await (const chunk of input) {
      const buf = Buffer.isBuffer(chunk)
        ? chunk
        : typeof chunk === 'string'
          ? Buffer.from(chunk, 'utf8')
          : Buffer.from(chunk as Uint8Array);
      read += buf.length;
      // Stay below 1 until parsing has finished.
      if (totalBytes > 0) {
        progress.set(Math.min(read / totalBytes, 0.99));
      }
      yield buf;
    }
  } finally {
    if (!input.destroyed && !input.readableEnded) {
      input.destroy();
    }
  }
}

/** Rows per batch handed on by formats that produce one row at a time (vCard, spreadsheets). */
const SOURCE_BATCH_ROWS = 256;

/**
 * Gathers single rows into batches, so the layers above await once per batch. Rows read before
 * the source fails still come out (as a batch) before its error.
 */
async function* inBatches<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  try {
    for await (const item of source) {
      batch.push(item);
      if (batch.length >= size) {
        const full = batch;
        batch = [];
        yield full;
      }
    }
  } catch (error) {
    if (batch.length > 0) {
      yield batch;
    }
    throw error;
  }
  if (batch.length > 0) {
    yield batch;
  }
}

/**
 * Spreadsheets, with SheetJS (and its code pages) imported only when a workbook arrives: a
 * worker or parse thread that only ever reads CSV and vCard files never holds them in memory.
 */
async function* spreadsheetRows(
  chunks: AsyncIterable<Buffer>,
  opts: SpreadsheetOptions,
): AsyncGenerator<RawContact> {
  const { parseSpreadsheet } = await import('./spreadsheet.js');
  yield* parseSpreadsheet(chunks, opts);
}

/**
 * Opens a streaming contact parser for one uploaded file. Rows are produced lazily, in file
 * order, when `rows` is iterated (once). Unusable content ends the iteration with a
 * FileContentError whose message can be shown to the user; errors of the input stream itself
 * (storage failures) are passed through unchanged.
 */
export function openContactParser(input: Readable, opts: ParseOptions): BatchedContactParser {
  const progress = new ProgressTracker();
  // Spreadsheets report rows done / total rows instead of bytes read.
  const spreadsheet = opts.format === 'xls' || opts.format === 'xlsx';
  const chunks = countingChunks(input, spreadsheet ? 0 : opts.totalBytes, progress);
  const details: ParseDetails = {
    encoding: null,
    delimiter: null,
    headerRow: null,
    mapping: null,
    mappingSource: null,
    savedMappingId: null,
    regionInference: null,
  };
  const common: RowOptions = {
    maxRows: opts.maxRows,
    // A vCard's properties have fixed meanings: a mapping applies to tables only.
    mapping: opts.format === 'vcf' ? null : (opts.mapping ?? null),
    savedMappings: opts.format === 'vcf' ? [] : (opts.savedMappings ?? []),
    encoding: opts.encoding ?? null,
    details,
  };

  // Every source yields arrays of rows: CSV one per decoded chunk, the others SOURCE_BATCH_ROWS.
  let source: AsyncGenerator<RawContact[]>;
  switch (opts.format) {
    case 'csv':
    case 'txt':
      source = parseCsv(chunks, common);
      break;
    case 'vcf':
      source = inBatches(parseVcard(chunks, common), SOURCE_BATCH_ROWS);
      break;
    case 'xls':
    case 'xlsx':
      source = inBatches(
        spreadsheetRows(chunks, {
          ...common,
          format: opts.format,
          maxUncompressedBytes: opts.maxUncompressedBytes,
          onProgress: (f) => progress.set(f),
        }),
        SOURCE_BATCH_ROWS,
      );
      break;
  }

  const duplicates = createDuplicateDetector();

  const normalised = normalizeRows(source, {
    phoneRegion: opts.phoneRegion ?? null,
    defaultRegion: opts.defaultRegion,
    onInference: (inference) => (details.regionInference = inference),
  });

  async function* batches(): AsyncGenerator<ParsedRow[]> {
    try {
      for await (const batch of normalised) {
        for (const row of batch) {
          if (row.kind === 'record') {
            duplicates.inspect(row.record);
          }
        }
        yield batch;
      }
      progress.set(1);
    } finally {
      await normalised.return(undefined);
      await source.return(undefined);
      await chunks.return(undefined);
    }
  }

  const batched = batches();
  return {
    rows: flatten(batched),
    batches: batched,
    progress: () => progress.get(),
    details: () => ({
      ...details,
      headerRow: details.headerRow && [...details.headerRow],
      mapping: details.mapping && { ...details.mapping },
      regionInference: details.regionInference && {
        ...details.regionInference,
        evidence: details.regionInference.evidence.map((e) => ({ ...e })),
      },
    }),
  };
}
