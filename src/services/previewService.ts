import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ContactRecord } from '../contacts/contactSchema.js';
import { ValidationError } from '../errors.js';
import { MAPPABLE_FIELDS, type MappableField } from '../parsing/headers/fields.js';
import { loadContactParser } from '../parsing/loadContactParser.js';
import type { ColumnMapping, ContactParser, FileFormat, ParsedRow } from '../parsing/types.js';
import { normalizeRecord } from '../repositories/records/recordRow.js';
import { formatFromFilename } from '../validators/uploadValidators.js';
import type { UploadOptions } from '../validators/uploadOptions.js';
import type { ParserFactory } from '../worker/parsePool.js';
import { cutOffError } from './batchUploadService.js';
import { createPreviewSlots, type PreviewLimits } from './previewSlots.js';
import type { SavedMappingService } from './savedMappingService.js';
import { readUploadForm, refuseRemaining, type FilePart, type UploadPart } from './uploadForm.js';
import { createUploadMeter, type UploadMeter } from './uploadMeter.js';
import type { RegionInference } from '../parsing/regionInference.js';
import type { MappingSource } from '../parsing/headers/savedMappings.js';
import type { TextEncoding } from '../parsing/text/encodings.js';
import type { User } from '../domain/batch.js';
import { openStoredPreview, type StoredFiles, type StoredPreviewBody } from './storedPreviewInput.js';

/** Rows a preview shows: enough to check a mapping, few enough to answer at once. */
export const PREVIEW_ROWS = 20;

export interface PreviewSettings {
  maxFileSize: number;
  maxRowsPerBatch: number;
  maxUncompressedBytes: number;
  /** DEFAULT_PHONE_REGION, as the worker has it. */
  defaultPhoneRegion: string;
  /** Previews in progress at once, per process and per user (429/503 beyond). */
  limits: PreviewLimits;
}

/**
 * Where previews are parsed: the API's own parse-thread pool (composition.ts), so a slow or
 * hostile file never holds the API's event loop. Without one (unit tests of the HTTP layer),
 * files are parsed in this thread.
 */
export interface PreviewParsing {
  open: ParserFactory;
  close(): Promise<void>;
}

export interface PreviewRow {
  row: number;
  record: ContactRecord;
  issues: string[];
}

export interface Preview {
  format: FileFormat;
  encoding: string | null;
  /** The encoding the uploader chose; null: `encoding` was detected. */
  encodingOverride: TextEncoding | null;
  delimiter: string | null;
  headerRow: string[] | null;
  mapping: ColumnMapping | null;
  /** Where `mapping` came from (issue #21); null for vCards. */
  mappingSource: MappingSource | null;
  /** The saved mapping used (source "saved"), or the one this preview saved (rememberMapping=true). */
  savedMappingId: string | null;
  unmappedColumns: string[];
  fields: MappableField[];
  phoneRegion: string;
  /** The region the file's own evidence gives when no phoneRegion was sent; null when one was. */
  regionInference: RegionInference | null;
  records: PreviewRow[];
}

export type PreviewService = ReturnType<typeof createPreviewService>;

/** The parser's first rows; leaving the loop early stops the parser and releases its input. */
async function firstRows(parser: ContactParser, limit: number): Promise<ParsedRow[]> {
  const rows: ParsedRow[] = [];
  for await (const row of parser.rows) {
    rows.push(row);
    if (rows.length >= limit) {
      break;
    }
  }
  return rows;
}

/**
 * The file part through the upload meter (the upload's own size and content checks), with the
 * meter's output feeding the parser until the parser lets go; the rest is metered, not parsed.
 */
function meteredInput(file: FilePart, meter: UploadMeter) {
  const parserInput = new PassThrough();
  let cutOff: ValidationError | undefined;
  meter.stream.on('error', (error) => parserInput.destroy(error));
  finished(file.stream).catch((error: unknown) => {
    if (!meter.stream.destroyed) {
      cutOff = cutOffError(error);
      meter.stream.destroy(cutOff);
    }
  });
  file.stream.pipe(meter.stream).pipe(parserInput);
  return {
    parserInput,
    /** Reads what the parser left to its end; the meter's verdict first, then a cut-off body. */
    async rest(): Promise<void> {
      meter.stream.unpipe(parserInput);
      meter.stream.resume();
      try {
        await finished(meter.stream);
      } catch (error) {
        file.stream.unpipe(meter.stream);
        file.stream.resume();
        throw meter.failure() ?? cutOff ?? error;
      }
    },
  };
}

function previewRow(row: ParsedRow): PreviewRow {
  // As the records store will hold it, so the preview shows what the records API will answer.
  const record = normalizeRecord(row.record);
  return { row: record.rowNumber, record, issues: record.issues };
}

/**
 * A preview that used a saved mapping marks it used; one asked to remember its sent mapping
 * (rememberMapping=true) saves it and answers its id.
 */
async function withSavedMapping(
  userId: string,
  preview: Preview,
  parser: ContactParser,
  options: UploadOptions,
  mappings: Pick<SavedMappingService, 'rememberFromPreview' | 'touch'>,
): Promise<Preview> {
  if (preview.mappingSource === 'saved' && preview.savedMappingId !== null) {
    await mappings.touch(userId, preview.savedMappingId);
    return preview;
  }
  if (options.rememberMapping === true) {
    return { ...preview, savedMappingId: await mappings.rememberFromPreview(userId, parser.details()) };
  }
  return preview;
}

/**
 * The first rows of one of the user's stored files, read as POST /reprocess with the same body
 * would read them: the batch's encoding, no saved mappings (a re-read never looks at them).
 */
async function readStored(
  settings: PreviewSettings,
  parsing: PreviewParsing | undefined,
  stored: StoredFiles | undefined,
  request: { user: User; batchId: string; body: StoredPreviewBody; signal: AbortSignal | undefined },
) {
  if (!stored) {
    throw new Error('previewStored needs the batches and the file storage (createPreviewService)');
  }
  const openContactParser = parsing?.open ?? (await loadContactParser());
  const { batch, options, input } = await openStoredPreview(
    stored,
    request.user,
    request.batchId,
    request.body,
  );
  try {
    const parseOptions = {
      format: batch.fileFormat,
      maxRows: settings.maxRowsPerBatch,
      maxUncompressedBytes: settings.maxUncompressedBytes,
      defaultRegion: settings.defaultPhoneRegion,
      phoneRegion: options.phoneRegion,
      mapping: options.mapping,
      savedMappings: [],
      encoding: options.encoding,
      totalBytes: batch.fileSize,
    };
    const parser = openContactParser(input, parseOptions, request.signal);
    return { format: batch.fileFormat, parser, options, rows: await firstRows(parser, PREVIEW_ROWS) };
  } finally {
    input.destroy(); // the rest of the file is not needed
  }
}

/**
 * POST /api/batches/preview: the same form as an upload, read by the worker's own parser, which
 * is stopped after PREVIEW_ROWS rows. Nothing is stored, no batch is made, no job is queued.
 */
export function createPreviewService(
  settings: PreviewSettings,
  parsing?: PreviewParsing,
  /** Remembered mappings (issue #21); without them (HTTP-layer tests) the sent mapping or the synonyms. */
  mappings?: Pick<SavedMappingService, 'candidatesFor' | 'rememberFromPreview' | 'touch'>,
  /** Batches and their stored files, for the preview of a stored file (issue #21, previewStored). */
  stored?: StoredFiles,
) {
  const slots = createPreviewSlots(settings.limits);

  function answer(
    format: FileFormat,
    parser: ContactParser,
    options: UploadOptions,
    rows: ParsedRow[],
  ): Preview {
    const details = parser.details();
    const mapping = details.mapping;
    return {
      format,
      encoding: details.encoding,
      encodingOverride: options.encoding,
      delimiter: details.delimiter,
      headerRow: details.headerRow,
      mapping,
      mappingSource: details.mappingSource ?? null,
      savedMappingId: details.savedMappingId ?? null,
      unmappedColumns: mapping ? Object.keys(mapping).filter((h) => mapping[h] === null) : [],
      fields: [...MAPPABLE_FIELDS],
      phoneRegion: options.phoneRegion ?? settings.defaultPhoneRegion.toUpperCase(),
      regionInference: details.regionInference,
      records: rows.map(previewRow),
    };
  }

  async function run(
    userId: string,
    parts: AsyncIterable<UploadPart>,
    signal: AbortSignal | undefined,
  ): Promise<Preview> {
    const { options, file, rest } = await readUploadForm(parts);
    const savedMappings = (await mappings?.candidatesFor(userId, options)) ?? [];
    const openContactParser = parsing?.open ?? (await loadContactParser());
    const format = formatFromFilename(file.filename);
    const meter = createUploadMeter(format, settings.maxFileSize);
    const input = meteredInput(file, meter);
    const parseOptions = {
      format,
      maxRows: settings.maxRowsPerBatch,
      maxUncompressedBytes: settings.maxUncompressedBytes,
      defaultRegion: settings.defaultPhoneRegion,
      phoneRegion: options.phoneRegion,
      mapping: options.mapping,
      savedMappings,
      encoding: options.encoding,
      totalBytes: 0,
    };
    const parser = openContactParser(input.parserInput, parseOptions, signal);
    let rows: ParsedRow[] = [];
    let parseError: Error | null = null;
    try {
      rows = await firstRows(parser, PREVIEW_ROWS);
    } catch (error) {
      parseError = error instanceof Error ? error : new Error(String(error));
    }
    // The whole file still arrives (the client sends it); it is checked, never parsed further.
    await input.rest();
    if (meter.result().size === 0) {
      throw new ValidationError('the uploaded file is empty');
    }
    if (parseError !== null) {
      throw parseError;
    }
    await refuseRemaining(rest);
    const preview = answer(format, parser, options, rows);
    return mappings ? withSavedMapping(userId, preview, parser, options, mappings) : preview;
  }

  return {
    /**
     * The preview of a batch's stored file (POST /api/batches/{id}/preview, issue #21) with the
     * options a re-read would use; the same slots, parse pool, deadline and abort as `preview`.
     * Someone else's batch, or a deleted one, is "not found".
     */
    async previewStored(
      user: User,
      batchId: string,
      body: StoredPreviewBody,
      signal?: AbortSignal,
    ): Promise<Preview> {
      const release = slots.acquire(user.id);
      try {
        const read = await readStored(settings, parsing, stored, { user, batchId, body, signal });
        return answer(read.format, read.parser, read.options, read.rows);
      } finally {
        release();
      }
    },

    /**
     * Takes one of the process's preview slots for `userId` (429/503 when none is left), then
     * reads the form and parses the file's first rows. Aborting `signal` (the client went away)
     * stops the parse.
     */
    async preview(userId: string, parts: AsyncIterable<UploadPart>, signal?: AbortSignal): Promise<Preview> {
      const release = slots.acquire(userId);
      try {
        return await run(userId, parts, signal);
      } finally {
        release();
      }
    },

    /** Previews in progress in this process. */
    inProgress: () => slots.inProgress(),

    close: () => parsing?.close() ?? Promise.resolve(),
  };
}
