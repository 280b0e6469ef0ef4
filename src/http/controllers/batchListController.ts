import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { BatchService } from '../../services/batchService.js';
import { currentUser } from '../plugins/authentication.js';
import { batchDetails, batchSummary } from '../presenters/batchPresenter.js';
import {
  BatchSummary,
  DEFAULTS,
  ListQuery,
  ListResponse,
  RecentQuery,
  StatsResponse,
} from '../schemas/batchSchemas.js';
import { API_ERRORS } from '../schemas/errorSchemas.js';

export interface BatchListOptions {
  batchService: BatchService;
}

/** The caller's batches as a whole: counts by status, the most recent, the paged list. */
/* eslint-disable @typescript-eslint/require-await -- Fastify plugins are async by contract */
export const batchListController: FastifyPluginAsyncTypebox<BatchListOptions> = async (
  app,
  { batchService },
) => {
  /* eslint-enable @typescript-eslint/require-await */
  const docs = (operationId: string, summary: string) => ({ operationId, summary, tags: ['batches'] });

  app.get(
    '/stats',
    {
      schema: {
        ...docs('getBatchStats', 'Counts of your batches by status'),
        response: { 200: StatsResponse, ...API_ERRORS },
      },
    },
    async (request) => batchService.stats(currentUser(request)),
  );

  app.get(
    '/recent',
    {
      schema: {
        ...docs('listRecentBatches', 'Your most recent batches'),
        querystring: RecentQuery,
        response: { 200: Type.Array(BatchSummary), ...API_ERRORS },
      },
    },
    async (request) =>
      (await batchService.recent(currentUser(request), request.query.limit ?? DEFAULTS.recentLimit)).map(
        batchSummary,
      ),
  );

  const listRoute = {
    schema: {
      ...docs('listBatches', 'List your batches, newest first'),
      querystring: ListQuery,
      response: { 200: ListResponse, ...API_ERRORS },
    },
  };
  const list = async (request: FastifyRequest<{ Querystring: Static<typeof ListQuery> }>) => {
    const { status, page = DEFAULTS.page, limit = DEFAULTS.listLimit } = request.query;
    const result = await batchService.list(currentUser(request), { status, page, limit });
    return { batches: result.batches.map(batchDetails), total: result.total, page, limit };
  };
  // '' names the path exactly as the spec does (/api/batches); the trailing-slash form keeps
  // answering for older clients but stays out of the document.
  app.get('', listRoute, list);
  app.get(
    '/',
    { ...listRoute, prefixTrailingSlash: 'slash', schema: { ...listRoute.schema, hide: true } },
    list,
  );
};
