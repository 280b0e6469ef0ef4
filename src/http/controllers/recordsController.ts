import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import type { BatchService } from '../../services/batchService.js';
import { errorsCsv } from '../../services/errorsCsvService.js';
import { currentUser } from '../plugins/authentication.js';
import { BatchIdParams, DEFAULTS, RecordsQuery, RecordsResponse } from '../schemas/batchSchemas.js';
import { API_ERRORS, ErrorResponse } from '../schemas/errorSchemas.js';

export interface RecordsControllerOptions {
  batchService: BatchService;
}

/** What a batch produced: its contact records (paged) and its invalid rows (errors.csv). */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
export const recordsController: FastifyPluginAsyncTypebox<RecordsControllerOptions> = async (app, opts) => {
  const { batchService } = opts;

  app.get(
    '/:id/records',
    {
      schema: {
        operationId: 'listRecords',
        summary: 'Parsed contact records of a batch, in row order, with cursor paging',
        tags: ['records'],
        params: BatchIdParams,
        querystring: RecordsQuery,
        // 409: a cursor of a reading the batch no longer shows (re-read, issue #21).
        response: { 200: RecordsResponse, 409: ErrorResponse, ...API_ERRORS },
      },
    },
    async (request) => {
      const { limit = DEFAULTS.recordsLimit, cursor, known } = request.query;
      return batchService.listRecords(currentUser(request), request.params.id, { limit, cursor, known });
    },
  );

  app.get(
    '/:id/errors.csv',
    {
      schema: {
        operationId: 'getErrorsCsv',
        summary: 'Rows that could not become contacts, with row number and reason (CSV)',
        tags: ['records'],
        params: BatchIdParams,
        description: 'Columns: row, reason, the original columns of the file, other columns (JSON).',
        // 200 is a streamed text/csv body (never serialised by this schema); errors are JSON.
        response: {
          200: {
            description: 'The invalid rows as CSV (UTF-8 with BOM), as an attachment',
            content: { 'text/csv': { schema: Type.String() } },
          },
          ...API_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const rows = await batchService.invalidRows(currentUser(request), request.params.id);
      void reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="batch-${request.params.id}-errors.csv"`);
      // The typed reply only knows the JSON schemas; a stream body is sent through the plain type.
      const plain: FastifyReply = reply;
      return plain.send(Readable.from(errorsCsv(rows)));
    },
  );
};
