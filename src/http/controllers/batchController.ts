import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { BatchService } from '../../services/batchService.js';
import { currentUser } from '../plugins/authentication.js';
import { batchDetails, batchStatus } from '../presenters/batchPresenter.js';
import { BatchDetails, BatchIdParams, StatusResponse, UploadResponse } from '../schemas/batchSchemas.js';
import { API_ERRORS, ErrorResponse } from '../schemas/errorSchemas.js';

export interface BatchControllerOptions {
  batchService: BatchService;
}

/** One of the caller's batches: its details, its status, delete and retry. Thin handlers. */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
export const batchController: FastifyPluginAsyncTypebox<BatchControllerOptions> = async (app, opts) => {
  const { batchService } = opts;
  const docs = (operationId: string, summary: string) => ({ operationId, summary, tags: ['batches'] });

  app.get(
    '/:id',
    {
      schema: {
        ...docs('getBatch', 'One batch with its counts'),
        params: BatchIdParams,
        response: { 200: BatchDetails, ...API_ERRORS },
      },
    },
    async (request) => batchDetails(await batchService.get(currentUser(request), request.params.id)),
  );

  app.get(
    '/:id/status',
    {
      schema: {
        ...docs('getBatchStatus', 'Processing status and progress of a batch'),
        params: BatchIdParams,
        response: { 200: StatusResponse, ...API_ERRORS },
      },
    },
    async (request) => batchStatus(await batchService.status(currentUser(request), request.params.id)),
  );

  app.delete(
    '/:id',
    {
      schema: {
        ...docs('deleteBatch', 'Delete a batch, its file, its records and its queued job'),
        params: BatchIdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...API_ERRORS },
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
        ...docs('retryBatch', 'Re-queue a batch that ended in error'),
        params: BatchIdParams,
        response: { 200: UploadResponse, 409: ErrorResponse, ...API_ERRORS },
      },
    },
    async (request) => {
      const batch = await batchService.retry(currentUser(request), request.params.id);
      return {
        id: batch.id,
        status: batch.status,
        version: batch.version,
        message: 'Batch re-queued for processing',
      };
    },
  );
};
