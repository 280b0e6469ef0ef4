import { mappingSourceOf } from '../../domain/batch.js';
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { PayloadTooLargeError } from '../../errors.js';
import type { Metrics } from '../../observability/metrics.js';
import type { BatchUploadService, UploadPart } from '../../services/batchUploadService.js';
import {
  filenameWithFormat,
  IDEMPOTENCY_KEY_PATTERN,
  parseIdempotencyKey,
} from '../../validators/uploadValidators.js';
import { MAX_OPTION_FIELD_BYTES } from '../../validators/uploadOptions.js';
import { currentUser } from '../plugins/authentication.js';
import { MappingSourceSchema, UploadResponse } from '../schemas/batchSchemas.js';
import { API_ERRORS, ErrorResponse } from '../schemas/errorSchemas.js';

export interface UploadControllerOptions {
  batchUploadService: BatchUploadService;
  maxFileSize: number;
  uploadRateLimitPerMinute: number;
  /** Counts the bytes of accepted uploads (outcomes are counted per response in plugins/requestMetrics.ts). */
  metrics: Pick<Metrics, 'uploadBytes'>;
}

/**
 * Room for multipart boundaries, part headers and the option fields on top of the file itself
 * (only `mapping` can be long; `phoneRegion` fits in the 64 KiB).
 */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024 + MAX_OPTION_FIELD_BYTES;

/** The multipart parts as the upload and preview services take them (they know nothing of Fastify). */
export async function* toUploadParts(
  parts: AsyncIterable<MultipartFile | MultipartValue>,
): AsyncGenerator<UploadPart> {
  for await (const part of parts) {
    if (part.type === 'file') {
      yield {
        type: 'file',
        fieldname: part.fieldname,
        // @fastify/multipart types filename as a string, but a part sent with `filename=""` reaches
        // here as a file without one; the upload service refuses a nameless file with a 400.
        filename: filenameWithFormat(part.filename ?? '', part.mimetype ?? ''),
        mimetype: part.mimetype ?? '',
        stream: part.file,
      };
    } else {
      yield {
        type: 'field',
        fieldname: part.fieldname,
        value: typeof part.value === 'string' ? part.value : String(part.value),
        valueTruncated: part.valueTruncated,
      };
    }
  }
}

/** Refuses, before reading a byte of the body, what cannot be a valid upload. */
export function checkEnvelope(request: FastifyRequest, maxFileSize: number): void {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxFileSize + MULTIPART_OVERHEAD_BYTES) {
    throw new PayloadTooLargeError(`file is larger than the limit of ${maxFileSize} bytes`);
  }
}

export function requireMultipart(request: FastifyRequest): void {
  // Without a boundary busboy throws while parsing ("Boundary not found"), which was a 500.
  const hasBoundary = /;\s*boundary=/i.test(request.headers['content-type'] ?? '');
  if (!request.isMultipart() || !hasBoundary) {
    // The multipart plugin's own code, so errorMapping gives it the same answer as its errors.
    throw Object.assign(new Error('expected multipart/form-data'), {
      code: 'FST_INVALID_MULTIPART_CONTENT_TYPE',
    });
  }
}

/** POST /upload: stream one file through the upload service, answer 201 with the batch. */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
export const uploadController: FastifyPluginAsyncTypebox<UploadControllerOptions> = async (app, opts) => {
  const { batchUploadService, maxFileSize, metrics } = opts;
  app.post(
    '/upload',
    {
      config: { rateLimit: { max: opts.uploadRateLimitPerMinute, timeWindow: '1 minute' } },
      schema: {
        operationId: 'uploadBatch',
        summary: 'Upload a contact file (multipart field "file")',
        description:
          `Accepts .csv .txt .vcf .xls .xlsx up to ${maxFileSize} bytes. Optional form fields, sent ` +
          'BEFORE the file part: `phoneRegion` (ISO 3166-1 alpha-2), `mapping` (JSON object, header ' +
          '-> field or null, used instead of the synonyms; not for vCard) and `encoding` (CSV/TXT text ' +
          'encoding instead of detection; the batch records the encoding used). Optional Idempotency-Key ' +
          'header: the same key again returns the batch it created (201, Idempotent-Replayed: true).',
        tags: ['batches'],
        consumes: ['multipart/form-data'],
        headers: Type.Object({
          'idempotency-key': Type.Optional(
            Type.String({ pattern: IDEMPOTENCY_KEY_PATTERN, description: '1-200 visible ASCII characters' }),
          ),
        }),
        // The body (multipart, field "file") is declared in openApiContract.ts: a body schema here
        // would make Fastify validate a body the multipart parser never sets.
        response: {
          201: Type.Object(
            { ...UploadResponse.properties, mappingSource: Type.Union([MappingSourceSchema, Type.Null()]) },
            { description: 'The batch, created or replayed' },
          ),
          409: ErrorResponse,
          413: ErrorResponse,
          ...API_ERRORS,
          // Local storage out of space (code storage_full); nothing of the upload is kept.
          507: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      checkEnvelope(request, maxFileSize);
      const idempotencyKey = parseIdempotencyKey(request.headers['idempotency-key']);
      requireMultipart(request);
      const parts = toUploadParts(request.parts());
      const { batch, replayed } = await batchUploadService.upload(user, parts, idempotencyKey);
      if (replayed) {
        void reply.header('idempotent-replayed', 'true');
      } else {
        metrics.uploadBytes.inc(batch.fileSize);
      }
      const message = replayed
        ? 'This Idempotency-Key was used before; returning the existing batch'
        : 'File uploaded and queued for processing';
      return reply
        .status(201)
        .header('location', `/api/batches/${batch.id}`)
        .send({
          id: batch.id,
          status: batch.status,
          version: batch.version,
          message,
          mappingSource: mappingSourceOf(batch),
        });
    },
  );
};
