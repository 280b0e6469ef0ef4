import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
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
          'records with their issues. Stores nothing and creates no batch.',
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
    async (request) => {
      currentUser(request);
      checkEnvelope(request, maxFileSize);
      requireMultipart(request);
      return previewService.preview(toUploadParts(request.parts()));
    },
  );
};
