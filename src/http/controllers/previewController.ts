import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { ValidationError } from '../../errors.js';
import type { PreviewService } from '../../services/previewService.js';
import { currentUser } from '../plugins/authentication.js';
import { PreviewResponse } from '../schemas/previewSchemas.js';
import { API_ERRORS, ErrorResponse } from '../schemas/errorSchemas.js';
import { checkEnvelope, requireMultipart, toUploadParts } from './uploadController.js';

export interface PreviewControllerOptions {
  previewService: PreviewService;
  maxFileSize: number;
  /** The upload's limit: a preview costs as much to receive as an upload. */
  uploadRateLimitPerMinute: number;
}

/** POST /preview: the upload's form, parsed up to 20 rows; answers 200 and stores nothing. */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
export const previewController: FastifyPluginAsyncTypebox<PreviewControllerOptions> = async (app, opts) => {
  const { previewService, maxFileSize } = opts;
  app.post(
    '/preview',
    {
      config: { rateLimit: { max: opts.uploadRateLimitPerMinute, timeWindow: '1 minute' } },
      schema: {
        operationId: 'previewBatch',
        summary: 'Preview how a contact file would be read, without uploading it',
        description:
          'Takes the same multipart form as the upload (optional `phoneRegion`, `mapping` and ' +
          '`encoding` fields BEFORE the file part; the file in field "file") with the same checks and ' +
          'errors. Answers the detected format, the encoding used (detected, or `encoding`) and ' +
          'delimiter, the header row, the header -> field mapping ' +
          'the worker would use (the `mapping` sent, else the synonyms) and the first 20 rows as ' +
          'records with their issues. Stores nothing and creates no batch. The file is parsed in a ' +
          "thread of the API's preview pool: a user may have a few previews in progress per API " +
          'process (429 `rate_limited` beyond) and a process a fixed number in all (503 ' +
          '`previews_busy` beyond), both with `Retry-After`; a file whose parse takes longer than ' +
          'the preview deadline is a 400 `invalid_file` saying so; a client that disconnects stops ' +
          'its parse.',
        tags: ['batches'],
        consumes: ['multipart/form-data'],
        // The multipart body is declared in openApiContract.ts (see the upload route).
        response: {
          200: PreviewResponse,
          413: ErrorResponse,
          ...API_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      checkEnvelope(request, maxFileSize);
      requireMultipart(request);
      return whileConnected(reply, (signal) =>
        previewService.preview(user.id, toUploadParts(request.parts()), signal),
      );
    },
  );
};

/**
 * Runs a preview with a signal aborted when the client goes away before its answer, which stops
 * the parse (its thread is freed). Used by both preview routes.
 */
export async function whileConnected<T>(
  reply: FastifyReply,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const gone = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) {
      gone.abort(new ValidationError('the client closed the connection before the preview was ready'));
    }
  };
  reply.raw.once('close', onClose);
  try {
    return await run(gone.signal);
  } finally {
    reply.raw.off('close', onClose);
  }
}
