import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BatchService } from '../../services/batchService.js';
import { currentUser } from '../plugins/authentication.js';
import { BatchIdParams } from '../schemas/batchSchemas.js';
import { API_ERRORS, ErrorResponse } from '../schemas/errorSchemas.js';
import { ReprocessBody, ReprocessResponse } from '../schemas/reprocessSchemas.js';

export interface ReprocessRouteOptions {
  batchService: BatchService;
}

/** POST /:id/reprocess (issue #21): read the stored file again with another mapping or region. */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
export const reprocessController: FastifyPluginAsyncTypebox<ReprocessRouteOptions> = async (app, opts) => {
  const { batchService } = opts;
  app.post(
    '/:id/reprocess',
    {
      schema: {
        operationId: 'reprocessBatch',
        summary: 'Read the stored file of a loaded or failed batch again, with another mapping or region',
        description:
          'The batch goes back to `uploaded` and the worker reads its stored file again with the ' +
          "options given (absent ones keep the batch's). Its records and invalid rows stay those of " +
          'the current reading until the new one has ended; then the batch switches to the new set ' +
          'in one step (a page cursor from before the switch is then a 409) and the old set is ' +
          'removed in the background. Fixes made to the current reading are dropped with it; the ' +
          'answer says how many. Only `loaded` and `error` batches (409 otherwise).',
        tags: ['batches'],
        params: BatchIdParams,
        body: ReprocessBody,
        response: { 202: ReprocessResponse, 409: ErrorResponse, ...API_ERRORS },
      },
    },
    async (request, reply) => {
      const { batch, droppedFixes } = await batchService.reprocess(
        currentUser(request),
        request.params.id,
        request.body,
      );
      return reply.status(202).send({
        id: batch.id,
        status: batch.status,
        version: batch.version,
        message: 'Batch queued to be read again',
        droppedFixes,
      });
    },
  );
};
