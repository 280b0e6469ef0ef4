import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Readable } from 'node:stream';
import type { Batch } from '../../domain/batch.js';
import { PayloadTooLargeError } from '../../errors.js';
import { csvLine } from '../../parsing/csvOutput.js';
import type { Metrics } from '../../observability/metrics.js';
import type { InvalidRow } from '../../parsing/types.js';
import type { BatchService } from '../../services/batchService.js';
import type { BatchUploadService, UploadPart } from '../../services/batchUploadService.js';
import {
  BatchDetails,
  BatchIdParams,
  BatchSummary,
  ErrorResponse,
  ListQuery,
  ListResponse,
  RecentQuery,
  RecordsQuery,
  RecordsResponse,
  StatsResponse,
  StatusResponse,
  UploadResponse,
} from '../../validators/batchValidators.js';
import { parseIdempotencyKey } from '../../validators/uploadValidators.js';
import { currentUser } from '../plugins/authentication.js';

export interface BatchControllerOptions {
  batchService: BatchService;
  batchUploadService: BatchUploadService;
  maxFileSize: number;
  uploadRateLimitPerMinute: number;
  /** Counts the bytes of accepted uploads (outcomes are counted per response in plugins/requestMetrics.ts). */
  metrics?: Pick<Metrics, 'uploadBytes'>;
}

/** Room for multipart boundaries and part headers on top of the file itself. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  404: ErrorResponse,
  429: ErrorResponse,
  500: ErrorResponse,
  503: ErrorResponse,
};

function summary(batch: Batch) {
  return {
    id: batch.id,
    fileName: batch.fileName,
    fileSize: batch.fileSize,
    status: batch.status,
    createdAt: batch.createdAt.toISOString(),
    updatedAt: batch.updatedAt.toISOString(),
  };
}

function details(batch: Batch) {
  return {
    ...summary(batch),
    fileFormat: batch.fileFormat,
    progress: batch.progress,
    ...(batch.errorMessage !== null && { errorMessage: batch.errorMessage }),
    sha256: batch.sha256,
    rowsRead: batch.rowsRead,
    recordsLoaded: batch.recordsLoaded,
    invalidRows: batch.invalidRows,
  };
}

async function* toUploadParts(
  parts: AsyncIterable<MultipartFile | MultipartValue>,
): AsyncGenerator<UploadPart> {
  for await (const part of parts) {
    if (part.type === 'file') {
      yield {
        type: 'file',
        fieldname: part.fieldname,
        filename: part.filename,
        mimetype: part.mimetype,
        stream: part.file,
      };
    } else {
      yield { type: 'field', fieldname: part.fieldname };
    }
  }
}

async function* errorsCsv(rows: AsyncIterable<InvalidRow>): AsyncGenerator<string> {
  let columns: string[] | null = null;
  for await (const row of rows) {
    if (!columns) {
      columns = Object.keys(row.original);
      yield '\uFEFF' + csvLine(['row', 'reason', ...columns, 'other columns']);
    }
    const extra = Object.fromEntries(Object.entries(row.original).filter(([k]) => !columns!.includes(k)));
    yield csvLine([
      String(row.rowNumber),
      row.reason,
      ...columns.map((c) => row.original[c] ?? ''),
      Object.keys(extra).length > 0 ? JSON.stringify(extra) : '',
    ]);
  }
  if (!columns) {
    yield '\uFEFF' + csvLine(['row', 'reason']);
  }
}

/** batchController: thin HTTP handlers; each validates input by schema and calls one service. */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
export const batchController: FastifyPluginAsyncTypebox<BatchControllerOptions> = async (app, opts) => {
  const { batchService, batchUploadService, maxFileSize } = opts;

  app.post(
    '/upload',
    {
      config: { rateLimit: { max: opts.uploadRateLimitPerMinute, timeWindow: '1 minute' } },
      schema: {
        summary: 'Upload a contact file (multipart field "file")',
        description: `Accepts .csv .txt .vcf .xls .xlsx up to ${maxFileSize} bytes. Optional Idempotency-Key header.`,
        tags: ['batches'],
        consumes: ['multipart/form-data'],
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String()) }),
        response: { 201: UploadResponse, 409: ErrorResponse, 413: ErrorResponse, ...errors },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > maxFileSize + MULTIPART_OVERHEAD_BYTES) {
        throw new PayloadTooLargeError(`file is larger than the limit of ${maxFileSize} bytes`);
      }
      const idempotencyKey = parseIdempotencyKey(request.headers['idempotency-key']);
      if (!request.isMultipart()) {
        throw Object.assign(new Error('expected multipart/form-data'), {
          code: 'FST_INVALID_MULTIPART_CONTENT_TYPE',
        });
      }
      const { batch, replayed } = await batchUploadService.upload(
        user,
        toUploadParts(request.parts()),
        idempotencyKey,
      );
      if (replayed) {
        void reply.header('idempotent-replayed', 'true');
      } else {
        opts.metrics?.uploadBytes.inc(batch.fileSize);
      }
      return reply
        .status(201)
        .header('location', `/api/batches/${batch.id}`)
        .send({
          id: batch.id,
          status: batch.status,
          message: replayed
            ? 'This Idempotency-Key was used before; returning the existing batch'
            : 'File uploaded and queued for processing',
        });
    },
  );

  app.get(
    '/stats',
    {
      schema: {
        summary: 'Counts of your batches by status',
        tags: ['batches'],
        response: { 200: StatsResponse, ...errors },
      },
    },
    async (request) => batchService.stats(currentUser(request)),
  );

  app.get(
    '/recent',
    {
      schema: {
        summary: 'Your most recent batches',
        tags: ['batches'],
        querystring: RecentQuery,
        response: { 200: Type.Array(BatchSummary), ...errors },
      },
    },
    async (request) => (await batchService.recent(currentUser(request), request.query.limit)).map(summary),
  );

  app.get(
    '/',
    {
      schema: {
        summary: 'List your batches, newest first',
        tags: ['batches'],
        querystring: ListQuery,
        response: { 200: ListResponse, ...errors },
      },
    },
    async (request) => {
      const { status, page, limit } = request.query;
      const result = await batchService.list(currentUser(request), { status, page, limit });
      return { batches: result.batches.map(details), total: result.total, page, limit };
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        summary: 'One batch with its counts',
        tags: ['batches'],
        params: BatchIdParams,
        response: { 200: BatchDetails, ...errors },
      },
    },
    async (request) => details(await batchService.get(currentUser(request), request.params.id)),
  );

  app.get(
    '/:id/status',
    {
      schema: {
        summary: 'Processing status and progress of a batch',
        tags: ['batches'],
        params: BatchIdParams,
        response: { 200: StatusResponse, ...errors },
      },
    },
    async (request) => {
      const batch = await batchService.get(currentUser(request), request.params.id);
      return {
        id: batch.id,
        status: batch.status,
        progress: batch.progress,
        ...(batch.errorMessage !== null && { errorMessage: batch.errorMessage }),
        rowsRead: batch.rowsRead,
        recordsLoaded: batch.recordsLoaded,
        invalidRows: batch.invalidRows,
      };
    },
  );

  app.delete(
    '/:id',
    {
      schema: {
        summary: 'Delete a batch, its file, its records and its queued job',
        tags: ['batches'],
        params: BatchIdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await batchService.delete(currentUser(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/:id/retry',
    {
      schema: {
        summary: 'Re-queue a batch that ended in error',
        tags: ['batches'],
        params: BatchIdParams,
        response: { 200: UploadResponse, 409: ErrorResponse, ...errors },
      },
    },
    async (request) => {
      const batch = await batchService.retry(currentUser(request), request.params.id);
      return { id: batch.id, status: batch.status, message: 'Batch re-queued for processing' };
    },
  );

  app.get(
    '/:id/records',
    {
      schema: {
        summary: 'Parsed contact records of a batch, in row order, with cursor paging',
        tags: ['records'],
        params: BatchIdParams,
        querystring: RecordsQuery,
        response: { 200: RecordsResponse, ...errors },
      },
    },
    async (request) =>
      batchService.listRecords(currentUser(request), request.params.id, {
        limit: request.query.limit,
        cursor: request.query.cursor,
      }),
  );

  app.get(
    '/:id/errors.csv',
    {
      schema: {
        summary: 'Rows that could not become contacts, with row number and reason (CSV)',
        tags: ['records'],
        params: BatchIdParams,
        produces: ['text/csv'],
        // 200 is a streamed text/csv body, so it is documented here rather than serialised by schema.
        description: 'Columns: row, reason, the original columns of the file, other columns (JSON).',
        response: errors,
      },
    },
    async (request, reply) => {
      const rows = await batchService.invalidRows(currentUser(request), request.params.id);
      void reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="batch-${request.params.id}-errors.csv"`);
      // The typed reply only knows the JSON schemas; a stream body is sent through the raw type.
      return (reply as FastifyReply).send(Readable.from(errorsCsv(rows)));
    },
  );
};
