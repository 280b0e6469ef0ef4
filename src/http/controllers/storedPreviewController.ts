import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PreviewService } from '../../services/previewService.js';
import { currentUser } from '../plugins/authentication.js';
import { BatchIdParams } from '../schemas/batchSchemas.js';
import { API_ERRORS } from '../schemas/errorSchemas.js';
import { PreviewResponse } from '../schemas/previewSchemas.js';
import { StoredPreviewBody } from '../schemas/storedPreviewSchemas.js';
import { whileConnected } from './previewController.js';

export interface StoredPreviewOptions {
  previewService: PreviewService;
  /** The upload preview's limit: this one costs the same parse. */
  uploadRateLimitPerMinute: number;
}

/** POST /:id/preview (issue #21): the preview of a batch's stored file, before re-reading it. */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
export const storedPreviewController: FastifyPluginAsyncTypebox<StoredPreviewOptions> = async (app, opts) => {
  const { previewService } = opts;
  app.post(
    '/:id/preview',
    {
      config: { rateLimit: { max: opts.uploadRateLimitPerMinute, timeWindow: '1 minute' } },
      schema: {
        operationId: 'previewStoredBatch',
        summary: "Preview how a batch's stored file would be read again with another mapping or region",
        description:
          'Takes the body of `POST /api/batches/{id}/reprocess` (absent options: the batch’s; null: ' +
          "the synonyms / the deployment's region; the upload's checks) and answers what that re-read " +
          "would make of the file's first 20 rows, in the upload preview's form. Any batch of yours " +
          'whose stored file exists, whatever its status; stores and changes nothing. Parsed like the ' +
          "upload preview: in a thread of the API's preview pool, with its slots (429 `rate_limited` " +
          '/ 503 `previews_busy`, with `Retry-After`), its deadline (400 `invalid_file`), and a client ' +
          'that disconnects stops its parse.',
        tags: ['batches'],
        params: BatchIdParams,
        body: StoredPreviewBody,
        response: { 200: PreviewResponse, ...API_ERRORS },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      return whileConnected(reply, (signal) =>
        previewService.previewStored(user, request.params.id, request.body, signal),
      );
    },
  );
};
