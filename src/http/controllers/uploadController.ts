import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { PayloadTooLargeError } from '../../errors.js';
import type { Metrics } from '../../observability/metrics.js';
import type { BatchUploadService, UploadPart } from '../../services/batchUploadService.js';
import { parseIdempotencyKey } from '../../validators/uploadValidators.js';
import { currentUser } from '../plugins/authentication.js';
import { UploadResponse } from '../schemas/batchSchemas.js';
import { API_ERRORS, ErrorResponse } from '../schemas/errorSchemas.js';

export interface UploadControllerOptions {
  batchUploadService: BatchUploadService;
  maxFileSize: number;
  uploadRateLimitPerMinute: number;
  /** Counts the bytes of accepted uploads (outcomes are counted per response in plugins/requestMetrics.ts). */
  metrics: Pick<Metrics, 'uploadBytes'>;
}

/** Room for multipart boundaries and part headers on top of the file itself. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/** The multipart parts as the upload service takes them (it knows nothing of Fastify). */
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

/** Refuses, before reading a byte of the body, what cannot be a valid upload. */
function checkEnvelope(request: FastifyRequest, maxFileSize: number): void {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxFileSize + MULTIPART_OVERHEAD_BYTES) {
    throw new PayloadTooLargeError(`file is larger than the limit of ${maxFileSize} bytes`);
  }
}

function requireMultipart(request: FastifyRequest): void {
  if (!request.isMultipart()) {
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
        summary: 'Upload a contact file (multipart field "file")',
        description: `Accepts .csv .txt .vcf .xls .xlsx up to ${maxFileSize} bytes. Optional Idempotency-Key header.`,
        tags: ['batches'],
        consumes: ['multipart/form-data'],
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String()) }),
        response: { 201: UploadResponse, 409: ErrorResponse, 413: ErrorResponse, ...API_ERRORS },
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
        .send({ id: batch.id, status: batch.status, message });
    },
  );
};
